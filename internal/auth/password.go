package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a password hash.
type Params struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes over the memory
	Threads uint8  // degree of parallelism (lanes)
	SaltLen uint32 // salt length in bytes
	KeyLen  uint32 // derived key (hash) length in bytes
}

// DefaultParams are the parameters of new hashes: 64 MiB, 3 passes, 2 lanes,
// a 16-byte salt and a 32-byte key.
//
// Why: the OWASP Password Storage Cheat Sheet asks for argon2id with at least
// 19 MiB, 2 passes and 1 lane (or an equivalent trade of memory for passes);
// these values exceed that and equal RFC 9106's second recommended option
// (t=3, m=64 MiB) but with 2 lanes instead of 4, to match the 2 cores of a
// small server. BenchmarkHashPassword measures one hash: 0.10–0.11 s and
// 64 MiB on the 2-core AMD EPYC development machine (go1.26), inside the
// 0.1–0.5 s that a sign-in can afford.
// Hashes made with other parameters still verify; CheckPassword then reports
// needsRehash so the caller can store a fresh hash.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters that HashPassword accepts and CheckPassword parses.
// They keep a tampered or corrupted row from turning one sign-in into a
// denial of service (a huge m or t) or into a check that any password passes
// (an empty key).
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 20
	maxThreads = 16
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
	maxEncoded = 256 // bytes of a PHC string; ours are about 100
)

// ErrMalformedHash is returned (wrapped) by CheckPassword when the stored
// encoding is not an argon2id PHC string this package accepts: a wrong
// algorithm or version, parameters out of bounds, or bad base64. It means a
// corrupted or tampered row, never a wrong password.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// HashPassword hashes password with argon2id and a fresh random salt and
// returns it as a PHC string,
// "$argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>" (unpadded standard base64).
// It returns an error if p is outside the accepted bounds (m ≤ 1 GiB and at
// least 8 KiB per lane, 1 ≤ t ≤ 20, 1 ≤ p ≤ 16, salt 8–64 bytes, key 16–64
// bytes) or if the system's random source fails. It does not apply the
// password policy: see CheckPasswordPolicy.
func HashPassword(password string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodeHash(p, salt, key), nil
}

// CheckPassword reports whether password matches the PHC string encoded, in
// constant time with respect to the derived key. needsRehash is true when the
// password matched but encoded was made with parameters other than
// DefaultParams; the caller should then store HashPassword(password,
// DefaultParams). A wrong password is (false, false, nil). err wraps
// ErrMalformedHash when encoded cannot be parsed strictly or its parameters
// are out of bounds; no key is derived then, and ok is false.
func CheckPassword(encoded, password string) (ok bool, needsRehash bool, err error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != DefaultParams, nil
}

func (p Params) validate() error {
	switch {
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("threads %d outside 1..%d", p.Threads, maxThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d outside 1..%d", p.Time, maxTime)
	case p.SaltLen < minSalt || p.SaltLen > maxSalt:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, minSalt, maxSalt)
	case p.KeyLen < minKey || p.KeyLen > maxKey:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, minKey, maxKey)
	}
	return nil
}

var b64 = base64.RawStdEncoding.Strict()

func encodeHash(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses exactly the form encodeHash writes: no optional fields,
// parameters in the order m, t, p, canonical decimals, canonical unpadded
// base64. Anything else is ErrMalformedHash.
func decodeHash(encoded string) (p Params, salt, key []byte, err error) {
	malformed := func(what string) error { return fmt.Errorf("%w: %s", ErrMalformedHash, what) }
	if len(encoded) > maxEncoded {
		return p, nil, nil, malformed("too long")
	}
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[0] != "" {
		return p, nil, nil, malformed("not a PHC string")
	}
	if f[1] != "argon2id" {
		return p, nil, nil, malformed("not argon2id")
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, malformed("unsupported version")
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, malformed("want m, t and p")
	}
	m, okM := param(kv[0], "m=")
	t, okT := param(kv[1], "t=")
	th, okP := param(kv[2], "p=")
	if !okM || !okT || !okP || th > maxThreads {
		return p, nil, nil, malformed("bad parameters")
	}
	if salt, err = decodeB64(f[4]); err != nil {
		return p, nil, nil, malformed("bad salt")
	}
	if key, err = decodeB64(f[5]); err != nil {
		return p, nil, nil, malformed("bad hash")
	}
	p = Params{Memory: m, Time: t, Threads: uint8(th), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, malformed(err.Error())
	}
	return p, salt, key, nil
}

// param parses "name=N" where N is a canonical decimal uint32 (no sign, no
// leading zero, no separators).
func param(s, name string) (uint32, bool) {
	v, found := strings.CutPrefix(s, name)
	if !found || v == "" || len(v) > 10 || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(v, 10, 32)
	return uint32(n), err == nil
}

// decodeB64 decodes canonical unpadded standard base64. The standard decoder
// skips '\r' and '\n'; we refuse them so that one hash has one encoding.
func decodeB64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("line break in base64")
	}
	return b64.DecodeString(s)
}

// DummyHash is a valid hash, made with DefaultParams, of a random password
// that was thrown away. When a sign-in names an unknown login, check the
// given password against DummyHash and refuse: the request then spends the
// same time as one for a real account, so timing does not tell which logins
// exist. It is a constant rather than computed at start-up so that importing
// the package costs nothing; TestDummyHash fails, printing a replacement,
// if DefaultParams change.
const DummyHash = "$argon2id$v=19$m=65536,t=3,p=2$UnErU8sU7kF53EMecJkHww$0xKaxJ7KR21fA9/flSOWMLR0Jlz/6ZWB3+WaSJMm/iI"
