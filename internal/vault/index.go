package vault

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
)

// BlindIndexSize is the length of a blind index in bytes. 16 bytes (128
// bits) is the trade between space and collisions: the index is stored on
// every searchable row and in its database index, so halving SHA-256's 32
// bytes halves that space; and at ten million rows per category the odds
// that any two different values share an index are about n²/2¹²⁹ ≈ 10⁻²⁵,
// so a hit can be trusted as the match. 8 bytes would give about 10⁻⁵ there,
// too close for a key used for years while the data grows.
const BlindIndexSize = 16

// BlindIndex returns the blind index of a normalised value in category
// (R-VAULT-3): HMAC-SHA256 under the installation's blind-index key of the
// length-prefixed (category, normalized), cut to BlindIndexSize bytes. Equal
// values give equal indexes in one installation; another installation (other
// key) gives other indexes; the category in the input keeps a phone number
// and an IIN that happen to share digits apart. The caller normalises first
// (E.164 phones, upper-case document numbers…): the index is exact.
// It has no errors; it panics after Close.
func (k *Keyring) BlindIndex(category, normalized string) []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	m := hmac.New(sha256.New, k.mustEntry(KindBlindIndex).raw)
	m.Write(appendLP(appendLP(make([]byte, 0, 8+len(category)+len(normalized)), category), normalized))
	return m.Sum(make([]byte, 0, sha256.Size))[:BlindIndexSize]
}

// SecretHash returns HMAC-SHA256 of secret under a key derived by HKDF from
// the blind-index key with info "derbes/secret-hash/"+purpose: how API
// tokens and one-time codes are stored (R-ACCESS-4). A keyed hash, unlike a
// plain one, cannot be checked against guesses by someone holding only the
// database, which matters for short one-time codes; purpose separates the
// uses ("api-token", "otp"…) so a hash of one never verifies as another.
// Compare hashes with Equal. It has no errors; it panics after Close.
func (k *Keyring) SecretHash(purpose string, secret []byte) []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	m := hmac.New(sha256.New, k.secretHashKey(purpose))
	m.Write(secret)
	return m.Sum(nil)
}

// secretHashKey returns the derived key of purpose; mu must be held for
// reading. Keys are derived once per purpose and kept until Close.
func (k *Keyring) secretHashKey(purpose string) []byte {
	base := k.mustEntry(KindBlindIndex).raw
	k.hashMu.Lock()
	defer k.hashMu.Unlock()
	if h, ok := k.hashKeys[purpose]; ok {
		return h
	}
	h, err := hkdf.Key(sha256.New, base, nil, "derbes/secret-hash/"+purpose, keySize)
	if err != nil { // only for lengths over 255×32 bytes, or FIPS-mode key limits
		panic("vault: deriving a secret-hash key: " + err.Error())
	}
	k.hashKeys[purpose] = h
	return h
}

// mustEntry returns the newest key of a DefaultName kind; mu must be held.
// Open always creates both such kinds, so only Close can make one missing.
func (k *Keyring) mustEntry(kind string) *entry {
	if k.closed {
		panic("vault: Keyring used after Close")
	}
	return k.keys[keyID{kind, DefaultName, k.newest[slot{kind, DefaultName}]}]
}

// Equal reports whether a and b are equal, in time that depends on their
// lengths only, not their contents: for comparing secret hashes, tokens
// and codes. It has no errors.
func Equal(a, b []byte) bool { return hmac.Equal(a, b) }
