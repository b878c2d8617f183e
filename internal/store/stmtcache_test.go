package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
)

// covers N-1 (the performance issue's statement cache on SQLite): a query
// read through the pool is prepared once; one written inside the
// committer's transaction is noted there and prepared after the commit
// (never on the single writer connection the transaction holds, which would
// wait forever); results are the same prepared or not; past the cap,
// queries still run, unprepared; a job's error still rolls back only it.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, dbtest.SQLitePath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.rStmts == nil || db.wStmts == nil {
		t.Fatal("SQLite without statement caches")
	}
	db.Start(nopSigner{})
	const put = `INSERT INTO settings (key, value) VALUES ($1, $2)`
	for i := range 3 {
		if err := db.Write(ctx, func(ctx context.Context, c Conn) ([]derbes.AuditEntry, error) {
			_, err := c.q.ExecContext(ctx, put, fmt.Sprint("k", i), "v")
			return []derbes.AuditEntry{{Actor: "t", Action: "test", Outcome: derbes.OutcomeOK}}, err
		}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		db.wStmts.mu.RLock()
		_, prepared := db.wStmts.stmts[put]
		db.wStmts.mu.RUnlock()
		if !prepared {
			t.Errorf("after write %d the insert is not prepared", i)
		}
	}
	const get = `SELECT value FROM settings WHERE key = $1`
	for i := range 3 {
		var v string
		if err := db.Read().q.QueryRowContext(ctx, get, fmt.Sprint("k", i)).Scan(&v); err != nil || v != "v" {
			t.Errorf("read k%d: %q %v", i, v, err)
		}
	}
	if len(db.rStmts.stmts) == 0 {
		t.Error("the reader's query was not prepared")
	}
	// Past the cap: distinct texts still run.
	for i := range maxCachedStmts + 10 {
		var n int
		if err := db.Read().q.QueryRowContext(ctx, fmt.Sprintf(`SELECT COUNT(*) + %d FROM settings WHERE key LIKE 'k%%'`, i)).Scan(&n); err != nil || n != 3+i {
			t.Fatalf("query %d past the cap: %d %v", i, n, err)
		}
	}
	if len(db.rStmts.stmts) > maxCachedStmts {
		t.Errorf("%d statements cached, cap %d", len(db.rStmts.stmts), maxCachedStmts)
	}
	// A failing job inside a batch still rolls back alone.
	err = db.Write(ctx, func(ctx context.Context, c Conn) ([]derbes.AuditEntry, error) {
		_, err := c.q.ExecContext(ctx, put, "k0", "again") // duplicate key
		return nil, err
	})
	if err == nil {
		t.Error("a duplicate key was accepted")
	}
	var v string
	db.Read().q.QueryRowContext(ctx, get, "k0").Scan(&v)
	if v != "v" {
		t.Errorf("k0 = %q after the failed write", v)
	}
}
