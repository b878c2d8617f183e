package vault

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// covers R-VAULT-1: no key bytes in String, fmt verbs or logs.
func TestNoKeyMaterialInOutput(t *testing.T) {
	mkey := fixedKey(0x5a)
	m, _ := NewLocalMaster(mkey)
	k, _ := openFresh(t, m)
	sk, wrapped, v, _ := k.NewSubjectKey("4.1a", "subj-1")
	secrets := [][]byte{mkey}
	for _, e := range k.keys {
		secrets = append(secrets, e.raw, e.priv)
	}
	dek, err := open(k.keys[keyID{KindPurpose, "4.1a", v}].aead, wrapped, subjectKeyAD("4.1a", "subj-1"))
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, dek)
	k.SecretHash("otp", nil)
	for _, h := range k.hashKeys {
		secrets = append(secrets, h)
	}

	var out strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		fmt.Fprintf(&out, verb+"\n", k)
		fmt.Fprintf(&out, verb+"\n", m)
		fmt.Fprintf(&out, verb+"\n", *m)
		fmt.Fprintf(&out, verb+"\n", sk)
		fmt.Fprintf(&out, verb+"\n", *sk)
		fmt.Fprintf(&out, verb+"\n", []any{k, m, sk})
	}
	slog.New(slog.NewJSONHandler(&out, nil)).Info("keys", "keyring", k, "master", m, "subjectKey", sk)
	slog.New(slog.NewTextHandler(&out, nil)).Info("keys", "keyring", k, "master", m, "subjectKey", sk)
	text := out.String()
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		for _, form := range []string{string(s), hex.EncodeToString(s), strings.ToUpper(hex.EncodeToString(s)),
			base64.StdEncoding.EncodeToString(s), fmt.Sprint(s)[1:20]} {
			if strings.Contains(text, form[:min(len(form), 24)]) {
				t.Fatalf("key material printed:\n%s", text)
			}
		}
	}
	for _, want := range []string{m.ID(), "subj-1", "4.1a"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks the id %q:\n%s", want, text)
		}
	}
}

// covers R-AUDIT-2: a newer audit-signing key (as a rotation would store)
// takes over signing; the old one's public key still checks old checkpoints.
func TestAuditKeyVersions(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	k, _ := openFresh(t, m)
	oldPub, _ := k.AuditPublicKey()
	oldSig, _ := k.SignCheckpoint([]byte("c1"))

	seed := make([]byte, ed25519.SeedSize)
	rand.Read(seed)
	w, _ := m.Wrap(ctx, seed, keyAD(KindAuditSigning, DefaultName, 2))
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	if err := k.Add(ctx, StoredKey{Kind: KindAuditSigning, Name: DefaultName, Version: 2,
		MasterID: m.ID(), Wrapped: w, Public: pub}); err != nil {
		t.Fatal(err)
	}
	sig, v := k.SignCheckpoint([]byte("c2"))
	if p, pv := k.AuditPublicKey(); v != 2 || pv != 2 || !p.Equal(pub) || !VerifyCheckpoint(pub, []byte("c2"), sig) {
		t.Error("the newer audit key does not sign")
	}
	if !VerifyCheckpoint(oldPub, []byte("c1"), oldSig) {
		t.Error("an old checkpoint no longer verifies")
	}
}

// The keyring is used from every request: run with -race.
func TestKeyringConcurrent(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	k, _ := openFresh(t, m)
	want := k.BlindIndex("phone", "x")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				subject := fmt.Sprintf("s-%d-%d", i, j)
				sk, w, v, err := k.NewSubjectKey("4.1a", subject)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := k.OpenSubjectKey("4.1a", subject, v, w); err != nil {
					t.Error(err)
					return
				}
				sk.Seal([]byte("v"), nil)
				if !bytes.Equal(k.BlindIndex("phone", "x"), want) {
					t.Error("blind index changed")
				}
				k.SecretHash(fmt.Sprint("use-", j%3), []byte("s"))
				k.SignCheckpoint([]byte("c"))
				_ = k.String()
			}
		})
	}
	for range 3 {
		row, err := k.RotatePurpose(ctx, "4.1a")
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Add(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if v, _ := k.PurposeKeyVersion("4.1a"); v != 4 {
		t.Errorf("after three rotations: v%d", v)
	}
}
