package vault

import (
	"context"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Master wraps and unwraps the keyring's keys. It is shaped like a KMS
// (OpenBao or HashiCorp Vault transit, a cloud KMS) so that one can replace
// the local key without touching the rest of the vault: the key never
// leaves the Master, only wrapped blobs do.
//
// Implementations must be safe for concurrent use and must:
//   - ID: return a stable identifier of this master key version, stored with
//     every key it wraps; it must not reveal the key.
//   - Wrap: encrypt plaintext with an AEAD bound to ad. Errors: ctx's error,
//     or an outage of the KMS.
//   - Unwrap: reverse Wrap under the same ad. Errors: one that wraps ErrOpen
//     when wrapped does not open (other key, other ad, tampered), so callers
//     can tell it from an outage; ctx's error; an outage of the KMS.
type Master interface {
	ID() string
	Wrap(ctx context.Context, plaintext, ad []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped, ad []byte) ([]byte, error)
}

// MasterKeySize is the size of a local master key in bytes.
const MasterKeySize = keySize

// LocalMaster is a Master holding an AES-256-GCM key in process memory:
// the key file of development and small installations, or the key given in
// DERBES_MASTER_KEY. It wraps in this package's blob format. It is safe for
// concurrent use.
type LocalMaster struct {
	id   string
	aead cipher.AEAD // holds the key schedule; the raw key is already cleared
}

// NewLocalMaster returns a LocalMaster for key. It copies what it needs and
// keeps no reference to key, which the caller may clear.
//
// Errors: EInvalid (field "master-key", rule "master-key-size") unless key
// is MasterKeySize bytes.
func NewLocalMaster(key []byte) (*LocalMaster, error) {
	if len(key) != MasterKeySize {
		return nil, invalid("master-key", "master-key-size",
			fmt.Sprintf("the master key must be %d bytes, not %d", MasterKeySize, len(key)))
	}
	a, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	// The id is a hash of the key so that the same key gives the same id
	// whether it comes from a file or the environment; a prefix of SHA-256
	// of a 256-bit random key tells nothing about the key. It is "local:",
	// not "file:", for that reason: moving the key from the file to
	// DERBES_MASTER_KEY must not orphan the rows it wrapped.
	sum := sha256.Sum256(key)
	return &LocalMaster{id: "local:" + hex.EncodeToString(sum[:8]), aead: a}, nil
}

// ParseMasterKey returns a LocalMaster for a key given as standard base64
// of MasterKeySize bytes (DERBES_MASTER_KEY). Surrounding white space, such as
// the newline of a file read into the variable, is ignored.
//
// Errors: EInvalid (field "master-key", rule "master-key-format") when b64
// is not such base64; the message never repeats the input.
func ParseMasterKey(b64 string) (*LocalMaster, error) {
	text := []byte(strings.TrimSpace(b64)) // our copy of the key's text: cleared below
	defer clear(text)
	key, ok := decodeKey(text)
	if !ok {
		return nil, invalid("master-key", "master-key-format",
			fmt.Sprintf("the master key must be the standard base64 of %d random bytes (44 characters)", MasterKeySize))
	}
	defer clear(key)
	return NewLocalMaster(key)
}

// decodeKey decodes standard base64 of exactly keySize bytes into a fresh
// slice the caller must clear.
func decodeKey(b64 []byte) ([]byte, bool) {
	enc := base64.StdEncoding.Strict() // one spelling per key
	if len(b64) != enc.EncodedLen(keySize) {
		return nil, false
	}
	key := make([]byte, enc.DecodedLen(len(b64)))
	n, err := enc.Decode(key, b64)
	if err != nil || n != keySize {
		clear(key)
		return nil, false
	}
	return key[:n], true
}

// ID returns "local:" and the first 8 bytes of SHA-256 of the key in hex.
// It has no errors.
func (m *LocalMaster) ID() string { return m.id }

// Wrap seals plaintext bound to ad.
// Errors: ctx's error when it is done.
func (m *LocalMaster) Wrap(ctx context.Context, plaintext, ad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return seal(m.aead, plaintext, ad), nil
}

// Unwrap opens a blob made by Wrap with the same ad.
// Errors: ErrOpen when it does not open; ctx's error when it is done.
func (m *LocalMaster) Unwrap(ctx context.Context, wrapped, ad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return open(m.aead, wrapped, ad)
}

// String returns only the master's id. It has no errors.
func (m *LocalMaster) String() string { return "vault.LocalMaster{" + m.id + "}" }

// Format prints String for every verb, so that no %#v, %x or %d of a
// LocalMaster can dump its fields. It has no errors.
func (m *LocalMaster) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

// LogValue logs only the master's id. It has no errors.
func (m *LocalMaster) LogValue() slog.Value { return slog.StringValue(m.id) }
