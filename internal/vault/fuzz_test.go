package vault

import (
	"bytes"
	"context"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to every open path: a subject key's
// Open, OpenSubjectKey and the local master's Unwrap. None may panic and
// none may open: forging AES-GCM is what the fuzzer must never achieve.
// Seeds are in testdata/fuzz/FuzzOpen.
//
// covers R-VAULT-1
func FuzzOpen(f *testing.F) {
	ctx := context.Background()
	m := newMaster(f, 1)
	k, _ := openFresh(f, m)
	sk, wrapped, v, err := k.NewSubjectKey("4.1a", "subj-1")
	if err != nil {
		f.Fatal(err)
	}
	ad := ValueAD("subj-1", "phone", "4.1a", 1)
	sealed := sk.Seal([]byte("test-value"), ad)
	f.Add(sealed) // real blobs, which the fuzzer mutates
	f.Add(wrapped)
	f.Fuzz(func(t *testing.T, blob []byte) {
		// Only the two genuine blobs may open, each on its own path.
		if _, err := sk.Open(blob, ad); err != ErrOpen && !bytes.Equal(blob, sealed) {
			t.Fatalf("Open(%x): %v", blob, err)
		}
		if _, err := k.OpenSubjectKey("4.1a", "subj-1", v, blob); err != ErrOpen && !bytes.Equal(blob, wrapped) {
			t.Fatalf("OpenSubjectKey(%x): %v", blob, err)
		}
		if _, err := m.Unwrap(ctx, blob, ad); err != ErrOpen {
			t.Fatalf("Unwrap(%x): %v", blob, err)
		}
	})
}
