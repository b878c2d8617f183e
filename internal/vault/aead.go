package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"strconv"
)

const (
	formatV1  = 1  // the first byte of every blob sealed here
	keySize   = 32 // AES-256, HMAC-SHA256 and Ed25519 seed keys alike
	nonceSize = 12
	tagSize   = 16
)

// Overhead is how many bytes a sealed blob is longer than its plaintext:
// the format byte, the nonce and the GCM tag.
const Overhead = 1 + nonceSize + tagSize

// newAEAD returns AES-256-GCM with random nonces under key. aes.NewCipher
// copies the key into its schedule, so the caller may (and should) clear key
// afterwards. The only error is a key of the wrong length.
func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != keySize { // aes accepts 16 and 24 too: we do not
		return nil, aes.KeySizeError(len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	// NewGCMWithRandomNonce draws the nonce inside the module that seals,
	// so no caller can ever pass a repeated one.
	return cipher.NewGCMWithRandomNonce(b)
}

// seal returns formatV1 || nonce || ciphertext+tag. The format byte is
// authenticated with ad, so a future format cannot be confused with this one.
func seal(a cipher.AEAD, plaintext, ad []byte) []byte {
	out := make([]byte, 1, Overhead+len(plaintext))
	out[0] = formatV1
	return a.Seal(out, nil, plaintext, headerAD(formatV1, ad))
}

// open reverses seal. Every failure is ErrOpen.
func open(a cipher.AEAD, blob, ad []byte) ([]byte, error) {
	if len(blob) < Overhead || blob[0] != formatV1 {
		return nil, ErrOpen
	}
	pt, err := a.Open(nil, nil, blob[1:], headerAD(formatV1, ad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// headerAD prefixes the caller's associated data with the format byte.
func headerAD(version byte, ad []byte) []byte {
	b := make([]byte, 0, 1+len(ad))
	return append(append(b, version), ad...)
}

// ValueAD returns the associated data that binds a sealed value to its
// subject, category, purpose and value version (R-VAULT-1). Each string is
// length-prefixed, so no two different tuples share an encoding: a naive
// concatenation would let ("ab","c") and ("a","bc") collide. It has no errors.
func ValueAD(subjectID, category, purpose string, version int) []byte {
	const label = "derbes/value"
	b := make([]byte, 0, 4*4+len(label)+len(subjectID)+len(category)+len(purpose)+8)
	b = appendLP(b, label)
	b = appendLP(b, subjectID)
	b = appendLP(b, category)
	b = appendLP(b, purpose)
	return binary.BigEndian.AppendUint64(b, uint64(int64(version)))
}

// appendLP appends s with a 4-byte big-endian length prefix. Strings of 4 GiB
// or more do not occur here (ids, codes and normalised values).
func appendLP(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// keyAD is the associated data of a keyring key wrapped by the master. Kinds
// hold no "/", names are checked by validName to hold none either, and the
// version is the last, all-digit element, so the string is unambiguous.
func keyAD(kind, name string, version int) []byte {
	return []byte("derbes/key/" + kind + "/" + name + "/" + strconv.Itoa(version))
}

// subjectKeyAD is the associated data of a subject key wrapped by a purpose
// key. Purpose codes hold no "/", so the subject id after it is unambiguous.
func subjectKeyAD(purpose, subjectID string) []byte {
	return []byte("derbes/subject-key/" + purpose + "/" + subjectID)
}

// validName reports whether s may be a purpose code in associated data:
// 1 to 128 visible ASCII characters, none of them "/".
func validName(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '/' {
			return false
		}
	}
	return true
}
