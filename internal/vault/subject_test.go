package vault

import (
	"bytes"
	"errors"
	"testing"
)

// covers R-VAULT-1
func TestSubjectKeyRoundTrip(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	sk, wrapped, v, err := k.NewSubjectKey("4.1a", "subj-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range [][]byte{nil, []byte("test-value"), bytes.Repeat([]byte("scan"), 1<<18)} {
		ad := ValueAD("subj-1", "passport-scan", "4.1a", 1)
		got, err := sk.Open(sk.Seal(pt, ad), ad)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round trip of %d bytes: %v", len(pt), err)
		}
	}
	sk2, err := k.OpenSubjectKey("4.1a", "subj-1", v, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	ad := ValueAD("subj-1", "iin", "4.1a", 1)
	if got, err := sk2.Open(sk.Seal([]byte("v"), ad), ad); err != nil || string(got) != "v" {
		t.Fatalf("the re-opened subject key is another key: %v", err)
	}
}

// covers R-VAULT-1
func TestValueBoundToItsPlace(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	sk, _, _, _ := k.NewSubjectKey("4.1a", "subj-1")
	ad := ValueAD("subj-1", "phone", "4.1a", 2)
	ct := sk.Seal([]byte("test-value"), ad)
	for name, other := range map[string][]byte{
		"another subject":  ValueAD("subj-2", "phone", "4.1a", 2),
		"another category": ValueAD("subj-1", "email", "4.1a", 2),
		"another purpose":  ValueAD("subj-1", "phone", "4.1b", 2),
		"another version":  ValueAD("subj-1", "phone", "4.1a", 1),
		"no AD":            nil,
	} {
		if _, err := sk.Open(ct, other); err != ErrOpen {
			t.Errorf("opened with %s's AD: %v", name, err)
		}
	}
	// Another subject's key cannot open it even with the right AD.
	other, _, _, _ := k.NewSubjectKey("4.1a", "subj-2")
	if _, err := other.Open(ct, ad); err != ErrOpen {
		t.Errorf("opened with another subject's key: %v", err)
	}
}

// covers R-VAULT-1
func TestWrappedSubjectKeyBound(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	_, wrapped, v, _ := k.NewSubjectKey("4.1a", "subj-1")
	for _, tc := range []struct{ purpose, subject string }{
		{"4.1b", "subj-1"}, // another purpose
		{"4.1a", "subj-2"}, // another subject
		{"4.1a", "subj-1/"},
	} {
		if _, err := k.OpenSubjectKey(tc.purpose, tc.subject, v, wrapped); err != ErrOpen {
			t.Errorf("opened as %s/%s: %v", tc.purpose, tc.subject, err)
		}
	}
	if _, err := k.OpenSubjectKey("4.1a", "subj-1", 7, wrapped); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := k.OpenSubjectKey("9.9", "subj-1", 1, wrapped); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown purpose: %v", err)
	}
	if _, _, _, err := k.NewSubjectKey("9.9", "subj-1"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("NewSubjectKey for an unknown purpose: %v", err)
	}
	_, _, _, err := k.NewSubjectKey("4.1a", "")
	wantRule(t, err, "subject-required")
	_, err = k.OpenSubjectKey("4.1a", "", v, wrapped)
	wantRule(t, err, "subject-required")
	for i := range wrapped {
		bad := bytes.Clone(wrapped)
		bad[i] ^= 0x80
		if _, err := k.OpenSubjectKey("4.1a", "subj-1", v, bad); err != ErrOpen {
			t.Fatalf("wrapped key with byte %d flipped: %v", i, err)
		}
	}
}

// covers R-VAULT-1
func TestSealsDiffer(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	sk, _, _, _ := k.NewSubjectKey("4.1a", "subj-1")
	ad := ValueAD("subj-1", "phone", "4.1a", 1)
	a, b := sk.Seal([]byte("test-value"), ad), sk.Seal([]byte("test-value"), ad)
	if bytes.Equal(a, b) || bytes.Equal(a[1:1+nonceSize], b[1:1+nonceSize]) {
		t.Error("two seals of one plaintext are equal or share a nonce")
	}
	if a[0] != formatV1 || len(a) != Overhead+len("test-value") {
		t.Errorf("blob has format %d and %d bytes", a[0], len(a))
	}
	if bytes.Contains(a, []byte("test-value")) {
		t.Error("the plaintext shows in the blob")
	}
	// Two subject keys for one subject and purpose are different keys.
	_, w1, _, _ := k.NewSubjectKey("4.1a", "subj-1")
	_, w2, _, _ := k.NewSubjectKey("4.1a", "subj-1")
	if bytes.Equal(w1, w2) {
		t.Error("two subject keys wrap to the same bytes")
	}
}

// covers R-VAULT-1
func TestTamperingFails(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	sk, _, _, _ := k.NewSubjectKey("4.1a", "subj-1")
	ad := ValueAD("subj-1", "phone", "4.1a", 1)
	ct := sk.Seal([]byte("test-value"), ad)
	for i := range ct {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(ct)
			bad[i] ^= bit
			if _, err := sk.Open(bad, ad); err != ErrOpen {
				t.Fatalf("byte %d ^ %#x: %v", i, bit, err)
			}
		}
	}
	for n := range len(ct) {
		if _, err := sk.Open(ct[:n], ad); err != ErrOpen {
			t.Fatalf("cut to %d bytes: %v", n, err)
		}
	}
	if _, err := sk.Open(append(bytes.Clone(ct), 0), ad); err != ErrOpen {
		t.Fatalf("extended: %v", err)
	}
	// The format byte is authenticated: relabelling it cannot pass as
	// another format sealed under the same key and nonce.
	if got := headerAD(2, ad); bytes.Equal(got, headerAD(formatV1, ad)) {
		t.Fatal("header AD ignores the format")
	}
}

func TestValueADUnambiguous(t *testing.T) {
	type tuple struct {
		s, c, p string
		v       int
	}
	tuples := []tuple{
		{"ab", "c", "p", 1}, {"a", "bc", "p", 1}, {"a", "b", "cp", 1},
		{"", "abc", "p", 1}, {"abc", "", "p", 1},
		{"a", "b", "c", 1}, {"a", "b", "c", 2}, {"a", "b", "c", -1}, {"a", "b", "c", 256},
		{"a\x00\x00\x00\x01b", "c", "p", 1}, {"a", "\x00\x00\x00\x01b", "p", 1},
	}
	seen := map[string]tuple{}
	for _, tc := range tuples {
		ad := string(ValueAD(tc.s, tc.c, tc.p, tc.v))
		if prev, ok := seen[ad]; ok {
			t.Errorf("%+v and %+v share an AD", prev, tc)
		}
		seen[ad] = tc
	}
	if !bytes.Equal(ValueAD("s", "c", "p", 1), ValueAD("s", "c", "p", 1)) {
		t.Error("ValueAD is not deterministic")
	}
}
