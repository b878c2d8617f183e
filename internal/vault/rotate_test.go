package vault

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
)

// covers R-VAULT-6
func TestRotatePurpose(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	k, stored := openFresh(t, m)
	old, oldWrapped, v1, err := k.NewSubjectKey("4.1a", "subj-1")
	if err != nil || v1 != 1 {
		t.Fatalf("NewSubjectKey: v%d, %v", v1, err)
	}
	ad := ValueAD("subj-1", "iin", "4.1a", 1)
	ct := old.Seal([]byte("test-value"), ad)

	row, err := k.RotatePurpose(ctx, "4.1a")
	if err != nil {
		t.Fatal(err)
	}
	if row.Kind != KindPurpose || row.Name != "4.1a" || row.Version != 2 || row.MasterID != m.ID() {
		t.Fatalf("RotatePurpose returned %+v", row)
	}
	// Not stored yet, so not used yet.
	if _, _, v, _ := k.NewSubjectKey("4.1a", "subj-2"); v != 1 {
		t.Errorf("before Add, new subject keys use v%d, want 1", v)
	}
	stored = append(stored, row)            // the caller commits the row …
	if err := k.Add(ctx, row); err != nil { // … then hands it over
		t.Fatal(err)
	}
	if err := k.Add(ctx, row); err != nil {
		t.Errorf("adding it again: %v", err)
	}
	_, newWrapped, v2, err := k.NewSubjectKey("4.1a", "subj-2")
	if err != nil || v2 != 2 {
		t.Fatalf("after rotation new subject keys use v%d (%v), want 2", v2, err)
	}
	if v, _ := k.PurposeKeyVersion("4.1b"); v != 1 {
		t.Errorf("rotating 4.1a moved 4.1b to v%d", v)
	}
	// v1-wrapped keys still open, in this process and after a restart.
	for _, kr := range []*Keyring{k, reopen(t, m, stored)} {
		sk, err := kr.OpenSubjectKey("4.1a", "subj-1", 1, oldWrapped)
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := sk.Open(ct, ad); err != nil || string(pt) != "test-value" {
			t.Fatalf("v1 data after rotation: %q, %v", pt, err)
		}
		if _, err := kr.OpenSubjectKey("4.1a", "subj-2", 2, newWrapped); err != nil {
			t.Fatal(err)
		}
		if v, _ := kr.PurposeKeyVersion("4.1a"); v != 2 {
			t.Errorf("newest version %d, want 2", v)
		}
	}
	// A v2 key presented as v1 does not open.
	if _, err := k.OpenSubjectKey("4.1a", "subj-2", 1, newWrapped); err != ErrOpen {
		t.Errorf("v2 key opened as v1: %v", err)
	}

	// Old data re-wrapped: the subject key moves to v2, its values stay.
	rewrapped, rv, err := k.RewrapSubjectKey("4.1a", "subj-1", 1, oldWrapped)
	if err != nil || rv != 2 || bytes.Equal(rewrapped, oldWrapped) {
		t.Fatalf("RewrapSubjectKey: v%d, %v", rv, err)
	}
	sk, err := k.OpenSubjectKey("4.1a", "subj-1", 2, rewrapped)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := sk.Open(ct, ad); err != nil || string(pt) != "test-value" {
		t.Fatalf("value after re-wrap: %q, %v", pt, err)
	}
	same, sv, err := k.RewrapSubjectKey("4.1a", "subj-1", 2, rewrapped)
	if err != nil || sv != 2 || !bytes.Equal(same, rewrapped) {
		t.Errorf("re-wrapping a key already on the newest version: v%d, %v", sv, err)
	}
	if _, _, err := k.RewrapSubjectKey("4.1a", "subj-9", 1, oldWrapped); err != ErrOpen {
		t.Errorf("RewrapSubjectKey under another subject: %v", err)
	}
}

// covers R-VAULT-6
func TestRotatePurposeEdges(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	k, _ := openFresh(t, m)
	// A purpose that appeared while running starts at v1.
	row, err := k.RotatePurpose(ctx, "4.2e")
	if err != nil || row.Version != 1 {
		t.Fatalf("RotatePurpose of a new purpose: %+v, %v", row, err)
	}
	if _, _, _, err := k.NewSubjectKey("4.2e", "s"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("before Add: %v, want ErrUnknownKey", err)
	}
	if err := k.Add(ctx, row); err != nil {
		t.Fatal(err)
	}
	if _, _, v, err := k.NewSubjectKey("4.2e", "s"); err != nil || v != 1 {
		t.Errorf("after Add: v%d, %v", v, err)
	}
	_, err = k.RotatePurpose(ctx, "4/1")
	wantRule(t, err, "purpose-code")

	// Two nodes rotating at once make two different v2 rows; the database
	// keeps one, and the other must not be accepted as the same version.
	a, _ := k.RotatePurpose(ctx, "4.1a")
	b, _ := k.RotatePurpose(ctx, "4.1a")
	if err := k.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	wantRule(t, k.Add(ctx, b), "key-version-conflict")
	// A node that has not seen v2 yet learns of it through ErrUnknownKey.
	other := reopen(t, m, v1Rows(t, m, k))
	_, wrapped, v, _ := k.NewSubjectKey("4.1a", "s")
	if _, err := other.OpenSubjectKey("4.1a", "s", v, wrapped); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("on a node without v2: %v, want ErrUnknownKey", err)
	}
	if err := other.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := other.OpenSubjectKey("4.1a", "s", v, wrapped); err != nil {
		t.Fatal(err)
	}
	// Rows for another master are refused by Add as by Open.
	wrong := a
	wrong.MasterID = newMaster(t, 2).ID()
	wantIs(t, k.Add(ctx, wrong), ErrWrongMaster)
}

// v1Rows returns k's version-1 rows, as another node would read them before
// k's rotation was committed.
func v1Rows(t *testing.T, m Master, k *Keyring) []StoredKey {
	rows, err := k.Rewrap(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(rows, func(sk StoredKey) bool { return sk.Version > 1 })
}

// covers R-VAULT-6
func TestRewrapMaster(t *testing.T) {
	ctx := context.Background()
	oldM, newM := newMaster(t, 1), newMaster(t, 2)
	k, stored := openFresh(t, oldM)
	row, _ := k.RotatePurpose(ctx, "4.1a")
	if err := k.Add(ctx, row); err != nil {
		t.Fatal(err)
	}
	stored = append(stored, row)
	sk, wrapped, v, _ := k.NewSubjectKey("4.1b", "subj-1")
	ad := ValueAD("subj-1", "email", "4.1b", 3)
	ct := sk.Seal([]byte("test-value"), ad)
	idx := k.BlindIndex("email", "test@example.invalid")
	pub, pv := k.AuditPublicKey()

	rows, err := k.Rewrap(ctx, newM)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(stored) {
		t.Fatalf("Rewrap returned %d rows for %d keys", len(rows), len(stored))
	}
	for _, r := range rows {
		if r.MasterID != newM.ID() {
			t.Errorf("row %s/%s v%d names master %s", r.Kind, r.Name, r.Version, r.MasterID)
		}
	}

	// Open with ONLY the new master: everything still works.
	k2 := reopen(t, newM, rows)
	sk2, err := k2.OpenSubjectKey("4.1b", "subj-1", v, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := sk2.Open(ct, ad); err != nil || string(pt) != "test-value" {
		t.Fatalf("value after master rotation: %q, %v", pt, err)
	}
	if !bytes.Equal(k2.BlindIndex("email", "test@example.invalid"), idx) {
		t.Error("blind index changed with the master")
	}
	if pub2, pv2 := k2.AuditPublicKey(); !pub.Equal(pub2) || pv2 != pv {
		t.Error("audit key changed with the master")
	}
	if v, _ := k2.PurposeKeyVersion("4.1a"); v != 2 {
		t.Errorf("rotated purpose at v%d after rewrap, want 2", v)
	}

	// The old master cannot open the re-wrapped rows, however labelled.
	if _, _, err := Open(ctx, oldM, rows, testPurposes); !errors.Is(err, ErrWrongMaster) {
		t.Errorf("Open(old master, new rows): %v, want ErrWrongMaster", err)
	}
	if _, _, err := Open(ctx, oldM, relabel(rows, oldM.ID()), testPurposes); !errors.Is(err, ErrOpen) {
		t.Errorf("Open(old master, relabelled new rows): %v, want ErrOpen", err)
	}
	for _, r := range rows {
		if _, err := oldM.Unwrap(ctx, r.Wrapped, keyAD(r.Kind, r.Name, r.Version)); err != ErrOpen {
			t.Errorf("old master unwrapped %s/%s v%d: %v", r.Kind, r.Name, r.Version, err)
		}
	}
	_, err = k.Rewrap(ctx, nil)
	wantRule(t, err, "master-required")
}
