package dbtest_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/derbes-kz/derbes/internal/dbtest"
)

func TestEngines(t *testing.T) {
	both := []string{"sqlite", "postgres"}
	tests := []struct {
		ci, engines string
		want        []string
	}{
		{ci: "", engines: "", want: both},
		{ci: "", engines: "sqlite", want: []string{"sqlite"}},
		{ci: "", engines: " postgres , postgres,", want: []string{"postgres"}},
		{ci: "", engines: ",", want: both},
		{ci: "true", engines: "sqlite", want: both},
		{ci: "false", engines: "sqlite", want: []string{"sqlite"}},
	}
	for _, tt := range tests {
		t.Setenv("CI", tt.ci)
		t.Setenv(dbtest.EnvEngines, tt.engines)
		if got := dbtest.Engines(); !slices.Equal(got, tt.want) {
			t.Errorf("CI=%q %s=%q: Engines() = %q, want %q", tt.ci, dbtest.EnvEngines, tt.engines, got, tt.want)
		}
	}
}

func TestSQLitePath(t *testing.T) {
	p1, p2 := dbtest.SQLitePath(t), dbtest.URL(t, dbtest.SQLite)
	if p1 == p2 {
		t.Fatalf("two calls returned the same path %s", p1)
	}
	for _, p := range []string{p1, p2} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s: want a path that does not exist yet, stat: %v", p, err)
		}
		if _, err := os.Stat(filepath.Dir(p)); err != nil {
			t.Errorf("directory of %s: %v", p, err)
		}
	}
	db, err := sql.Open("sqlite", p1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"CREATE TABLE x(v INTEGER)", "INSERT INTO x VALUES (41)"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var n int
	if err := db.QueryRow("SELECT v+1 FROM x").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 42 {
		t.Errorf("SELECT v+1 = %d, want 42", n)
	}
	if _, err := os.Stat(p1); err != nil {
		t.Errorf("database file not created: %v", err)
	}
}

// TestPostgresURL checks that each call makes its own database, that it can
// be used with pgx, and that Cleanup drops it.
func TestPostgresURL(t *testing.T) {
	ctx := t.Context()
	var names []string
	t.Run("fresh", func(t *testing.T) {
		u1, u2 := dbtest.PostgresURL(t), dbtest.URL(t, dbtest.Postgres)
		if u1 == u2 {
			t.Fatalf("two calls returned the same URL %s", u1)
		}
		for i, u := range []string{u1, u2} {
			conn, err := pgx.Connect(ctx, u)
			if err != nil {
				t.Fatalf("connect %s: %v", u, err)
			}
			defer conn.Close(context.Background())
			var db string
			if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(db, "t_") || db != strings.TrimPrefix(mustParse(t, u).Path, "/") {
				t.Errorf("URL %s: current_database() = %q", u, db)
			}
			names = append(names, db)
			if i == 0 {
				if _, err := conn.Exec(ctx, "CREATE TABLE only_in_first (v int); INSERT INTO only_in_first VALUES (41)"); err != nil {
					t.Fatal(err)
				}
				var n int
				if err := conn.QueryRow(ctx, "SELECT v + $1 FROM only_in_first", 1).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != 42 {
					t.Errorf("SELECT v + 1 = %d, want 42", n)
				}
				continue
			}
			var exists bool
			if err := conn.QueryRow(ctx, "SELECT to_regclass('only_in_first') IS NOT NULL").Scan(&exists); err != nil {
				t.Fatal(err)
			}
			if exists {
				t.Error("table created in the first database is visible in the second")
			}
		}
		// The connections stay open: the drop at Cleanup must not wait for them.
	})
	if len(names) != 2 {
		t.Fatalf("got databases %q, want 2", names)
	}
	conn, err := pgx.Connect(ctx, os.Getenv(dbtest.EnvPG))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of databases %q left after Cleanup", left, names)
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestChromium(t *testing.T) {
	t.Run("found", func(t *testing.T) {
		p := dbtest.Chromium(t)
		if !filepath.IsAbs(p) {
			t.Errorf("Chromium() = %q, want an absolute path", p)
		}
	})
	t.Run("env", func(t *testing.T) {
		fake := filepath.Join(t.TempDir(), "chromium")
		if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv(dbtest.EnvChromium, fake)
		if got := dbtest.Chromium(t); got != fake {
			t.Errorf("Chromium() = %q, want %q from %s", got, fake, dbtest.EnvChromium)
		}
	})
}
