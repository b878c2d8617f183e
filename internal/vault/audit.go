package vault

import (
	"crypto/ed25519"
	"slices"
)

// SignCheckpoint signs an audit checkpoint (R-AUDIT-2) with the newest
// audit-signing key and returns the signature with that key's version, to
// be stored with the checkpoint. The signature is plain Ed25519 over msg, so
// an auditor can check it with any Ed25519 tool and the public key alone.
// derbes also signs transfer packages with it; every message begins with its
// own format label, so a signature of one kind can never pass for another. It has no errors; it panics after Close.
func (k *Keyring) SignCheckpoint(msg []byte) (sig []byte, keyVersion int) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	e := k.mustEntry(KindAuditSigning)
	return ed25519.Sign(e.priv, msg), k.newest[slot{KindAuditSigning, DefaultName}]
}

// AuditPublicKey returns the public key and version of the newest
// audit-signing key (older versions' public keys are in their StoredKey
// rows). Publish it, or hand it to auditors, out of band: a verifier that
// trusts only the copy in the database trusts whoever can write there.
// It has no errors; it panics after Close.
func (k *Keyring) AuditPublicKey() (ed25519.PublicKey, int) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	e := k.mustEntry(KindAuditSigning)
	return slices.Clone(e.pub), k.newest[slot{KindAuditSigning, DefaultName}]
}

// VerifyCheckpoint reports whether sig is pub's signature of msg. A
// public key of the wrong length gives false rather than a panic, since it
// may come from a damaged row. It has no errors.
func VerifyCheckpoint(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}

// AuditPublicKeys returns the public key of every audit-signing key version
// the keyring holds. These were checked against their private halves, which
// only the master key unwraps, when the keyring was opened; a verifier
// should trust them rather than public keys read back from the database,
// which anyone who can write there could replace.
// It has no errors; it panics after Close.
func (k *Keyring) AuditPublicKeys() map[int]ed25519.PublicKey {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := map[int]ed25519.PublicKey{}
	for id, e := range k.keys {
		if id.kind == KindAuditSigning {
			out[id.version] = slices.Clone(e.pub)
		}
	}
	if len(out) == 0 {
		panic("vault: keyring has no audit-signing key (closed?)")
	}
	return out
}
