package vault

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

// covers R-VAULT-3
func TestBlindIndex(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	a := k.BlindIndex("phone", "+77010000000")
	if len(a) != BlindIndexSize {
		t.Fatalf("%d bytes, want %d", len(a), BlindIndexSize)
	}
	if !bytes.Equal(a, k.BlindIndex("phone", "+77010000000")) {
		t.Error("not deterministic")
	}
	seen := map[string]string{}
	for _, in := range [][2]string{
		{"phone", "+77010000000"}, {"phone", "+77010000001"}, {"iin", "+77010000000"},
		{"ab", "c"}, {"a", "bc"}, {"", "abc"}, {"abc", ""},
	} {
		idx := string(k.BlindIndex(in[0], in[1]))
		if prev, ok := seen[idx]; ok {
			t.Errorf("%q and %q share an index", prev, in)
		}
		seen[idx] = in[0] + "|" + in[1]
	}
}

// covers R-VAULT-3
func TestBlindIndexPerInstallation(t *testing.T) {
	// Two installations, even with the same master key, draw their own
	// blind-index keys: an index leaked from one says nothing in the other.
	k1, _ := openFresh(t, newMaster(t, 1))
	k2, _ := openFresh(t, newMaster(t, 1))
	k3, _ := openFresh(t, newMaster(t, 2))
	a := k1.BlindIndex("iin", "test-iin-1")
	if bytes.Equal(a, k2.BlindIndex("iin", "test-iin-1")) || bytes.Equal(a, k3.BlindIndex("iin", "test-iin-1")) {
		t.Error("two installations give the same blind index")
	}
	if bytes.Equal(k1.SecretHash("otp", []byte("123456")), k2.SecretHash("otp", []byte("123456"))) {
		t.Error("two installations give the same secret hash")
	}
}

func TestSecretHash(t *testing.T) {
	k, _ := openFresh(t, newMaster(t, 1))
	h := k.SecretHash("api-token", []byte("token"))
	if len(h) != 32 || !Equal(h, k.SecretHash("api-token", []byte("token"))) {
		t.Fatal("not a deterministic 32-byte hash")
	}
	if Equal(h, k.SecretHash("otp", []byte("token"))) {
		t.Error("two uses share a hash")
	}
	if Equal(h, k.SecretHash("api-token", []byte("token2"))) {
		t.Error("two secrets share a hash")
	}
	// Not the blind index of the same input: keys are separated.
	if bytes.HasPrefix(h, k.BlindIndex("api-token", "token")) {
		t.Error("secret hash equals a blind index")
	}
	if Equal(h, h[:31]) || Equal(nil, h) || !Equal(nil, []byte{}) {
		t.Error("Equal is wrong on lengths")
	}
}

// covers R-AUDIT-2
func TestCheckpointSignature(t *testing.T) {
	k, stored := openFresh(t, newMaster(t, 1))
	pub, v := k.AuditPublicKey()
	if v != 1 || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("AuditPublicKey: v%d, %d bytes", v, len(pub))
	}
	for _, sk := range stored {
		if sk.Kind == KindAuditSigning && !pub.Equal(ed25519.PublicKey(sk.Public)) {
			t.Error("the stored public key is not the signing key's")
		}
	}
	msg := []byte("derbes-checkpoint v1 seq=1000 head=…")
	sig, sv := k.SignCheckpoint(msg)
	if sv != v || !VerifyCheckpoint(pub, msg, sig) {
		t.Fatal("a checkpoint does not verify")
	}
	if VerifyCheckpoint(pub, append(bytes.Clone(msg), '!'), sig) {
		t.Error("an edited checkpoint verifies")
	}
	bad := bytes.Clone(sig)
	bad[5] ^= 1
	if VerifyCheckpoint(pub, msg, bad) {
		t.Error("an edited signature verifies")
	}
	other, _ := openFresh(t, newMaster(t, 1))
	opub, _ := other.AuditPublicKey()
	if VerifyCheckpoint(opub, msg, sig) {
		t.Error("another installation's key verifies")
	}
	if VerifyCheckpoint(pub[:10], msg, sig) || VerifyCheckpoint(nil, msg, sig) {
		t.Error("a short public key verifies")
	}
	pub[0] ^= 1 // AuditPublicKey returns a copy
	if p2, _ := k.AuditPublicKey(); p2.Equal(pub) {
		t.Error("AuditPublicKey returns the keyring's own slice")
	}
}
