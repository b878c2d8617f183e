package backup_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/dbtest"
)

// covers R-OPS-1: a scheduled run keeps exactly the newest N generations,
// each read back and verified before anything older is removed; files an
// operator put in the directory are never touched; a failed run removes no
// generation.
func TestGenerationsKeepN(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			m := newMaster(t)
			in := newInst(t, engine, m)
			populate(t, in, 6)
			dir := t.TempDir()
			mine := filepath.Join(dir, "operator-notes.backup")
			if err := os.WriteFile(mine, []byte("not ours"), 0o600); err != nil {
				t.Fatal(err)
			}
			clock := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
			var made []string
			for i := range 4 {
				at := clock.Add(time.Duration(i) * 24 * time.Hour)
				g, err := backup.MakeGeneration(ctx, in.db, m, dir, 2, backup.Options{Now: func() time.Time { return at }})
				if err != nil {
					t.Fatalf("generation %d: %v", i, err)
				}
				if g.Info.Rows == 0 || !g.Info.Created.Equal(at) {
					t.Fatalf("generation %d: %+v", i, g.Info)
				}
				made = append(made, filepath.Base(g.Path))
				wantPruned := 0
				if i >= 2 {
					wantPruned = 1
				}
				if len(g.Pruned) != wantPruned || (wantPruned == 1 && g.Pruned[0] != made[i-2]) {
					t.Fatalf("generation %d pruned %v, want the oldest of %v", i, g.Pruned, made)
				}
			}
			got, err := backup.Generations(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, made[2:]) {
				t.Fatalf("kept %v, want the newest two %v", got, made[2:])
			}
			if _, err := os.Stat(mine); err != nil {
				t.Fatalf("an operator's own file was removed: %v", err)
			}
			for _, name := range got {
				f, err := os.Open(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				_, err = backup.Verify(ctx, m, f)
				f.Close()
				if err != nil {
					t.Fatalf("kept generation %s does not verify: %v", name, err)
				}
			}

			// The same second again: the file exists, the run fails, and no
			// older generation is pruned for it.
			last := clock.Add(3 * 24 * time.Hour)
			if _, err := backup.MakeGeneration(ctx, in.db, m, dir, 1, backup.Options{Now: func() time.Time { return last }}); err == nil || !strings.Contains(err.Error(), "exists") {
				t.Fatalf("a colliding generation: %v", err)
			}
			if after, _ := backup.Generations(dir); !reflect.DeepEqual(after, got) {
				t.Fatalf("a failed run changed the generations: %v, was %v", after, got)
			}
			// Under a master key that wraps none of the installation's keys
			// nothing is written and nothing pruned.
			next := last.Add(24 * time.Hour)
			if _, err := backup.MakeGeneration(ctx, in.db, newMaster(t), dir, 1, backup.Options{Now: func() time.Time { return next }}); err == nil {
				t.Fatal("a backup under a foreign master key was made")
			}
			if after, _ := backup.Generations(dir); !reflect.DeepEqual(after, got) {
				t.Fatalf("a failed run changed the generations: %v, was %v", after, got)
			}
			if _, err := backup.MakeGeneration(ctx, in.db, m, dir, 0, backup.Options{}); err == nil || !strings.Contains(err.Error(), "at least 1") {
				t.Fatalf("keep 0: %v", err)
			}
		})
	}
}
