package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache prepares each query once per pool; database/sql then prepares
// it once per connection and keeps it. The SQLite driver parses every
// unprepared query anew, which a profile of audited reads showed as a large
// share of their CPU (the parser alone ~14 %). PostgreSQL's driver (pgx)
// already caches prepared statements per connection, so the cache is for
// SQLite only. Queries past maxCachedStmts distinct texts (multi-row
// inserts and IN lists vary with their length) run unprepared.
//
// The writer pool has a single connection, which the committer's
// transaction holds; preparing on the pool then would wait for it forever.
// Inside a transaction a missed query therefore runs unprepared and is
// noted, and the committer prepares the noted queries once its transaction
// is over (prepareNoted).
type stmtCache struct {
	pool  *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
	noted map[string]bool
}

const maxCachedStmts = 512

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, noted: map[string]bool{}}
}

// get returns the prepared statement of query, or nil when the cache is
// full, the query does not prepare (the caller then runs it unprepared,
// which reports the error with its context) or, with later, it is not
// prepared yet (it is noted instead).
func (c *stmtCache) get(ctx context.Context, query string, later bool) *sql.Stmt {
	c.mu.RLock()
	s, ok := c.stmts[query]
	c.mu.RUnlock()
	if ok {
		return s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.stmts[query]; ok {
		return s
	}
	if len(c.stmts)+len(c.noted) >= maxCachedStmts {
		return nil
	}
	if later {
		c.noted[query] = true
		return nil
	}
	s, err := c.pool.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.stmts[query] = s
	return s
}

// prepareNoted prepares the queries noted inside transactions. A query
// that fails to prepare is dropped (it keeps running unprepared).
func (c *stmtCache) prepareNoted(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.noted {
		if s, err := c.pool.PrepareContext(ctx, q); err == nil {
			c.stmts[q] = s
		}
		delete(c.noted, q)
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var err error
	for q, s := range c.stmts {
		err = errors.Join(err, s.Close())
		delete(c.stmts, q)
	}
	return err
}

// cachedPool runs queries on a pool through the cache.
type cachedPool struct {
	*sql.DB
	cache *stmtCache
}

func (p cachedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.cache.get(ctx, query, false); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}

func (p cachedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.cache.get(ctx, query, false); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p cachedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.cache.get(ctx, query, false); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// cachedTx runs queries inside a transaction through the cache: Tx.StmtContext
// reuses the statement already prepared on the transaction's connection.
type cachedTx struct {
	*sql.Tx
	cache *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.cache.get(ctx, query, true); s != nil {
		return t.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.cache.get(ctx, query, true); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.cache.get(ctx, query, true); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
