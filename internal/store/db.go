// Package store keeps derbes's data in SQLite or PostgreSQL behind one API.
//
// Both engines run the same SQL text ($n placeholders work on both); only
// the schema files differ. Writes go through a group committer (commit.go):
// one goroutine per node takes queued operations, runs each inside a
// savepoint of one shared transaction, appends their audit entries to the
// hash chain, and commits once, so every operation and its audit entry are
// durable together before any caller is answered. Reads run on a separate
// pool and never wait for the writer.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

// Supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Signer signs audit checkpoints; the vault's keyring is one.
type Signer interface {
	SignCheckpoint(msg []byte) (sig []byte, keyVersion int)
}

// DB is an open derbes database.
type DB struct {
	engine Engine
	w      *sql.DB // the writer: one connection on SQLite
	r      *sql.DB // readers
	// Prepared-statement caches of the two pools (SQLite only; nil on
	// PostgreSQL, whose driver caches by itself).
	wStmts, rStmts *stmtCache
	signer         Signer

	jobs      chan *job
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closing   sync.RWMutex // Write holds it shared while enqueuing
	closed    bool
	now       func() time.Time

	// CheckpointEvery is how many audit entries pass between signed checkpoints.
	CheckpointEvery int64
}

// Open opens (creating if needed) the database at dsn: a PostgreSQL URL
// ("postgres://…") or a SQLite file path, and migrates it to the schema this
// binary knows. It refuses a database whose schema is newer than the binary.
// Start must be called before any write.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{now: time.Now, CheckpointEvery: 1000}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.engine = Postgres
		db.w, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.w.SetMaxOpenConns(32)
		db.w.SetMaxIdleConns(32)
		db.r = db.w
	} else {
		db.engine = SQLite
		if db.w, err = sql.Open("sqlite", sqliteDSN(dsn, false)); err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		db.w.SetMaxOpenConns(1)
		if db.r, err = sql.Open("sqlite", sqliteDSN(dsn, true)); err != nil {
			db.w.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		db.r.SetMaxOpenConns(8)
		db.r.SetMaxIdleConns(8)
		db.wStmts, db.rStmts = newStmtCache(db.w), newStmtCache(db.r)
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.closeConns()
		return nil, fmt.Errorf("store: connect %s: %w", db.engine, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.closeConns()
		return nil, err
	}
	return db, nil
}

// sqliteDSN sets the pragmas on every connection: WAL so readers never block
// the writer; synchronous=FULL so a commit is on disk before it is
// acknowledged; immediate transactions so the writer never upgrades a lock.
func sqliteDSN(path string, readOnly bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Engine reports which engine the database runs on.
func (db *DB) Engine() Engine { return db.engine }

// SetClock replaces the clock used for audit times (tests).
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Start starts the group committer, with signer for audit checkpoints.
func (db *DB) Start(signer Signer) {
	db.signer = signer
	db.jobs = make(chan *job, 4096)
	db.stop = make(chan struct{})
	db.done = make(chan struct{})
	go db.commitLoop()
}

// Close stops the committer after the queued work and closes the database.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closing.Lock()
		db.closed = true
		db.closing.Unlock()
		if db.stop != nil {
			close(db.stop)
			<-db.done
		}
	})
	return db.closeConns()
}

func (db *DB) closeConns() error {
	var err error
	for _, c := range []*stmtCache{db.wStmts, db.rStmts} {
		if c != nil {
			err = errors.Join(err, c.close())
		}
	}
	err = errors.Join(err, db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Conn runs derbes's queries on the reader pool or inside a write.
type Conn struct {
	q      querier
	engine Engine
}

// Read returns a Conn on the reader pool.
func (db *DB) Read() Conn {
	if db.rStmts != nil {
		return Conn{q: cachedPool{db.r, db.rStmts}, engine: db.engine}
	}
	return Conn{q: db.r, engine: db.engine}
}

// txConn is a Conn inside tx, a transaction on the writer.
func (db *DB) txConn(tx *sql.Tx) Conn {
	if db.wStmts != nil {
		return Conn{q: cachedTx{tx, db.wStmts}, engine: db.engine}
	}
	return Conn{q: tx, engine: db.engine}
}

func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// Raw returns the writer's connection pool, bypassing the committer and the
// audit trail. It exists for maintenance tools (backup, restore) and for
// tests that tamper with the data at rest; services never use it.
func (db *DB) Raw() *sql.DB { return db.w }

// RawReader returns the readers' pool (the writer's on PostgreSQL), for
// the same tools as Raw.
func (db *DB) RawReader() *sql.DB { return db.r }
