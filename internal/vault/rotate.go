package vault

import (
	"cmp"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/derbes-kz/derbes"
)

// RotatePurpose makes version n+1 of the purpose key code (version 1 for a
// purpose the keyring does not have yet, such as one added to the catalogue
// while running), wrapped by the keyring's master, and returns it. The
// keyring does not use it until the caller has stored the row and passed
// it to Add: so a failed commit, or another node rotating at the same time
// and winning the row's unique key, never leaves subject keys wrapped under
// a key that is not stored. Versions stay in the keyring, so subject keys
// wrapped by older ones still open.
//
// Errors: EInvalid (rule "purpose-code") for a code that cannot be one;
// ErrClosed; the master's errors.
func (k *Keyring) RotatePurpose(ctx context.Context, code string) (StoredKey, error) {
	if !validName(code) {
		return StoredKey{}, invalid("purpose", "purpose-code",
			`a purpose code must be 1 to 128 visible ASCII characters without "/"`)
	}
	k.mu.RLock()
	closed, v := k.closed, k.newest[slot{KindPurpose, code}]
	k.mu.RUnlock()
	if closed {
		return StoredKey{}, ErrClosed
	}
	e, row, err := k.newKey(ctx, keyID{KindPurpose, code, v + 1})
	if err != nil {
		return StoredKey{}, err
	}
	e.destroy() // Add unwraps the stored row again: what is used is what is stored
	return row, nil
}

// Add unwraps a stored key and adds it to the keyring; a purpose or
// audit-signing version newer than the loaded ones becomes the one for new
// writes. Call it with the row of RotatePurpose once it is committed, and
// on other nodes when OpenSubjectKey reports ErrUnknownKey for a version
// another node made. Adding a key that is already loaded is a no-op.
//
// Errors: those of Open for one row; EConflict (rule "key-version-conflict")
// when a different key is loaded under the same version, or rule
// "blind-index-versions" for a second blind-index key; ErrClosed.
func (k *Keyring) Add(ctx context.Context, sk StoredKey) error {
	k.mu.RLock()
	closed := k.closed
	k.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	// Unwrap outside the lock: a KMS round trip must not stall readers.
	id, e, err := k.unwrapStored(ctx, sk)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		e.destroy()
		return ErrClosed
	}
	if old, ok := k.keys[id]; ok {
		same := subtle.ConstantTimeCompare(old.raw, e.raw) == 1
		e.destroy()
		if !same {
			return derbes.Errorf(derbes.EConflict, "key-version-conflict",
				"vault: a different %s is already loaded", id)
		}
		return nil
	}
	if id.kind == KindBlindIndex && k.newest[slot{KindBlindIndex, DefaultName}] != 0 {
		e.destroy()
		return derbes.Errorf(derbes.EConflict, "blind-index-versions",
			"vault: a second blind-index key is not supported: every index would need recomputing")
	}
	k.insert(id, e)
	return nil
}

// Rewrap wraps every key of the keyring, all versions, under newMaster and
// returns the rows, sorted by kind, name and version. The keyring itself is
// unchanged and keeps its old master. To rotate the master (R-VAULT-6):
// replace all stored rows by these in one transaction, then restart every
// node with newMaster alone; the old master is then no longer needed.
// Re-wrapping under the same master is allowed (it draws fresh nonces).
//
// Errors: EInvalid (rule "master-required") when newMaster is nil;
// ErrClosed; newMaster's errors (ctx, outage).
func (k *Keyring) Rewrap(ctx context.Context, newMaster Master) ([]StoredKey, error) {
	if newMaster == nil {
		return nil, invalid("master", "master-required", "a master key is required")
	}
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return nil, ErrClosed
	}
	ids := make([]keyID, 0, len(k.keys))
	for id := range k.keys {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b keyID) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.name, b.name), cmp.Compare(a.version, b.version))
	})
	rows := make([]StoredKey, 0, len(ids))
	for _, id := range ids {
		e := k.keys[id]
		w, err := newMaster.Wrap(ctx, e.raw, keyAD(id.kind, id.name, id.version))
		if err != nil {
			return nil, fmt.Errorf("vault: rewrap %s: %w", id, err)
		}
		rows = append(rows, StoredKey{Kind: id.kind, Name: id.name, Version: id.version,
			MasterID: newMaster.ID(), Wrapped: w, Public: slices.Clone(e.pub)})
	}
	return rows, nil
}

// PurposeKeyVersion returns the purpose key version that new subject keys
// of code are wrapped with, and false when the keyring has no such purpose.
// A subject key stored with an older version is due for RewrapSubjectKey.
// It has no errors; after Close it reports false.
func (k *Keyring) PurposeKeyVersion(code string) (int, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	v, ok := k.newest[slot{KindPurpose, code}]
	return v, ok
}

// Close clears the keyring's key bytes from memory (as far as Go allows:
// see the package doc). Methods that return an error then return ErrClosed;
// BlindIndex, SecretHash, SignCheckpoint and AuditPublicKey panic, since
// a silent answer under no key would corrupt indexes. SubjectKeys already
// opened keep working. Close is idempotent and has no errors.
func (k *Keyring) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, e := range k.keys {
		e.destroy()
	}
	for _, h := range k.hashKeys {
		clear(h)
	}
	k.keys, k.newest, k.hashKeys, k.closed = nil, nil, nil, true
}

// String describes the keyring by ids and versions only. It has no errors.
func (k *Keyring) String() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return "vault.Keyring{closed}"
	}
	return fmt.Sprintf("vault.Keyring{master=%s purposes=%d keys=%d blind-index=v%d audit-signing=v%d}",
		k.master.ID(), k.purposes(), len(k.keys),
		k.newest[slot{KindBlindIndex, DefaultName}], k.newest[slot{KindAuditSigning, DefaultName}])
}

// Format prints String for every verb, so that no %#v, %x or %d of a
// Keyring can dump its fields. It has no errors.
func (k *Keyring) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue logs the keyring by ids and versions only. It has no errors.
func (k *Keyring) LogValue() slog.Value {
	k.mu.RLock()
	defer k.mu.RUnlock()
	if k.closed {
		return slog.GroupValue(slog.Bool("closed", true))
	}
	return slog.GroupValue(
		slog.String("master", k.master.ID()),
		slog.Int("purposes", k.purposes()),
		slog.Int("keys", len(k.keys)),
		slog.Int("blindIndexVersion", k.newest[slot{KindBlindIndex, DefaultName}]),
		slog.Int("auditKeyVersion", k.newest[slot{KindAuditSigning, DefaultName}]),
	)
}

// purposes counts purpose codes; mu must be held.
func (k *Keyring) purposes() int {
	n := 0
	for s := range k.newest {
		if s.kind == KindPurpose {
			n++
		}
	}
	return n
}
