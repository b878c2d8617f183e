package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"
	"unicode"
)

// Recovery codes stand in for the TOTP code when the phone is lost. Each
// works once: the caller deletes (or blanks) the hash that matched.
const (
	recoveryCount = 10
	recoveryLen   = 10
	// recoveryAlphabet leaves out 0 O 1 I L, which people misread and
	// mistype: 31 symbols, so a code carries about 49.5 bits.
	recoveryAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
)

// NewRecoveryCodes returns 10 fresh recovery codes of 10 characters (digits
// 2–9 and capital letters without I, L and O) and their SHA-256 hashes, in
// the same order. Show the codes once (a page may group them as "ABCDE-FGHJK";
// MatchRecoveryCode ignores hyphens, spaces and case) and store only the
// hashes. It returns an error only if the system's random source fails.
func NewRecoveryCodes() (codes []string, hashes [][]byte, err error) {
	codes = make([]string, recoveryCount)
	hashes = make([][]byte, recoveryCount)
	for i := range codes {
		c, err := randomString(recoveryAlphabet, recoveryLen)
		if err != nil {
			return nil, nil, fmt.Errorf("auth: recovery codes: %w", err)
		}
		codes[i] = c
		hashes[i] = hashRecoveryCode(c)
	}
	return codes, hashes, nil
}

// MatchRecoveryCode reports whether code is one of the codes whose hashes
// are given, and which one. Case, spaces and hyphens in code are ignored.
// Every hash is compared, in constant time, whether or not an earlier one
// matched; an empty (used) entry never matches. A code that is not 10
// characters once normalised is refused at once: its length is no secret.
// It never fails: a refusal is (-1, false).
func MatchRecoveryCode(hashes [][]byte, code string) (index int, ok bool) {
	code = normaliseRecoveryCode(code)
	if len(code) != recoveryLen {
		return -1, false
	}
	h := hashRecoveryCode(code)
	index = -1
	for i, stored := range hashes {
		eq := subtle.ConstantTimeCompare(h, stored)
		first := eq & subtle.ConstantTimeEq(int32(index), -1)
		index = subtle.ConstantTimeSelect(first, i, index)
	}
	return index, index >= 0
}

func hashRecoveryCode(normalised string) []byte {
	sum := sha256.Sum256([]byte(normalised))
	return sum[:]
}

// normaliseRecoveryCode drops spaces and hyphens (of any Unicode kind a
// copy-paste may bring) and upper-cases the rest.
func normaliseRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || unicode.Is(unicode.Dash, r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, code)
}

// randomString returns n symbols drawn uniformly from alphabet (at most 256
// symbols), by rejection sampling of random bytes.
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet) // bytes at or above it would bias the draw
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
