package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"rsc.io/qr"
)

// TOTP parameters (RFC 6238 with the defaults every authenticator app
// supports): HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch.
const (
	totpDigits = 6
	totpPeriod = 30 // seconds
	totpSkew   = 1  // steps accepted either side of the current one
	secretLen  = 20 // bytes: the HMAC-SHA-1 output size, as RFC 4226 recommends
)

// NewTOTPSecret returns a fresh random 20-byte TOTP secret. It returns an
// error only if the system's random source fails.
func NewTOTPSecret() ([]byte, error) {
	s := make([]byte, secretLen)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("auth: totp secret: %w", err)
	}
	return s, nil
}

// TOTPCode returns the 6-digit code of secret for the 30-second step that
// contains t. It never fails; t is expected to be after 1970.
func TOTPCode(secret []byte, t time.Time) string {
	return hotp(secret, uint64(totpStep(t)), totpDigits)
}

// CheckTOTP reports whether code is the code of secret for the step of t or
// the step either side of it (a phone's clock may be up to about 30 s off),
// and returns the step it matched. Steps at or before lastUsedStep are
// refused, so a code cannot be used twice: the caller stores the returned
// step as the new lastUsedStep (0 before the first use). Spaces in code are
// ignored ("123 456"); anything but 6 digits is refused. Each candidate is
// computed and compared in constant time. It never fails: a refusal is
// (0, false), as is an empty secret.
func CheckTOTP(secret []byte, code string, t time.Time, lastUsedStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(code, " ", "")
	if len(secret) == 0 || len(code) != totpDigits || !allDigits(code) {
		return 0, false
	}
	now := totpStep(t)
	// If a code happens to be the same for two steps, keep the later one:
	// storing the earlier would let the same code be replayed at the later.
	var matched int64
	for s := now - totpSkew; s <= now+totpSkew; s++ {
		want := hotp(secret, uint64(s), totpDigits)
		eq := subtle.ConstantTimeCompare([]byte(want), []byte(code))
		if eq == 1 && s > lastUsedStep && s >= 0 {
			matched = s
			ok = true
		}
	}
	return matched, ok
}

// TOTPURI returns the otpauth:// URI that authenticator apps read from the
// enrolment QR code ("Key Uri Format"):
//
//	otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded (every byte but A–Z a–z 0–9 - . _ ~),
// so a colon, space or ampersand in them cannot change the URI's structure.
// The secret is unpadded base32. It never fails.
func TOTPURI(secret []byte, issuer, account string) string {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	return fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
		escape(issuer), escape(account), enc, escape(issuer), totpDigits, totpPeriod)
}

// QRPNG returns a PNG image of text as a QR code with error correction level
// M, for an enrolment page to show as a data: URL. Each module is 8 pixels
// with a 4-module quiet zone. It returns an error if text is too long for a
// QR code (about 2,300 bytes at level M).
func QRPNG(text string) ([]byte, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("auth: qr code: %w", err)
	}
	return c.PNG(), nil
}

// hotp is RFC 4226 HOTP with HMAC-SHA-1 and dynamic truncation, as a
// zero-padded string of digits (6 or 8).
func hotp(secret []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// totpStep is the number of whole periods between the Unix epoch and t.
func totpStep(t time.Time) int64 {
	s := t.Unix()
	if s < 0 { // floor, not truncation, for times before 1970
		return (s - totpPeriod + 1) / totpPeriod
	}
	return s / totpPeriod
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// escape percent-encodes every byte of s that is not an RFC 3986 unreserved
// character.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
