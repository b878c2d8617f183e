package vault

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

// covers R-VAULT-1
func TestLocalMasterRoundTrip(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t, 1)
	ad := []byte("derbes/key/purpose/4.1a/1")
	w, err := m.Wrap(ctx, []byte("data key"), ad)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Unwrap(ctx, w, ad)
	if err != nil || string(got) != "data key" {
		t.Fatalf("Unwrap = %q, %v", got, err)
	}
	if _, err := m.Unwrap(ctx, w, []byte("derbes/key/purpose/4.1a/2")); err != ErrOpen {
		t.Errorf("Unwrap with other AD: %v, want ErrOpen", err)
	}
	if _, err := newMaster(t, 2).Unwrap(ctx, w, ad); err != ErrOpen {
		t.Errorf("Unwrap with other master: %v, want ErrOpen", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := m.Wrap(cctx, []byte("x"), ad); err != context.Canceled {
		t.Errorf("Wrap with cancelled ctx: %v", err)
	}
	if _, err := m.Unwrap(cctx, w, ad); err != context.Canceled {
		t.Errorf("Unwrap with cancelled ctx: %v", err)
	}
}

func TestLocalMasterID(t *testing.T) {
	key := fixedKey(7)
	m, err := NewLocalMaster(key)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^local:[0-9a-f]{16}$`).MatchString(m.ID()) {
		t.Errorf("ID %q is not local: and 16 hex digits", m.ID())
	}
	if m.ID() != newMaster(t, 7).ID() {
		t.Error("the same key gives another id")
	}
	if m.ID() == newMaster(t, 8).ID() {
		t.Error("two keys give one id")
	}
	if strings.Contains(m.ID(), hex.EncodeToString(key)[:16]) {
		t.Error("the id shows the key")
	}
	// The same key from the environment must keep its id (rows name it).
	p, err := ParseMasterKey(base64.StdEncoding.EncodeToString(key) + "\n")
	if err != nil || p.ID() != m.ID() {
		t.Errorf("ParseMasterKey: %v, id %v want %v", err, p, m.ID())
	}
}

func TestNewLocalMasterCopiesKey(t *testing.T) {
	ctx := context.Background()
	key := fixedKey(3)
	m, err := NewLocalMaster(key)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := m.Wrap(ctx, []byte("x"), nil)
	clear(key) // the caller clears its copy: the master must not care
	if _, err := m.Unwrap(ctx, w, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := newMaster(t, 3).Unwrap(ctx, w, nil); err != nil {
		t.Fatal("the master changed with its caller's slice")
	}
}

func TestMasterKeyInvalid(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		_, err := NewLocalMaster(make([]byte, n))
		wantRule(t, err, "master-key-size")
	}
	secret := base64.StdEncoding.EncodeToString(fixedKey(9))
	for _, in := range []string{
		"",
		"not base64 at all!",
		base64.StdEncoding.EncodeToString(make([]byte, 16)),
		base64.StdEncoding.EncodeToString(make([]byte, 33)),
		base64.RawStdEncoding.EncodeToString(fixedKey(9)), // no padding
		secret[:43] + "B", // padding replaced
		nonCanonical(secret),
		secret[:20] + "\n" + secret[20:43],
	} {
		_, err := ParseMasterKey(in)
		wantRule(t, err, "master-key-format")
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("the error repeats the input: %v", err)
		}
	}
}

// nonCanonical flips one of the two unused low bits of the last base64
// character: standard decoding would accept it as the same key.
func nonCanonical(b64 string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, b64[42])
	return b64[:42] + string(alphabet[i^1]) + "="
}
