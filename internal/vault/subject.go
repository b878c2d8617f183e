package vault

import (
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// SubjectKey is the unwrapped data key of one subject for one purpose. It
// seals that subject's values and files for that purpose. The database
// stores it only wrapped (by the purpose key); deleting those rows
// crypto-shreds the subject. It holds no raw key bytes, only the AES key
// schedule, and is safe for concurrent use.
type SubjectKey struct {
	purpose           string
	subjectID         string
	purposeKeyVersion int
	aead              cipher.AEAD
}

// NewSubjectKey makes a random subject key for subjectID under purpose,
// wrapped by the newest version of the purpose key with associated data
// "derbes/subject-key/"+purpose+"/"+subjectID. Store wrapped and
// purposeKeyVersion with the subject; pass both to OpenSubjectKey.
//
// Errors: EInvalid (rule "subject-required") for an empty subjectID; an
// error wrapping ErrUnknownKey when the keyring has no key for purpose;
// ErrClosed.
func (k *Keyring) NewSubjectKey(purpose, subjectID string) (sk *SubjectKey, wrapped []byte, purposeKeyVersion int, err error) {
	if subjectID == "" {
		return nil, nil, 0, invalid("subjectID", "subject-required", "a subject key needs a subject id")
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return nil, nil, 0, ErrClosed
	}
	v, ok := k.newest[slot{KindPurpose, purpose}]
	if !ok {
		return nil, nil, 0, fmt.Errorf("vault: purpose %q: %w", purpose, ErrUnknownKey)
	}
	dek := make([]byte, keySize)
	defer clear(dek)
	rand.Read(dek) // never fails (Go 1.24+): it crashes the program instead
	sk, err = newSubjectKey(purpose, subjectID, v, dek)
	if err != nil {
		return nil, nil, 0, err
	}
	wrapped = seal(k.keys[keyID{KindPurpose, purpose, v}].aead, dek, subjectKeyAD(purpose, subjectID))
	return sk, wrapped, v, nil
}

// OpenSubjectKey unwraps a subject key made by NewSubjectKey (or
// RewrapSubjectKey) for the same purpose and subject.
//
// Errors: EInvalid (rule "subject-required") for an empty subjectID; an
// error wrapping ErrUnknownKey when purposeKeyVersion is not loaded (it may
// be newer than this node: Add it); ErrOpen when wrapped does not open,
// e.g. it belongs to another subject or purpose; ErrClosed.
func (k *Keyring) OpenSubjectKey(purpose, subjectID string, purposeKeyVersion int, wrapped []byte) (*SubjectKey, error) {
	if subjectID == "" {
		return nil, invalid("subjectID", "subject-required", "a subject key needs a subject id")
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.openSubjectKey(purpose, subjectID, purposeKeyVersion, wrapped)
}

// openSubjectKey does OpenSubjectKey with mu held for reading.
func (k *Keyring) openSubjectKey(purpose, subjectID string, v int, wrapped []byte) (*SubjectKey, error) {
	if k.closed {
		return nil, ErrClosed
	}
	pk, ok := k.keys[keyID{KindPurpose, purpose, v}]
	if !ok {
		return nil, fmt.Errorf("vault: purpose %q key v%d: %w", purpose, v, ErrUnknownKey)
	}
	dek, err := open(pk.aead, wrapped, subjectKeyAD(purpose, subjectID))
	if err != nil {
		return nil, err
	}
	defer clear(dek)
	if len(dek) != keySize {
		return nil, ErrOpen
	}
	return newSubjectKey(purpose, subjectID, v, dek)
}

// RewrapSubjectKey re-wraps a stored subject key under the newest version
// of its purpose key (R-VAULT-6: old data re-wrapped after a rotation). The
// values it seals are untouched: the data key stays the same. When the key
// is already under the newest version it returns wrapped and version as
// they are, so the caller can skip the write.
//
// Errors: those of OpenSubjectKey.
func (k *Keyring) RewrapSubjectKey(purpose, subjectID string, version int, wrapped []byte) (newWrapped []byte, newVersion int, err error) {
	if subjectID == "" {
		return nil, 0, invalid("subjectID", "subject-required", "a subject key needs a subject id")
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return nil, 0, ErrClosed
	}
	pk, ok := k.keys[keyID{KindPurpose, purpose, version}]
	if !ok {
		return nil, 0, fmt.Errorf("vault: purpose %q key v%d: %w", purpose, version, ErrUnknownKey)
	}
	ad := subjectKeyAD(purpose, subjectID)
	dek, err := open(pk.aead, wrapped, ad)
	if err != nil {
		return nil, 0, err
	}
	defer clear(dek)
	newest := k.newest[slot{KindPurpose, purpose}]
	if newest == version {
		return wrapped, version, nil
	}
	return seal(k.keys[keyID{KindPurpose, purpose, newest}].aead, dek, ad), newest, nil
}

func newSubjectKey(purpose, subjectID string, v int, dek []byte) (*SubjectKey, error) {
	a, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	return &SubjectKey{purpose: purpose, subjectID: subjectID, purposeKeyVersion: v, aead: a}, nil
}

// Seal encrypts plaintext bound to ad, normally ValueAD of where the value
// is stored; it returns a fresh blob (with a fresh random nonce) each time.
// It has no errors.
func (s *SubjectKey) Seal(plaintext, ad []byte) []byte { return seal(s.aead, plaintext, ad) }

// Open decrypts a blob made by Seal with the same ad.
// Errors: ErrOpen on any failure: other key, other ad, tampered or cut.
func (s *SubjectKey) Open(ciphertext, ad []byte) ([]byte, error) { return open(s.aead, ciphertext, ad) }

// String names the key by purpose, subject id and purpose key version only.
// It has no errors.
func (s *SubjectKey) String() string {
	return "vault.SubjectKey{purpose=" + s.purpose + " subject=" + s.subjectID +
		" purpose-key=v" + strconv.Itoa(s.purposeKeyVersion) + "}"
}

// Format prints String for every verb, so that no %#v, %x or %d of a
// SubjectKey can dump its fields. It has no errors.
func (s *SubjectKey) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue logs the key by purpose, subject id and version only. It has no
// errors.
func (s *SubjectKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("purpose", s.purpose), slog.String("subject", s.subjectID),
		slog.Int("purposeKeyVersion", s.purposeKeyVersion))
}
