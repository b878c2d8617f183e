package vault

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"testing"
)

// covers R-VAULT-1
func TestOpenCreatesMissingKeys(t *testing.T) {
	m := newMaster(t, 1)
	_, created := openFresh(t, m)
	kinds := map[string]int{}
	for _, sk := range created {
		kinds[sk.Kind]++
		if sk.Version != 1 || sk.MasterID != m.ID() || len(sk.Wrapped) != Overhead+keySize {
			t.Errorf("created row %+v", sk)
		}
		if (sk.Kind == KindAuditSigning) != (len(sk.Public) == ed25519.PublicKeySize) {
			t.Errorf("%s row has a %d-byte public key", sk.Kind, len(sk.Public))
		}
		if sk.Kind != KindPurpose && sk.Name != DefaultName {
			t.Errorf("%s row named %q", sk.Kind, sk.Name)
		}
	}
	want := map[string]int{KindPurpose: len(testPurposes), KindBlindIndex: 1, KindAuditSigning: 1}
	if !mapsEqual(kinds, want) {
		t.Errorf("created %v, want %v", kinds, want)
	}

	// A purpose added to the catalogue later gets its key; nothing else is made.
	k, more, err := Open(context.Background(), m, created, append(slices.Clone(testPurposes), "4.2e", "4.2e"))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if len(more) != 1 || more[0].Kind != KindPurpose || more[0].Name != "4.2e" {
		t.Errorf("second Open created %+v, want the 4.2e purpose key only", more)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// covers R-VAULT-1, R-VAULT-3, R-AUDIT-2
func TestReopenReproduces(t *testing.T) {
	m := newMaster(t, 1)
	k1, stored := openFresh(t, m)
	sk, wrapped, v, err := k1.NewSubjectKey("4.1a", "subj-1")
	if err != nil {
		t.Fatal(err)
	}
	ad := ValueAD("subj-1", "phone", "4.1a", 1)
	ct := sk.Seal([]byte("+77010000000"), ad)
	idx := k1.BlindIndex("phone", "+77010000000")
	pub1, _ := k1.AuditPublicKey()

	// Persist, restart: a new keyring from the rows alone.
	k2 := reopen(t, newMaster(t, 1), stored)
	if got := k2.BlindIndex("phone", "+77010000000"); !bytes.Equal(got, idx) {
		t.Error("the blind index changed across a restart")
	}
	sk2, err := k2.OpenSubjectKey("4.1a", "subj-1", v, wrapped)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := sk2.Open(ct, ad); err != nil || string(pt) != "+77010000000" {
		t.Fatalf("old ciphertext after restart: %q, %v", pt, err)
	}
	pub2, _ := k2.AuditPublicKey()
	sig, _ := k2.SignCheckpoint([]byte("checkpoint"))
	if !pub1.Equal(pub2) || !VerifyCheckpoint(pub1, []byte("checkpoint"), sig) {
		t.Error("the audit key changed across a restart")
	}
	if !bytes.Equal(k1.SecretHash("otp", []byte("123456")), k2.SecretHash("otp", []byte("123456"))) {
		t.Error("the secret hash changed across a restart")
	}
}

// covers R-VAULT-1
func TestOpenWithOtherMasterFails(t *testing.T) {
	ctx := context.Background()
	_, stored := openFresh(t, newMaster(t, 1))
	other := newMaster(t, 2)
	if _, _, err := Open(ctx, other, stored, testPurposes); !errors.Is(err, ErrWrongMaster) {
		t.Errorf("Open with another master: %v, want ErrWrongMaster", err)
	}
	// Even if the rows are relabelled, the other master cannot unwrap them.
	forged := relabel(stored, other.ID())
	if _, _, err := Open(ctx, other, forged, testPurposes); !errors.Is(err, ErrOpen) {
		t.Errorf("Open of relabelled rows: %v, want ErrOpen", err)
	}
}

func relabel(rows []StoredKey, masterID string) []StoredKey {
	out := slices.Clone(rows)
	for i := range out {
		out[i].MasterID = masterID
	}
	return out
}

// covers R-VAULT-1, R-AUDIT-2
func TestOpenRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	_, stored := openFresh(t, m)
	find := func(kind string) int {
		return slices.IndexFunc(stored, func(sk StoredKey) bool { return sk.Kind == kind })
	}
	mutate := func(f func(rows []StoredKey)) []StoredKey {
		rows := slices.Clone(stored)
		for i := range rows {
			rows[i].Wrapped = slices.Clone(rows[i].Wrapped)
			rows[i].Public = slices.Clone(rows[i].Public)
		}
		f(rows)
		return rows
	}
	p, b, a := find(KindPurpose), find(KindBlindIndex), find(KindAuditSigning)
	for _, tc := range []struct {
		name  string
		rows  []StoredKey
		check func(*testing.T, error)
	}{
		{"tampered wrapped", mutate(func(r []StoredKey) { r[p].Wrapped[20] ^= 1 }), is(ErrOpen)},
		{"moved to another purpose", mutate(func(r []StoredKey) { r[p].Name = "4.9z" }), is(ErrOpen)},
		{"moved to another version", mutate(func(r []StoredKey) { r[p].Version = 2 }), is(ErrOpen)},
		{"moved to another kind", mutate(func(r []StoredKey) { r[b].Kind, r[b].Public = KindAuditSigning, r[a].Public }), is(ErrOpen)},
		{"public key on a purpose key", mutate(func(r []StoredKey) { r[p].Public = r[a].Public }), rule("stored-key")},
		{"swapped public key", mutate(func(r []StoredKey) { r[a].Public[0] ^= 1 }), is(ErrOpen)},
		{"missing public key", mutate(func(r []StoredKey) { r[a].Public = nil }), is(ErrOpen)},
		{"duplicate", append(slices.Clone(stored), stored[p]), rule("key-duplicate")},
		{"unknown kind", mutate(func(r []StoredKey) { r[p].Kind = "other" }), rule("stored-key")},
		{"slash in name", mutate(func(r []StoredKey) { r[p].Name = "4.1/a" }), rule("stored-key")},
		{"version 0", mutate(func(r []StoredKey) { r[p].Version = 0 }), rule("stored-key")},
		{"named blind-index key", mutate(func(r []StoredKey) { r[b].Name = "x" }), rule("stored-key")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _, err := Open(ctx, m, tc.rows, testPurposes)
			if err == nil {
				k.Close()
				t.Fatal("Open accepted it")
			}
			tc.check(t, err)
		})
	}
	t.Run("bad arguments", func(t *testing.T) {
		_, _, err := Open(ctx, nil, nil, testPurposes)
		wantRule(t, err, "master-required")
		_, _, err = Open(ctx, m, nil, []string{"a/b"})
		wantRule(t, err, "purpose-code")
		_, _, err = Open(ctx, m, nil, []string{""})
		wantRule(t, err, "purpose-code")
	})
}

func is(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) { t.Helper(); wantIs(t, err, target) }
}

func rule(r string) func(*testing.T, error) {
	return func(t *testing.T, err error) { t.Helper(); wantRule(t, err, r) }
}

// A second blind-index key would mix indexes of two keys: refused.
func TestOpenRefusesTwoBlindIndexKeys(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	k, stored := openFresh(t, m)
	_, other := openFresh(t, m)
	i := slices.IndexFunc(other, func(sk StoredKey) bool { return sk.Kind == KindBlindIndex })
	second := other[i]
	second.Version = 2
	second.Wrapped, _ = m.Wrap(ctx, bytes.Repeat([]byte{1}, 32), keyAD(KindBlindIndex, DefaultName, 2))
	_, _, err := Open(ctx, m, append(slices.Clone(stored), second), testPurposes)
	wantRule(t, err, "blind-index-versions")
	wantRule(t, k.Add(ctx, second), "blind-index-versions")
	if err := k.Add(ctx, stored[slices.IndexFunc(stored, func(sk StoredKey) bool { return sk.Kind == KindBlindIndex })]); err != nil {
		t.Errorf("re-adding the loaded blind-index key: %v", err)
	}
}

func TestClose(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	sk, wrapped, v, _ := k.NewSubjectKey("4.1a", "s")
	k.SecretHash("otp", []byte("1"))
	var raws [][]byte
	for _, e := range k.keys {
		raws = append(raws, e.raw, e.priv)
	}
	for _, h := range k.hashKeys {
		raws = append(raws, h)
	}
	k.Close()
	k.Close() // idempotent
	for _, r := range raws {
		if !bytes.Equal(r, make([]byte, len(r))) {
			t.Fatal("a key was not cleared by Close")
		}
	}
	if _, err := k.OpenSubjectKey("4.1a", "s", v, wrapped); err != ErrClosed {
		t.Errorf("OpenSubjectKey after Close: %v", err)
	}
	if _, _, _, err := k.NewSubjectKey("4.1a", "s"); err != ErrClosed {
		t.Errorf("NewSubjectKey after Close: %v", err)
	}
	if _, err := k.RotatePurpose(context.Background(), "4.1a"); err != ErrClosed {
		t.Errorf("RotatePurpose after Close: %v", err)
	}
	if _, err := k.Rewrap(context.Background(), newMaster(t, 2)); err != ErrClosed {
		t.Errorf("Rewrap after Close: %v", err)
	}
	if _, ok := k.PurposeKeyVersion("4.1a"); ok {
		t.Error("PurposeKeyVersion after Close reports a key")
	}
	for name, f := range map[string]func(){
		"BlindIndex":     func() { k.BlindIndex("c", "v") },
		"SecretHash":     func() { k.SecretHash("otp", nil) },
		"SignCheckpoint": func() { k.SignCheckpoint(nil) },
		"AuditPublicKey": func() { k.AuditPublicKey() },
	} {
		if !panics(f) {
			t.Errorf("%s after Close does not panic", name)
		}
	}
	// Subject keys opened before Close still work: they own their schedule.
	if _, err := sk.Open(sk.Seal([]byte("x"), nil), nil); err != nil {
		t.Error(err)
	}
}

func panics(f func()) (p bool) {
	defer func() { p = recover() != nil }()
	f()
	return false
}
