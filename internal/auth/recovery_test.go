package auth

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// covers R-ACCESS-4: recovery codes are 10 distinct codes of 10 unambiguous
// characters, stored as SHA-256 hashes.
func TestNewRecoveryCodes(t *testing.T) {
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes and %d hashes, want 10 and 10", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 10 || strings.Trim(c, recoveryAlphabet) != "" || seen[c] {
			t.Errorf("code %q: want 10 new characters from %s", c, recoveryAlphabet)
		}
		seen[c] = true
		if sum := sha256.Sum256([]byte(c)); !bytes.Equal(hashes[i], sum[:]) {
			t.Errorf("hash %d is not SHA-256 of code %d", i, i)
		}
	}
	if strings.ContainsAny(recoveryAlphabet, "01ILO") {
		t.Error("the alphabet has an ambiguous character")
	}
}

// covers R-ACCESS-4: a recovery code matches its own hash and no other,
// whatever its case, spaces and hyphens; a used (blanked) code no longer
// matches.
func TestMatchRecoveryCode(t *testing.T) {
	codes, hashes, err := NewRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range codes {
		for _, typed := range []string{
			c,
			strings.ToLower(c),
			c[:5] + "-" + c[5:],
			" " + strings.ToLower(c[:5]) + " " + c[5:] + "\n",
			c[:5] + "\u2013" + c[5:], // an en dash from a word processor
		} {
			if got, ok := MatchRecoveryCode(hashes, typed); !ok || got != i {
				t.Errorf("%q: got (%d, %v), want (%d, true)", typed, got, ok, i)
			}
		}
	}
	for _, bad := range []string{"", codes[0][:9], codes[0] + "2", "ABCDEFGHJK", codes[0][:9] + "#"} {
		if got, ok := MatchRecoveryCode(hashes, bad); ok || got != -1 {
			t.Errorf("%q: got (%d, %v), want (-1, false)", bad, got, ok)
		}
	}
	used := append([][]byte(nil), hashes...)
	used[3] = nil
	if _, ok := MatchRecoveryCode(used, codes[3]); ok {
		t.Error("a used code matched")
	}
	if got, ok := MatchRecoveryCode(used, codes[4]); !ok || got != 4 {
		t.Errorf("the next code: got (%d, %v), want (4, true)", got, ok)
	}
	dup := [][]byte{hashes[0], hashes[1], hashes[1]}
	if got, ok := MatchRecoveryCode(dup, codes[1]); !ok || got != 1 {
		t.Errorf("a hash stored twice: got (%d, %v), want the first, (1, true)", got, ok)
	}
}

// The rejection sampling draws every symbol: with 31 symbols and 3,100
// draws, a missing one would mean a broken draw.
func TestRandomStringUsesWholeAlphabet(t *testing.T) {
	s, err := randomString(recoveryAlphabet, 3100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recoveryAlphabet {
		if n := strings.Count(s, string(r)); n < 50 || n > 170 {
			t.Errorf("%c drawn %d times in 3100, want about 100", r, n)
		}
	}
}

// covers R-ACCESS-4: a session token is 32 random bytes in base64url, and
// the stored hash is SHA-256 of the token as the cookie carries it.
func TestSessionToken(t *testing.T) {
	tok, hash, err := NewSessionToken()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 32 || len(tok) != 43 {
		t.Errorf("token %q: err %v, %d bytes; want 43 base64url characters of 32 bytes", tok, err, len(raw))
	}
	if !bytes.Equal(hash, HashSessionToken(tok)) {
		t.Error("the returned hash is not HashSessionToken(token)")
	}
	if sum := sha256.Sum256([]byte(tok)); !bytes.Equal(hash, sum[:]) {
		t.Error("the hash is not SHA-256 of the token")
	}
	if bytes.Equal(HashSessionToken(tok), HashSessionToken(tok[:42]+"A")) && tok[42] != 'A' {
		t.Error("different tokens hash alike")
	}
	tok2, hash2, _ := NewSessionToken()
	if tok == tok2 || bytes.Equal(hash, hash2) {
		t.Error("two tokens are equal")
	}
}
