package vault

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/derbes-kz/derbes"
)

// testPurposes are purpose codes shaped like the catalogue's.
var testPurposes = []string{"4.1a", "4.1b", "4.2a"}

// fixedKey returns a 32-byte key filled with b: tests that need two
// installations use two values of b.
func fixedKey(b byte) []byte { return bytes.Repeat([]byte{b}, MasterKeySize) }

func newMaster(t testing.TB, b byte) *LocalMaster {
	t.Helper()
	m, err := NewLocalMaster(fixedKey(b))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// openFresh opens a keyring on an empty key table and returns it with the
// rows the caller would persist.
func openFresh(t testing.TB, m Master) (*Keyring, []StoredKey) {
	t.Helper()
	k, created, err := Open(context.Background(), m, nil, testPurposes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k, created
}

// reopen opens a keyring from stored rows and requires that it creates none.
func reopen(t testing.TB, m Master, stored []StoredKey) *Keyring {
	t.Helper()
	k, created, err := Open(context.Background(), m, stored, testPurposes)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 0 {
		t.Fatalf("reopen created %d keys, want 0", len(created))
	}
	t.Cleanup(k.Close)
	return k
}

// wantRule fails unless err is a *derbes.Error with the given rule.
func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	if got := derbes.RuleOf(err); got != rule {
		t.Fatalf("error %v: rule %q, want %q", err, got, rule)
	}
}

func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
}
