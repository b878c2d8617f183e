package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
)

// testParams are cheap parameters for tests that only need a valid hash.
var testParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// covers R-ACCESS-4: a password hash verifies the password it was made from
// and nothing else, and a stored hash is in the PHC argon2id format.
func TestPasswordRoundTrip(t *testing.T) {
	enc, err := HashPassword("correct horse battery", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("encoding %q: want the PHC argon2id prefix with DefaultParams", enc)
	}
	ok, rehash, err := CheckPassword(enc, "correct horse battery")
	if !ok || rehash || err != nil {
		t.Errorf("right password: got ok=%v rehash=%v err=%v, want true false nil", ok, rehash, err)
	}
	for _, wrong := range []string{"correct horse batterY", "correct horse battery ", "", "x"} {
		ok, rehash, err := CheckPassword(enc, wrong)
		if ok || rehash || err != nil {
			t.Errorf("wrong password %q: got ok=%v rehash=%v err=%v, want false false nil", wrong, ok, rehash, err)
		}
	}
	again, err := HashPassword("correct horse battery", DefaultParams)
	if err != nil || again == enc {
		t.Errorf("second hash of the same password: equal=%v err=%v; want a fresh salt", again == enc, err)
	}
}

// covers R-ACCESS-4: a hash made with other parameters still verifies and
// asks to be replaced; a wrong password does not ask.
func TestNeedsRehash(t *testing.T) {
	enc, err := HashPassword("an old password here", testParams)
	if err != nil {
		t.Fatal(err)
	}
	ok, rehash, err := CheckPassword(enc, "an old password here")
	if !ok || !rehash || err != nil {
		t.Errorf("old params: got ok=%v rehash=%v err=%v, want true true nil", ok, rehash, err)
	}
	ok, rehash, _ = CheckPassword(enc, "not the password")
	if ok || rehash {
		t.Errorf("old params, wrong password: got ok=%v rehash=%v, want false false", ok, rehash)
	}
}

// covers R-ACCESS-4: a tampered or corrupted row is refused before any key
// is derived, so it can neither verify a password nor cost a huge hash.
func TestCheckPasswordRefusesMalformed(t *testing.T) {
	good, err := HashPassword("pw", testParams)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(good, "$") // "", alg, v, params, salt, key
	swap := func(i int, v string) string {
		g := append([]string(nil), f...)
		g[i] = v
		return strings.Join(g, "$")
	}
	cases := map[string]string{
		"empty":             "",
		"bcrypt":            "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
		"argon2i":           swap(1, "argon2i"),
		"version 16":        swap(2, "v=16"),
		"memory 2 GiB":      swap(3, "m=2097152,t=1,p=1"),
		"memory over u32":   swap(3, "m=4294967296,t=1,p=1"),
		"memory too small":  swap(3, "m=8,t=1,p=2"),
		"time 21":           swap(3, "m=64,t=21,p=1"),
		"time 0":            swap(3, "m=64,t=0,p=1"),
		"threads 0":         swap(3, "m=64,t=1,p=0"),
		"threads 256":       swap(3, "m=4096,t=1,p=256"),
		"threads 17":        swap(3, "m=4096,t=1,p=17"),
		"leading zero":      swap(3, "m=064,t=1,p=1"),
		"plus sign":         swap(3, "m=+64,t=1,p=1"),
		"order":             swap(3, "t=1,m=64,p=1"),
		"extra param":       swap(3, "m=64,t=1,p=1,keyid=x"),
		"missing param":     swap(3, "m=64,t=1"),
		"empty key":         swap(5, ""),
		"short key":         swap(5, "AAAAAAAAAAAAAAAAAAAA"),
		"short salt":        swap(4, "AAAAAAA"),
		"padded salt":       swap(4, f[4]+"=="),
		"newline in key":    swap(5, f[5][:10]+"\n"+f[5][10:]),
		"bad base64":        swap(5, "!"+f[5][1:]),
		"extra field":       good + "$",
		"no leading dollar": good[1:],
		"too long":          swap(4, strings.Repeat("A", 300)),
	}
	for name, enc := range cases {
		ok, rehash, err := CheckPassword(enc, "pw")
		if ok || rehash || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: got ok=%v rehash=%v err=%v, want false false ErrMalformedHash", name, ok, rehash, err)
		}
	}
}

func TestHashPasswordRefusesBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 2 << 20, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 0},
	} {
		if enc, err := HashPassword("pw", p); err == nil {
			t.Errorf("HashPassword(%+v) = %q, want an error", p, enc)
		}
	}
}

// covers R-ACCESS-4: the hash used for unknown logins is well formed and
// costs what a real one costs.
func TestDummyHash(t *testing.T) {
	p, _, _, err := decodeHash(DummyHash)
	if err != nil || p != DefaultParams {
		random, _, _ := NewSessionToken()
		fresh, _ := HashPassword(random, DefaultParams)
		t.Fatalf("DummyHash: params %+v, err %v; want DefaultParams. Replace it with\n%s", p, err, fresh)
	}
	if ok, _, err := CheckPassword(DummyHash, "password"); ok || err != nil {
		t.Errorf("CheckPassword(DummyHash) = %v, %v; want false, nil", ok, err)
	}
}

// covers R-ACCESS-4: each policy rule refuses with its own rule name and
// without echoing the password.
func TestCheckPasswordPolicy(t *testing.T) {
	cases := []struct {
		password, rule string
	}{
		{"short", "password-length"},
		{"elevenchars", "password-length"},
		{"пароль", "password-length"},
		{strings.Repeat("a", 257), "password-length"},
		{"123456789012", "password-common"},
		{"Password1234", "password-common"},
		{"QWERTYUIOP123", "password-common"},
		{"Qazaqstan2024", "password-common"},
		{"ЙЦУКЕНГШЩЗХЪ", "password-common"},
		{"twelve chars", ""},
		{"Ақ бидай, ақ бидай", ""},
		{strings.Repeat("я", 256), ""},
		{"correct horse battery staple", ""},
	}
	for _, c := range cases {
		err := CheckPasswordPolicy(c.password)
		if c.rule == "" {
			if err != nil {
				t.Errorf("%q: got %v, want nil", c.password, err)
			}
			continue
		}
		e := derbes.AsError(err)
		if e == nil || e.Code != derbes.EInvalid || e.Field != "password" || e.Rule != c.rule {
			t.Errorf("%q: got %#v, want EInvalid password %s", c.password, err, c.rule)
			continue
		}
		if strings.Contains(strings.ToLower(e.Error()), strings.ToLower(c.password)) {
			t.Errorf("%q: the message %q contains the password", c.password, e.Error())
		}
	}
}

// The list is only useful if every entry can be reached: lower case (the
// comparison folds case anyway), unique, and not refused by length first.
func TestCommonPasswordList(t *testing.T) {
	seen := map[string]bool{}
	n := 0
	for line := range strings.Lines(commonPasswords) {
		pw := strings.TrimSuffix(line, "\n")
		n++
		if pw != strings.ToLower(pw) || seen[pw] {
			t.Errorf("entry %q: not lower case or a duplicate", pw)
		}
		seen[pw] = true
		if err := CheckPasswordPolicy(pw); err == nil || derbes.AsError(err).Rule != "password-common" {
			t.Errorf("entry %q: got %v, want password-common", pw, err)
		}
	}
	if n < 150 {
		t.Errorf("the list has %d entries, want about 200", n)
	}
}

// BenchmarkHashPassword measures one argon2id hash with DefaultParams, the
// cost of every sign-in (and of every unknown-login check).
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
