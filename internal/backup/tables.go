package backup

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes/internal/store"
)

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// skipTables are not backed up: the schema version is the header's.
var skipTables = map[string]bool{"schema_migrations": true}

// seeded are the tables a fresh migration fills (the chain heads, at
// sequence 0). A restore accepts them as they are seeded and replaces
// their rows with the backup's.
var seeded = map[string]bool{"audit_head": true, "consent_head": true}

// column is a column of a table and its storage class.
type column struct {
	name  string
	class byte // 'i' integer, 'b' boolean, 't' text, 'x' bytes
}

// tables lists the engine's tables (schema_migrations excepted) so that
// every table comes after the tables its foreign keys name: the order a
// restore can insert them in. Ties go in alphabetical order.
func tables(ctx context.Context, q querier, engine store.Engine) ([]string, error) {
	var listQ, fkQ string
	if engine == store.Postgres {
		listQ = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
		fkQ = `SELECT ch.relname, pa.relname FROM pg_constraint c
			JOIN pg_class ch ON ch.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid
			WHERE c.contype = 'f' AND ch.relnamespace = current_schema()::regnamespace`
	} else {
		listQ = `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
		fkQ = `SELECT m.name, f."table" FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'`
	}
	names, err := strings2(ctx, q, listQ)
	if err != nil {
		return nil, fmt.Errorf("backup: list tables: %w", err)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return skipTables[n] })
	slices.Sort(names)
	deps := map[string][]string{}
	rows, err := q.QueryContext(ctx, fkQ)
	if err != nil {
		return nil, fmt.Errorf("backup: list foreign keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			return nil, fmt.Errorf("backup: list foreign keys: %w", err)
		}
		if child != parent {
			deps[child] = append(deps[child], parent)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: list foreign keys: %w", err)
	}
	// Depth-first topological sort over the alphabetical list.
	var out []string
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("backup: foreign keys form a cycle at %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		ps := slices.Clone(deps[n])
		slices.Sort(ps)
		for _, p := range ps {
			if err := visit(p); err != nil {
				return err
			}
		}
		state[n] = 2
		out = append(out, n)
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// columns returns a table's columns in their order, with storage classes.
func columns(ctx context.Context, q querier, engine store.Engine, table string) ([]column, error) {
	var rows *sql.Rows
	var err error
	if engine == store.Postgres {
		rows, err = q.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, table)
	} else {
		rows, err = q.QueryContext(ctx, `SELECT name, type FROM pragma_table_info($1) ORDER BY cid`, table)
	}
	if err != nil {
		return nil, fmt.Errorf("backup: columns of %s: %w", table, err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("backup: columns of %s: %w", table, err)
		}
		c := column{name: name, class: classOf(typ)}
		if c.class == 0 {
			return nil, fmt.Errorf("backup: column %s.%s has type %q, which backups do not know", table, name, typ)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("backup: columns of %s: %w", table, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("backup: table %s has no columns", table)
	}
	return out, nil
}

// classOf maps a declared (SQLite) or data (PostgreSQL) type to a class.
func classOf(typ string) byte {
	t := strings.ToUpper(strings.TrimSpace(typ))
	switch {
	case strings.HasPrefix(t, "BOOL"):
		return 'b'
	case strings.Contains(t, "INT"):
		return 'i'
	case strings.Contains(t, "CHAR"), strings.Contains(t, "TEXT"), strings.Contains(t, "CLOB"):
		return 't'
	case t == "BYTEA", strings.Contains(t, "BLOB"):
		return 'x'
	}
	return 0
}

func strings2(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// quote quotes an identifier (the same on both engines).
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// convert turns a value read from the backup into what the target column
// of class takes: booleans and 0/1 integers cross between PostgreSQL's
// BOOLEAN and SQLite's integers, and text and bytes cross where one engine
// kept a byte string in a text column.
func convert(v any, class byte, engine store.Engine) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		switch class {
		case 'i':
			return x, nil
		case 'b':
			if x != 0 && x != 1 {
				return nil, fmt.Errorf("integer %d for a boolean", x)
			}
			if engine == store.Postgres {
				return x == 1, nil
			}
			return x, nil
		}
	case bool:
		n := int64(0)
		if x {
			n = 1
		}
		switch class {
		case 'b':
			if engine == store.Postgres {
				return x, nil
			}
			return n, nil
		case 'i':
			return n, nil
		}
	case string:
		switch class {
		case 't':
			return x, nil
		case 'x':
			return []byte(x), nil
		}
	case []byte:
		switch class {
		case 'x':
			return x, nil
		case 't':
			return string(x), nil
		}
	}
	return nil, fmt.Errorf("a %T value for a column of class %c", v, class)
}
