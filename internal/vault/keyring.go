package vault

import (
	"context"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"slices"
	"sync"

	"github.com/derbes-kz/derbes"
)

// Kinds of keyring key, the values of StoredKey.Kind.
const (
	KindPurpose      = "purpose"       // one per purpose code and version; wraps subject keys
	KindBlindIndex   = "blind-index"   // HMAC key of blind indexes and secret hashes
	KindAuditSigning = "audit-signing" // Ed25519 key of audit checkpoints
)

// DefaultName is the StoredKey.Name of the keys that are not per purpose.
const DefaultName = "default"

// StoredKey is a keyring key as the database stores it: wrapped by the
// master, so a copy of the database without the master reveals nothing.
// The database should make (Kind, Name, Version) unique: that is what lets
// two nodes that create or rotate the same key at once find out.
type StoredKey struct {
	Kind     string // KindPurpose, KindBlindIndex or KindAuditSigning
	Name     string // the purpose code for KindPurpose; DefaultName otherwise
	Version  int    // 1, 2, … per (Kind, Name)
	MasterID string // Master.ID of the master that wrapped it
	Wrapped  []byte // the key wrapped by the master, AD = "derbes/key/"+Kind+"/"+Name+"/"+Version
	Public   []byte // the Ed25519 public key for KindAuditSigning; nil otherwise
}

// keyID names one key version in a Keyring.
type keyID struct {
	kind, name string
	version    int
}

func (id keyID) String() string { return fmt.Sprintf("%s key %q v%d", id.kind, id.name, id.version) }

// slot is a key across its versions.
type slot struct{ kind, name string }

// entry is one unwrapped key. Everything in it sits behind the Keyring's
// pointers, so even a %#v of a Keyring value prints addresses, not bytes.
type entry struct {
	raw  []byte             // the 32-byte key (for audit-signing: the seed); kept for Rewrap
	aead cipher.AEAD        // purpose keys
	priv ed25519.PrivateKey // audit-signing; raw aliases its seed half
	pub  ed25519.PublicKey  // audit-signing
}

// newEntry builds an entry of kind from raw, taking ownership of raw.
func newEntry(kind string, raw []byte) (*entry, error) {
	if len(raw) != keySize {
		clear(raw)
		return nil, ErrOpen // the master unwrapped something that is not a key
	}
	e := &entry{raw: raw}
	switch kind {
	case KindPurpose:
		a, err := newAEAD(raw)
		if err != nil {
			e.destroy()
			return nil, err
		}
		e.aead = a
	case KindAuditSigning:
		e.priv = ed25519.NewKeyFromSeed(raw)
		clear(raw)
		e.raw = e.priv[:ed25519.SeedSize] // one copy of the seed, not two
		e.pub = e.priv.Public().(ed25519.PublicKey)
	}
	return e, nil
}

// destroy clears the key bytes the entry owns (see "Key material in memory").
func (e *entry) destroy() {
	clear(e.raw)
	clear(e.priv)
	e.aead = nil
}

// Keyring holds the unwrapped keys of an installation: every version of
// every purpose key, the blind-index key and the audit-signing keys. It is
// safe for concurrent use. Close it to clear its keys from memory.
type Keyring struct {
	master Master // wraps the keys RotatePurpose makes, unwraps those Add gets

	mu       sync.RWMutex
	closed   bool
	keys     map[keyID]*entry
	newest   map[slot]int      // the version new writes use
	hashMu   sync.Mutex        // guards hashKeys (with mu held for reading)
	hashKeys map[string][]byte // SecretHash keys by use, derived on first use
}

// Open unwraps the stored keys with master and creates what is missing: a
// purpose key (version 1) for each code in purposes, one blind-index key and
// one audit-signing key. It returns the keys it created, which the caller
// must persist (in the same transaction as anything that uses them) before
// using the keyring; if persisting fails (another node created them first),
// Close the keyring, read the rows again and Open again. Stored purpose keys
// whose code is no longer in purposes are kept: old data must still open.
//
// Errors: EInvalid (rule "master-required", "purpose-code" or "stored-key")
// for bad arguments; ErrWrongMaster when a row names another master; an
// error wrapping ErrOpen when a row does not unwrap (tampered, or moved to
// another kind, name or version) or its public key does not match; EConflict
// (rule "key-duplicate" or "blind-index-versions") for two rows of one
// version or more than one blind-index key; master's errors (ctx, outage).
func Open(ctx context.Context, master Master, stored []StoredKey, purposes []string) (*Keyring, []StoredKey, error) {
	if master == nil {
		return nil, nil, invalid("master", "master-required", "a master key is required")
	}
	for _, p := range purposes {
		if !validName(p) {
			return nil, nil, invalid("purposes", "purpose-code",
				`a purpose code must be 1 to 128 visible ASCII characters without "/"`)
		}
	}
	k := &Keyring{master: master, keys: map[keyID]*entry{}, newest: map[slot]int{}, hashKeys: map[string][]byte{}}
	created, err := k.load(ctx, stored, purposes)
	if err != nil {
		k.Close()
		return nil, nil, err
	}
	return k, created, nil
}

func (k *Keyring) load(ctx context.Context, stored []StoredKey, purposes []string) ([]StoredKey, error) {
	for _, sk := range stored {
		id, e, err := k.unwrapStored(ctx, sk)
		if err != nil {
			return nil, err
		}
		if _, dup := k.keys[id]; dup {
			e.destroy()
			return nil, derbes.Errorf(derbes.EConflict, "key-duplicate", "vault: %s is stored twice", id)
		}
		k.insert(id, e)
	}
	if n := k.versions(KindBlindIndex); n > 1 {
		// Another blind-index key would need every index recomputed; until
		// that exists, refuse rather than mix indexes of two keys.
		return nil, derbes.Errorf(derbes.EConflict, "blind-index-versions",
			"vault: %d blind-index keys are stored; this version supports one", n)
	}
	want := make([]slot, 0, len(purposes)+2)
	for _, p := range purposes {
		want = append(want, slot{KindPurpose, p})
	}
	want = append(want, slot{KindBlindIndex, DefaultName}, slot{KindAuditSigning, DefaultName})
	var created []StoredKey
	for _, s := range want {
		if _, ok := k.newest[s]; ok {
			continue
		}
		id := keyID{s.kind, s.name, 1}
		e, row, err := k.newKey(ctx, id)
		if err != nil {
			return nil, err
		}
		k.insert(id, e)
		created = append(created, row)
	}
	return created, nil
}

// versions counts the loaded versions of kind.
func (k *Keyring) versions(kind string) int {
	n := 0
	for id := range k.keys {
		if id.kind == kind {
			n++
		}
	}
	return n
}

// insert adds e under id; mu must be held for writing (or k not yet shared).
func (k *Keyring) insert(id keyID, e *entry) {
	k.keys[id] = e
	s := slot{id.kind, id.name}
	if id.version > k.newest[s] {
		k.newest[s] = id.version
	}
}

// unwrapStored checks and unwraps one row. It does not touch k's maps, so
// it can run without the lock while a KMS answers.
func (k *Keyring) unwrapStored(ctx context.Context, sk StoredKey) (keyID, *entry, error) {
	id := keyID{sk.Kind, sk.Name, sk.Version}
	if err := checkStored(sk); err != nil {
		return id, nil, err
	}
	if sk.MasterID != k.master.ID() {
		return id, nil, fmt.Errorf("vault: %s was wrapped by master %q, not by %q: %w",
			id, sk.MasterID, k.master.ID(), ErrWrongMaster)
	}
	raw, err := k.master.Unwrap(ctx, sk.Wrapped, keyAD(id.kind, id.name, id.version))
	if err != nil {
		return id, nil, fmt.Errorf("vault: unwrap %s: %w", id, err)
	}
	e, err := newEntry(id.kind, raw)
	if err != nil {
		return id, nil, fmt.Errorf("vault: unwrap %s: %w", id, err)
	}
	if id.kind == KindAuditSigning && subtle.ConstantTimeCompare(e.pub, sk.Public) != 1 {
		e.destroy()
		// The public key is stored in clear for verifiers; a row whose
		// public half was swapped would let forged checkpoints verify.
		return id, nil, fmt.Errorf("vault: %s: stored public key does not match: %w", id, ErrOpen)
	}
	return id, e, nil
}

// checkStored checks the plain fields of a row.
func checkStored(sk StoredKey) error {
	switch {
	case sk.Kind != KindPurpose && sk.Kind != KindBlindIndex && sk.Kind != KindAuditSigning:
		return invalid("stored-key.kind", "stored-key", "unknown key kind")
	case sk.Kind == KindPurpose && !validName(sk.Name):
		return invalid("stored-key.name", "stored-key", `a purpose code must be 1 to 128 visible ASCII characters without "/"`)
	case sk.Kind != KindPurpose && sk.Name != DefaultName:
		return invalid("stored-key.name", "stored-key", "only purpose keys have a name other than "+DefaultName)
	case sk.Version < 1:
		return invalid("stored-key.version", "stored-key", "key versions start at 1")
	case sk.Kind != KindAuditSigning && len(sk.Public) != 0:
		return invalid("stored-key.public", "stored-key", "only audit-signing keys have a public key")
	}
	return nil
}

// newKey makes a random key for id and wraps it with the master.
func (k *Keyring) newKey(ctx context.Context, id keyID) (*entry, StoredKey, error) {
	raw := make([]byte, keySize)
	rand.Read(raw) // never fails (Go 1.24+): it crashes the program instead
	wrapped, err := k.master.Wrap(ctx, raw, keyAD(id.kind, id.name, id.version))
	if err != nil {
		clear(raw)
		return nil, StoredKey{}, fmt.Errorf("vault: wrap new %s: %w", id, err)
	}
	e, err := newEntry(id.kind, raw)
	if err != nil {
		return nil, StoredKey{}, err
	}
	row := StoredKey{Kind: id.kind, Name: id.name, Version: id.version,
		MasterID: k.master.ID(), Wrapped: wrapped, Public: slices.Clone(e.pub)}
	return e, row, nil
}
