package vault

import (
	"errors"

	"github.com/derbes-kz/derbes"
)

// ErrOpen is the one error for a blob that does not open: wrong key, wrong
// associated data, tampered, truncated or of an unknown format. One error
// for all of these so that a caller (or an attacker probing through it)
// learns nothing about which check failed.
var ErrOpen = errors.New("vault: ciphertext does not open with this key and context")

// ErrUnknownKey reports a key kind, name or version that the keyring has not
// loaded. On a node that runs next to others it can mean that another node
// rotated the key: read the new StoredKey row and Add it.
var ErrUnknownKey = errors.New("vault: key version not in keyring")

// ErrWrongMaster reports a stored key wrapped by another master than the
// one given: a misconfigured master key, or a master rotation half done.
var ErrWrongMaster = errors.New("vault: key was wrapped by another master")

// ErrClosed reports use of a Keyring after Close.
var ErrClosed = errors.New("vault: keyring is closed")

// invalid builds the *derbes.Error of bad input. The message must never
// contain the input itself: it may be key material or a personal value.
func invalid(field, rule, msg string) error { return derbes.Invalid(field, rule, msg) }
