// Package vault holds all of derbes' cryptography: the key hierarchy,
// authenticated encryption of personal data bound to where it lives, blind
// indexes for search without decryption, hashes of API tokens and one-time
// codes, and the signing key of audit checkpoints (R-VAULT-1, R-VAULT-3,
// R-VAULT-6, R-AUDIT-2, R-RIGHTS-6). No other package imports crypto/aes.
//
// # Key hierarchy
//
//	master key (a Master: a local key from a file or DERBES_MASTER_KEY,
//	│           later an external KMS such as OpenBao/HashiCorp Vault transit)
//	├── purpose key, one per purpose code and version       (Kind "purpose")
//	│   └── subject key, one per subject per purpose        (SubjectKey)
//	│       └── the subject's values and files for that purpose
//	├── blind-index key                                     (Kind "blind-index")
//	│   └── secret-hash keys, derived by HKDF per use       (SecretHash)
//	└── audit-signing Ed25519 key                           (Kind "audit-signing")
//
// The master key never leaves its Master: it only wraps and unwraps the
// keys of the next level, which the database stores as StoredKey rows. It
// is used when keys are loaded, added or rotated, never per value, so an
// external KMS stays off the hot path. Purpose keys give each purpose its own key
// (separate storage per purpose, R-VAULT-2) and wrap subject keys locally.
// Subject keys are random data keys, stored wrapped next to the subject;
// deleting a subject's wrapped keys makes its ciphertexts unreadable wherever
// they were copied: replicas, exported tables, files (crypto-shredding,
// R-RIGHTS-6). An older backup still holds the wrapped keys, which is why a
// restore must re-apply destructions (R-OPS-1).
//
// # Ciphertexts
//
// Every sealed blob of this package, whatever its key, is
//
//	1 byte format version (1) || 12-byte random nonce || AES-256-GCM ciphertext and tag
//
// The version byte lets a later format coexist with this one; it is
// authenticated together with the caller's associated data so a blob cannot
// be relabelled. The associated data always comes from the caller and names
// where the blob lives: ValueAD for values ("this subject, this category,
// this purpose, this version"), "derbes/subject-key/"+purpose+"/"+subject for
// wrapped subject keys and "derbes/key/"+kind+"/"+name+"/"+version for
// wrapped keyring keys. A blob copied to another row, subject, purpose or
// version, or cut, extended or altered in any byte, fails with ErrOpen, the
// one error for "does not open" so that callers learn nothing about why.
//
// Nonces are 96 random bits per seal. Their collision odds after n seals
// under one key are about n²/2⁹⁷, and NIST caps a key at 2³² such seals.
// The bound is never approached: a subject key seals only its own subject's
// values for one purpose (thousands of seals in a lifetime, odds below
// 2⁻⁷⁰); a purpose key seals one subject key per subject (ten million
// subjects give odds near 2⁻⁵⁰, and RotatePurpose starts a fresh key); the
// master seals a handful of keyring keys.
//
// # Rotation (R-VAULT-6)
//
// A Keyring keeps every version of every key it loaded, so data wrapped
// under an old version still opens, and uses only the newest purpose key
// version for new subject keys. RotatePurpose makes version n+1; it takes
// effect once the caller has stored it and handed it to Add, so a failed
// commit, or two nodes rotating at once and colliding on the row's unique
// key, never leaves a subject key wrapped under a key nobody stored.
// Subject keys record the purpose key version that wraps them; re-wrapping
// them under the new version can run lazily or as a job. Rewrap re-wraps
// every keyring key under a new master (master rotation) and returns the
// rows to store; the database must replace the old rows in one transaction,
// after which nodes are restarted with the new master alone.
//
// # Blind indexes and secret hashes (R-VAULT-3, R-ACCESS-4)
//
// BlindIndex is a keyed HMAC of a normalised value: equal values give equal
// indexes within one installation, so exact-match lookups need no
// decryption, and without the key the index cannot be recomputed from a
// guessed IIN or phone number. It unavoidably reveals which rows share a
// value. SecretHash stores API tokens and one-time codes the same way.
//
// # Key material in memory
//
// Raw key bytes the package owns are cleared (clear) as soon as they are no
// longer needed: subject keys and the master key right after their AES key
// schedule is built, keyring keys when the Keyring is closed. That is the
// limit of what Go allows: the AES key schedule inside crypto/aes, HMAC pads
// inside hash states, copies the garbage collector or the stack may have
// made, and the caller's own strings (an environment variable) cannot be
// reached. (Go 1.26's experimental runtime/secret may later close part of
// that gap.) Keyring, SubjectKey and LocalMaster print and log only ids.
//
// # Errors
//
// ErrOpen: a blob does not open. ErrUnknownKey: the keyring has no such
// key or version (another node may have added it: reload and Add).
// ErrWrongMaster: a stored key names another master. ErrClosed: the
// Keyring was closed. Bad input (a malformed master key, a key file
// readable by others, an empty subject id, a purpose code with a "/") is a
// *derbes.Error with Code EInvalid naming the field and the rule; stored
// keys that contradict each other (the same version twice, two different
// keys under one version) are a *derbes.Error with Code EConflict. No error
// of this package contains key material or a value.
package vault
