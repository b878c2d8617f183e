package auth

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 seed of RFC 4226 Appendix D and RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

// covers R-ACCESS-4: the TOTP codes are RFC 6238's (Appendix B, SHA-1).
func TestTOTPRFC6238Vectors(t *testing.T) {
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		tm := time.Unix(v.unix, 0)
		if got := hotp(rfcSecret, uint64(totpStep(tm)), 8); got != v.code {
			t.Errorf("8 digits at %d: got %s, want %s", v.unix, got, v.code)
		}
		if got := TOTPCode(rfcSecret, tm); got != v.code[2:] {
			t.Errorf("TOTPCode at %d: got %s, want %s", v.unix, got, v.code[2:])
		}
	}
}

// The HOTP core against RFC 4226 Appendix D.
func TestHOTPRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314",
		"254676", "287922", "162583", "399871", "520489"}
	for c, w := range want {
		if got := hotp(rfcSecret, uint64(c), 6); got != w {
			t.Errorf("counter %d: got %s, want %s", c, got, w)
		}
	}
}

// covers R-ACCESS-4: one step of clock skew either way is accepted, two are
// not, and the matched step is the one the code was made for.
func TestCheckTOTPSkew(t *testing.T) {
	now := time.Unix(1_750_000_015, 0) // the middle of a step
	step := totpStep(now)
	for d := int64(-2); d <= 2; d++ {
		code := TOTPCode(rfcSecret, now.Add(time.Duration(d)*totpPeriod*time.Second))
		got, ok := CheckTOTP(rfcSecret, code, now, 0)
		wantOK := d >= -1 && d <= 1
		if ok != wantOK || (ok && got != step+d) {
			t.Errorf("skew %+d steps: got (%d, %v), want (%d, %v)", d, got, ok, step+d, wantOK)
		}
	}
}

// covers R-ACCESS-4: a code cannot be used twice, nor can an older code be
// used after a newer one.
func TestCheckTOTPReplay(t *testing.T) {
	now := time.Unix(1_750_000_015, 0)
	code := TOTPCode(rfcSecret, now)
	step, ok := CheckTOTP(rfcSecret, code, now, 0)
	if !ok {
		t.Fatal("first use refused")
	}
	if _, ok := CheckTOTP(rfcSecret, code, now, step); ok {
		t.Error("the same code was accepted twice")
	}
	if _, ok := CheckTOTP(rfcSecret, code, now.Add(10*time.Second), step); ok {
		t.Error("the same code was accepted again later in its step")
	}
	older := TOTPCode(rfcSecret, now.Add(-totpPeriod*time.Second))
	if _, ok := CheckTOTP(rfcSecret, older, now, step); ok {
		t.Error("the previous step's code was accepted after the current one was used")
	}
	next := TOTPCode(rfcSecret, now.Add(totpPeriod*time.Second))
	if got, ok := CheckTOTP(rfcSecret, next, now, step); !ok || got != step+1 {
		t.Errorf("the next step's code: got (%d, %v), want (%d, true)", got, ok, step+1)
	}
}

// When two adjacent steps share a code, the later step is returned, so the
// code cannot be replayed in the later step. With the RFC seed, counters
// 910737 and 910738 both give 911617 (found by search).
func TestCheckTOTPSameCodeTwoSteps(t *testing.T) {
	const c = 910737
	if hotp(rfcSecret, c, 6) != "911617" || hotp(rfcSecret, c+1, 6) != "911617" {
		t.Fatal("the colliding counters are not what this test assumes")
	}
	now := time.Unix((c+1)*totpPeriod, 0) // window c .. c+2
	step, ok := CheckTOTP(rfcSecret, "911617", now, 0)
	if !ok || step != c+1 {
		t.Fatalf("got (%d, %v), want (%d, true)", step, ok, c+1)
	}
	if _, ok := CheckTOTP(rfcSecret, "911617", now, step); ok {
		t.Error("the code was accepted again")
	}
}

func TestCheckTOTPInput(t *testing.T) {
	now := time.Unix(1_750_000_015, 0)
	code := TOTPCode(rfcSecret, now)
	if _, ok := CheckTOTP(rfcSecret, code[:3]+" "+code[3:], now, 0); !ok {
		t.Error(`"123 456" form refused`)
	}
	for _, bad := range []string{"", code[:5], code + "0", "12345a", "１２３４５６", "-12345"} {
		if _, ok := CheckTOTP(rfcSecret, bad, now, 0); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, ok := CheckTOTP(nil, TOTPCode(nil, now), now, 0); ok {
		t.Error("an empty secret accepted a code")
	}
}

func TestNewTOTPSecret(t *testing.T) {
	a, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewTOTPSecret()
	if len(a) != 20 || bytes.Equal(a, b) {
		t.Errorf("secrets: len %d, equal %v; want 20 random bytes each", len(a), bytes.Equal(a, b))
	}
}

// covers R-ACCESS-4: the enrolment URI follows the Key URI format and
// escapes what it must.
func TestTOTPURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	got := TOTPURI(secret, "Derbes", "aigerim@example.kz")
	want := "otpauth://totp/Derbes:aigerim%40example.kz?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Derbes&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	issuer, account := "Колледж & Co: Алматы", "a:b?c=d&e/f g+h"
	u, err := url.Parse(TOTPURI(secret, issuer, account))
	if err != nil {
		t.Fatal(err)
	}
	label := strings.TrimPrefix(u.Path, "/")
	i := strings.Index(u.EscapedPath(), ":")
	gotIssuer, _ := url.PathUnescape(strings.TrimPrefix(u.EscapedPath()[:i], "/"))
	gotAccount, _ := url.PathUnescape(u.EscapedPath()[i+1:])
	if u.Scheme != "otpauth" || u.Host != "totp" || gotIssuer != issuer || gotAccount != account {
		t.Errorf("label %q: got issuer %q account %q", label, gotIssuer, gotAccount)
	}
	if strings.Count(u.EscapedPath(), ":") != 1 {
		t.Errorf("label %q: want exactly one unescaped colon", u.EscapedPath())
	}
	q := u.Query()
	dec, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(q.Get("secret"))
	if err != nil || !bytes.Equal(dec, secret) || q.Get("issuer") != issuer ||
		q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" || len(q) != 5 {
		t.Errorf("query %v: want the secret, issuer %q, SHA1, 6, 30", q, issuer)
	}
}

// covers R-ACCESS-4: the enrolment QR code is a PNG a phone can scan:
// square, of a sensible size, with a white quiet zone and a black finder
// pattern in the corner.
func TestQRPNG(t *testing.T) {
	secret, _ := NewTOTPSecret()
	b, err := QRPNG(TOTPURI(secret, "Derbes", "aigerim@example.kz"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	r := img.Bounds()
	if r.Dx() != r.Dy() || r.Dx() < 200 || r.Dx() > 1000 {
		t.Errorf("size %v: want a square of 200 to 1000 pixels", r.Size())
	}
	dark := func(x, y int) bool { v, _, _, _ := img.At(x, y).RGBA(); return v < 0x8000 }
	// 8 pixels a module, 4 modules of quiet zone: the finder pattern's outer
	// ring starts at pixel 32.
	if dark(0, 0) || dark(31, 31) || !dark(32, 32) || !dark(r.Dx()-33, 32) || !dark(32, r.Dy()-33) {
		t.Error("no quiet zone or no finder patterns where a QR code has them")
	}
	if _, err := QRPNG(strings.Repeat("x", 3000)); err == nil {
		t.Error("3000 bytes: want an error, too long for a QR code")
	}
}

// BenchmarkCheckTOTP measures one verification: three HMAC-SHA-1 codes.
func BenchmarkCheckTOTP(b *testing.B) {
	now := time.Unix(1_750_000_015, 0)
	code := TOTPCode(rfcSecret, now)
	for b.Loop() {
		if _, ok := CheckTOTP(rfcSecret, code, now, 0); !ok {
			b.Fatal("refused")
		}
	}
}
