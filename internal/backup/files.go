package backup

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// WriteFile writes a backup to path through a temporary file in its
// directory (mode 0600), synced and renamed into place only when the whole
// backup was written: a crash leaves no half file under a backup's name.
// It refuses to overwrite an existing file.
func WriteFile(ctx context.Context, db *store.DB, master vault.Master, path string, opt Options) (*Info, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("backup: %s exists: not overwriting a backup", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	info, err := Write(ctx, db, master, tmp, opt)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: write %s: %w", filepath.Base(path), err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // the rename itself must survive a crash
		d.Close()
	}
	return info, nil
}

// FileName is the name a generation made at t gets: sortable by time.
func FileName(engine store.Engine, t time.Time) string {
	return fmt.Sprintf("derbes-%s-%s.backup", engine, t.UTC().Format("20060102T150405Z"))
}

// generationName matches FileName's names, and nothing an operator put in
// the directory by hand.
var generationName = regexp.MustCompile(`^derbes-(sqlite|postgres)-\d{8}T\d{6}Z\.backup$`)

// Generations lists the backups in dir that FileName named, oldest first.
func Generations(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: list %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && generationName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	// The names share a prefix per engine and sort by time within it.
	sort.Slice(names, func(i, j int) bool { return names[i][len(names[i])-24:] < names[j][len(names[j])-24:] })
	return names, nil
}

// Generation is one scheduled backup: written, read back and authenticated.
type Generation struct {
	Path   string
	Info   *Info
	Pruned []string // older generations removed to keep the count
}

// MakeGeneration writes a backup into dir, reads the whole file back and
// verifies every chunk and the row counts against what was written, and
// only then removes the oldest generations beyond keep (R-OPS-1). A backup
// that does not verify is removed and nothing older is touched, so a bad
// run never costs a good generation.
func MakeGeneration(ctx context.Context, db *store.DB, master vault.Master, dir string, keep int, opt Options) (*Generation, error) {
	if keep < 1 {
		return nil, fmt.Errorf("backup: keep %d generations: at least 1", keep)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	path := filepath.Join(dir, FileName(db.Engine(), now()))
	info, err := WriteFile(ctx, db, master, path, opt)
	if err != nil {
		return nil, err
	}
	if err := verifyFile(ctx, master, path, info); err != nil {
		os.Remove(path)
		return nil, err
	}
	g := &Generation{Path: path, Info: info}
	names, err := Generations(dir)
	if err != nil {
		return g, err
	}
	for len(names) > keep {
		if names[0] == filepath.Base(path) {
			break // never prune the one just made, whatever the clock says
		}
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return g, fmt.Errorf("backup: prune: %w", err)
		}
		g.Pruned = append(g.Pruned, names[0])
		names = names[1:]
	}
	return g, nil
}

// verifyFile reads path back and checks it is the backup info describes.
func verifyFile(ctx context.Context, master vault.Master, path string, want *Info) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: verify: %w", err)
	}
	defer f.Close()
	got, err := Verify(ctx, master, io.Reader(f))
	if err != nil {
		return fmt.Errorf("backup: verify what was written: %w", err)
	}
	if got.ID != want.ID || got.Rows != want.Rows {
		return fmt.Errorf("backup: verify what was written: backup %s with %d rows read back as %s with %d", want.ID, want.Rows, got.ID, got.Rows)
	}
	return nil
}
