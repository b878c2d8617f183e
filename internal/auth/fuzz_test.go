package auth

import (
	"errors"
	"testing"
)

// FuzzCheckPassword feeds CheckPassword arbitrary encodings. It must never
// panic, never verify a password against a malformed encoding, and never
// accept parameters out of bounds (so no fuzz input can make it derive a key
// with, say, 4 GiB of memory). Seeds are in testdata/fuzz/FuzzCheckPassword.
//
// covers R-ACCESS-4
func FuzzCheckPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAA", "pw")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		p, salt, key, perr := decodeHash(encoded)
		if perr == nil && p.validate() != nil {
			t.Fatalf("decoded out-of-bounds params %+v", p)
		}
		if perr == nil && (p.Memory > 1024 || p.Time > 2 || p.Threads > 2) {
			return // well formed but too costly to hash on every fuzz input
		}
		ok, rehash, err := CheckPassword(encoded, password)
		switch {
		case err != nil && (ok || rehash || !errors.Is(err, ErrMalformedHash)):
			t.Fatalf("malformed: got ok=%v rehash=%v err=%v", ok, rehash, err)
		case (err == nil) != (perr == nil):
			t.Fatalf("CheckPassword err %v, but decodeHash err %v", err, perr)
		case ok && encodeHash(p, salt, key) != encoded:
			t.Fatalf("verified a non-canonical encoding %q", encoded)
		}
	})
}
