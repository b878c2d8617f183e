package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// sessionTokenLen is the number of random bytes in a session token: 256 bits.
const sessionTokenLen = 32

// NewSessionToken returns a fresh session token (32 random bytes as
// unpadded base64url, 43 characters, safe in a cookie) and its SHA-256 hash.
// Give the token to the browser and store only the hash, so a copy of the
// sessions table cannot be replayed as cookies. It returns an error only if
// the system's random source fails.
func NewSessionToken() (token string, hash []byte, err error) {
	b := make([]byte, sessionTokenLen)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: session token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSessionToken(token), nil
}

// HashSessionToken returns the SHA-256 hash of token (of its text, as it
// came from the cookie), the key to look the session up by. Any string
// hashes, so a malformed token simply finds no session. It never fails.
// A plain hash suffices here, unlike for passwords, because the token is
// 256 random bits: there is nothing to guess.
func HashSessionToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
