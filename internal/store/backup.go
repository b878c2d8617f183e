package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Snapshot begins a read-only transaction that sees one consistent state of
// the whole database for as long as it lasts, while writes go on: on SQLite
// a WAL read snapshot on the reader pool (pinned here by a first read, so
// that every later query sees the same commit); on PostgreSQL
// REPEATABLE READ READ ONLY. It never blocks the committer. It returns the
// schema version of that state. The caller must end tx (Rollback).
// It exists for backups (internal/backup).
func (db *DB) Snapshot(ctx context.Context) (tx *sql.Tx, schema int, err error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.engine == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err = db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, 0, fmt.Errorf("store: begin snapshot: %w", err)
	}
	// The first read fixes the snapshot (SQLite starts a read transaction,
	// PostgreSQL takes the transaction's snapshot, at the first statement).
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&schema); err != nil {
		tx.Rollback()
		return nil, 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return tx, schema, nil
}

// SchemaVersionOf returns the schema version the database is at.
func (db *DB) SchemaVersionOf(ctx context.Context) (int, error) {
	var v int
	if err := db.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}
