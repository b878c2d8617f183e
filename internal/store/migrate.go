package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrations embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrationsFor lists the engine's migrations in order. Files are named
// NNNN_name.sql; the number is the schema version.
func migrationsFor(e Engine) ([]migration, error) {
	dir := path.Join("migrations", string(e))
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("store: migrations for %s: %w", e, err)
	}
	var ms []migration
	for _, ent := range entries {
		num, _, ok := strings.Cut(ent.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("store: migration %s: name must start with its number", ent.Name())
		}
		body, err := fs.ReadFile(migrations, path.Join(dir, ent.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", ent.Name(), err)
		}
		ms = append(ms, migration{version: v, name: ent.Name(), sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the newest schema this binary knows, per engine.
func SchemaVersion(e Engine) int {
	ms, err := migrationsFor(e)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrate applies the missing migrations, each in its own transaction with
// its version row, so a crash leaves the schema at a whole version. A
// database newer than this binary is refused rather than half-understood.
func migrate(ctx context.Context, db *DB) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	if db.engine == Postgres {
		// Two nodes starting together must not both migrate.
		if _, err := db.w.ExecContext(ctx, `SELECT pg_advisory_lock(4242001)`); err != nil {
			return fmt.Errorf("store: migration lock: %w", err)
		}
		defer db.w.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(4242001)`)
	}
	var current int
	if err := db.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	ms, err := migrationsFor(db.engine)
	if err != nil {
		return err
	}
	if known := ms[len(ms)-1].version; current > known {
		return fmt.Errorf("store: database schema version %d is newer than this derbes (%d): run a newer binary", current, known)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := applyMigration(ctx, db, m); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *DB, m migration) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	for _, stmt := range splitSQL(m.sql) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
		m.version, m.name, micros(time.Now())); err != nil {
		return fmt.Errorf("store: migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migration %s: commit: %w", m.name, err)
	}
	return nil
}

// splitSQL splits a migration into statements at semicolons that end a
// line. Migrations are ours, so this simple rule is enough: no semicolons
// at line ends inside strings or bodies.
func splitSQL(s string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.Lines(s) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		if strings.HasSuffix(t, ";") {
			if stmt := strings.TrimSpace(cur.String()); stmt != ";" {
				out = append(out, stmt)
			}
			cur.Reset()
		}
	}
	if rest := strings.TrimSpace(cur.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}
