package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
)

type nopSigner struct{}

func (nopSigner) SignCheckpoint([]byte) ([]byte, int) { return make([]byte, 64), 1 }

// covers R-AUDIT-1, N-1: writes racing Close either commit with their audit
// entries or fail with ErrClosed; none hangs, none is lost half-way; a job's
// error rolls back its writes but keeps its refusal entry.
func TestCommitterCloseAndRollback(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := dbtest.URL(t, engine)
			db, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			db.Start(nopSigner{})
			refusal := errors.New("refused")
			err = db.Write(ctx, func(ctx context.Context, c Conn) ([]derbes.AuditEntry, error) {
				if err := c.PutSetting(ctx, "x", "1"); err != nil {
					return nil, err
				}
				return []derbes.AuditEntry{{Actor: "t", Action: "test", Outcome: derbes.OutcomeRefused}}, refusal
			})
			if !errors.Is(err, refusal) {
				t.Fatalf("job error = %v", err)
			}
			if _, ok, _ := db.Read().Setting(ctx, "x"); ok {
				t.Error("a failed job's write was kept")
			}
			if n, _ := db.Read().AuditCount(ctx, derbes.OutcomeRefused); n != 1 {
				t.Errorf("refusal entries = %d, want 1", n)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			committed := 0
			for range 32 {
				wg.Go(func() {
					err := db.Audit(ctx, derbes.AuditEntry{Actor: "t", Action: "race", Outcome: derbes.OutcomeOK})
					if err == nil {
						mu.Lock()
						committed++
						mu.Unlock()
					} else if !errors.Is(err, ErrClosed) {
						t.Errorf("write during close: %v", err)
					}
				})
			}
			time.Sleep(time.Millisecond)
			done := make(chan struct{})
			go func() { db.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Close hung")
			}
			wg.Wait()
			if err := db.Audit(ctx, derbes.AuditEntry{}); !errors.Is(err, ErrClosed) {
				t.Errorf("write after close: %v", err)
			}
			db2, err := Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			var n int
			if err := db2.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'race'`).Scan(&n); err != nil || n != committed {
				t.Errorf("race entries in the trail = %d, acknowledged = %d (%v)", n, committed, err)
			}
		})
	}
}
