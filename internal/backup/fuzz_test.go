package backup

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/derbes-kz/derbes/internal/vault"
)

// FuzzVerify feeds untrusted bytes to the backup reader (a backup file
// handed to "derbes backup verify" or "restore"): it never panics, and
// nothing that is not a backup sealed under the master key verifies.
func FuzzVerify(f *testing.F) {
	key := make([]byte, 32)
	rand.Read(key)
	master, err := vault.NewLocalMaster(key)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", "DERBESBK", "DERBESBK\x01\x00\x00\x00{}", "\x1f\x8b\x08\x00", string(bytes.Repeat([]byte{0xff}, 300))} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if info, err := Verify(context.Background(), master, bytes.NewReader(data)); err == nil {
			t.Fatalf("random bytes verified as a backup: %+v", info)
		}
	})
}

// FuzzParseLedger feeds untrusted bytes to the erasure-ledger parser
// ("restore --ledger"): it never panics.
func FuzzParseLedger(f *testing.F) {
	for _, s := range []string{"[]", `[{"subjectId":"a","at":1,"basis":"b","categories":["iin"],"destroyedBy":"x","sig":"AAAA"}]`, "{", "null", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ParseLedger(bytes.NewReader(data))
	})
}
