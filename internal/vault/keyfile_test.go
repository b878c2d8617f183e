package vault

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestKeyFileCreateThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "master.key")
	m, created, err := LoadOrCreateKeyFile(path)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreateKeyFile: created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %#o, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(string(b), "\n"))
	if err != nil || len(key) != 32 || !strings.HasSuffix(string(b), "\n") {
		t.Fatalf("file is not base64 of 32 bytes and a newline (%d bytes, %v)", len(b), err)
	}
	m2, created, err := LoadOrCreateKeyFile(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreateKeyFile: created %v, %v", created, err)
	}
	if m2.ID() != m.ID() {
		t.Error("the key changed between two loads")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("%d files in the key directory, want 1 (no temporary left)", len(entries))
	}
}

// Two processes starting at once on a fresh machine must agree on the key.
func TestKeyFileConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	const n = 8
	ids := make([]string, n)
	creators := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m, created, err := LoadOrCreateKeyFile(path)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i], creators[i] = m.ID(), created
		})
	}
	wg.Wait()
	count := 0
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("ids differ: %v", ids)
		}
		if creators[i] {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d callers report creating the file, want 1", count)
	}
}

func TestKeyFileRefused(t *testing.T) {
	dir := t.TempDir()
	good := base64.StdEncoding.EncodeToString(fixedKey(5)) + "\n"
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // WriteFile's mode passes the umask
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, content string
		mode          os.FileMode
		rule          string
	}{
		{"group-readable", good, 0o640, "key-file-permissions"},
		{"world-readable", good, 0o644, "key-file-permissions"},
		{"group-writable", good, 0o620, "key-file-permissions"},
		{"short", good[:20] + "\n", 0o600, "key-file-format"},
		{"16 bytes", base64.StdEncoding.EncodeToString(make([]byte, 16)) + "\n", 0o600, "key-file-format"},
		{"two lines", good + good, 0o600, "key-file-format"},
		{"binary", string(fixedKey(5)), 0o600, "key-file-format"},
		{"huge", strings.Repeat(good, 100), 0o600, "key-file-format"},
		{"empty", "", 0o600, "key-file-format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(strings.ReplaceAll(tc.name, " ", "-"), tc.content, tc.mode)
			_, created, err := LoadOrCreateKeyFile(p)
			wantRule(t, err, tc.rule)
			if created {
				t.Error("created is true for a refused file")
			}
			msg := err.Error()
			if !strings.Contains(msg, p) {
				t.Errorf("error %q does not name the path", msg)
			}
			if strings.Contains(msg, strings.TrimSpace(good)[:12]) || (tc.content != "" && strings.Contains(msg, strings.TrimSpace(tc.content))) {
				t.Errorf("error %q shows the file's content", msg)
			}
		})
	}
	t.Run("directory", func(t *testing.T) {
		_, _, err := LoadOrCreateKeyFile(dir)
		wantRule(t, err, "key-file-regular")
	})
	t.Run("0400 and CRLF are accepted", func(t *testing.T) {
		p := write("ro", strings.TrimSpace(good)+"\r\n", 0o400)
		m, created, err := LoadOrCreateKeyFile(p)
		if err != nil || created || m.ID() != newMaster(t, 5).ID() {
			t.Fatalf("LoadOrCreateKeyFile: %v created %v, %v", m, created, err)
		}
	})
}
