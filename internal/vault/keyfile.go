package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// maxKeyFile bounds what is read from a key file: a valid one is 45 bytes,
// and a large file is a wrong path, not a key.
const maxKeyFile = 256

// LoadOrCreateKeyFile returns the LocalMaster whose key is in the file at
// path: standard base64 of MasterKeySize bytes and a newline, mode 0600 (or
// stricter). When no file is there it creates one with a fresh random key
// (the development set-up) and reports created; the caller should say so
// loudly, since losing that file loses every personal value it protects.
// Creation is atomic: a crash or a concurrent start never leaves a partial
// file, and of two processes creating at once both end up with the same key.
//
// Errors (none ever contains the file's content): EInvalid with path as the
// field and rule "key-file-permissions" when group or others have any access
// (on Unix), "key-file-regular" when path is not a regular file, or
// "key-file-format" when the content is not such base64; an *fs.PathError
// when the file or its directory cannot be read or created.
func LoadOrCreateKeyFile(path string) (m *LocalMaster, created bool, err error) {
	m, err = loadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return m, false, err
	}
	m, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
		m, err = loadKeyFile(path)
		return m, false, err
	}
	return m, err == nil, err
}

func loadKeyFile(path string) (*LocalMaster, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Stat the open file, not the path, so the mode checked is the mode of
	// the bytes read.
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, invalid(path, "key-file-regular", "the master key file must be a regular file")
	}
	// Windows has no such mode bits (os reports 0666 or 0444): its ACLs are
	// the operator's business there.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, invalid(path, "key-file-permissions", fmt.Sprintf(
			"the master key file must be readable by its owner only: mode is %#o, want 0600 or 0400 (chmod 600)", perm))
	}
	buf := make([]byte, maxKeyFile+1)
	defer clear(buf)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	key, ok := decodeKey(trimEOL(buf[:n]))
	if !ok {
		return nil, invalid(path, "key-file-format", fmt.Sprintf(
			"the master key file must hold the standard base64 of %d random bytes and a newline", MasterKeySize))
	}
	defer clear(key)
	return NewLocalMaster(key)
}

// trimEOL drops one trailing "\n" or "\r\n", as editors add them.
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// createKeyFile writes a fresh key to a temporary file in path's directory
// and links it to path: the link fails with fs.ErrExist if path appeared
// meanwhile, and path never holds a partial key.
func createKeyFile(path string) (*LocalMaster, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key := make([]byte, MasterKeySize)
	defer clear(key)
	rand.Read(key) // never fails (Go 1.24+): it crashes the program instead
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(key))+1)
	defer clear(enc)
	base64.StdEncoding.Encode(enc, key)
	enc[len(enc)-1] = '\n'

	tmp, err := os.CreateTemp(dir, ".derbes-master-*.tmp") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(enc)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if err != nil {
		return nil, err
	}
	// Persist the new directory entry: a key lost to a power cut after
	// data was sealed with it would lose that data.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return NewLocalMaster(key)
}
