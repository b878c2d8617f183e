// Package dbtest gives tests of any package the real engines they must run
// against: a fresh SQLite file, a fresh PostgreSQL database, and the headless
// Chromium binary for browser tests.
//
// Nothing here is faked or skipped. PostgreSQL comes from the server named by
// DERBES_TEST_PG, which ./scripts/test.sh starts (a throwaway cluster on a
// unix socket) and exports; when it is unset, PostgresURL fails the test with
// a message saying so. Chromium likewise fails the test when the binary is
// absent. A missing engine is a failure locally and in CI alike.
//
// A test that must hold on both engines:
//
//	for _, engine := range dbtest.Engines() {
//		t.Run(engine, func(t *testing.T) {
//			dsn := dbtest.URL(t, engine) // a file path, or a postgres:// URL
//			...open the store on engine and dsn, and test it...
//		})
//	}
//
// The PostgreSQL URLs have the form
// postgres://postgres@/t_<hex>?host=<socket dir>&port=<port>&sslmode=disable,
// which pgx (pgx.Connect, and database/sql through pgx's stdlib) accepts.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Engine names, as returned by Engines and accepted by URL.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Environment variables read by this package.
const (
	// EnvPG names the admin URL of the PostgreSQL server, e.g.
	// postgres://postgres@/postgres?host=/tmp/x/sock&port=5432&sslmode=disable.
	EnvPG = "DERBES_TEST_PG"
	// EnvEngines narrows Engines to a comma list, for local iteration only.
	EnvEngines = "DERBES_TEST_ENGINES"
	// EnvChromium names the Chromium binary.
	EnvChromium = "DERBES_CHROMIUM"
)

// DefaultChromium is where Debian's chromium package installs the browser.
const DefaultChromium = "/usr/bin/chromium"

// opTimeout bounds each admin statement (CREATE or DROP DATABASE).
const opTimeout = time.Minute

// Engines returns the engines tests must cover: ["sqlite", "postgres"].
// DERBES_TEST_ENGINES (comma list) can narrow it for local iteration, but
// when CI is true it is ignored and both are always returned. Names in
// DERBES_TEST_ENGINES are passed through as given, so a misspelt one makes
// URL fail the test rather than silently testing nothing.
func Engines() []string {
	all := []string{SQLite, Postgres}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		return all
	}
	var picked []string
	for _, e := range strings.Split(os.Getenv(EnvEngines), ",") {
		e = strings.TrimSpace(e)
		if e != "" && !contains(picked, e) {
			picked = append(picked, e)
		}
	}
	if len(picked) == 0 {
		return all
	}
	return picked
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// SQLitePath returns a fresh SQLite file path in t.TempDir(). The file does
// not exist yet; the directory, and so the file with its -wal and -shm
// companions, is removed when the test ends.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "derbes.db")
}

// PostgresURL creates a fresh, uniquely named database ("t_" + random hex)
// in the server named by DERBES_TEST_PG and returns its URL; the database is
// dropped (WITH (FORCE), so open connections do not block it) at t.Cleanup.
// When DERBES_TEST_PG is unset, malformed, or the server refuses, it calls
// t.Fatal: a missing PostgreSQL fails the test, it never skips it.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvPG)
	if admin == "" {
		t.Fatalf("dbtest: %s is not set; run the tests with ./scripts/test.sh, "+
			"which starts a throwaway PostgreSQL server and sets it (PostgreSQL must be installed: "+
			"apt-get install postgresql; the script does it when run as root)", EnvPG)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("dbtest: %s is not a URL: %v", EnvPG, err)
	}
	name := "t_" + randomHex(8)
	ident := pgx.Identifier{name}.Sanitize()
	if err := adminExec(admin, "CREATE DATABASE "+ident); err != nil {
		t.Fatalf("dbtest: create database %s on %s: %v", name, u.Redacted(), err)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// adminExec runs one statement on its own connection to the admin URL. A
// connection per statement keeps no connection slot busy while tests run.
func adminExec(admin, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error; crashes the program if it cannot read
	return hex.EncodeToString(b)
}

// URL returns SQLitePath(t) or PostgresURL(t) for engine ("sqlite" or
// "postgres"); any other engine fails the test.
func URL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case SQLite:
		return SQLitePath(t)
	case Postgres:
		return PostgresURL(t)
	}
	t.Fatalf("dbtest: unknown engine %q (want %q or %q; check %s)", engine, SQLite, Postgres, EnvEngines)
	return ""
}

// Chromium returns the Chromium binary from DERBES_CHROMIUM or
// /usr/bin/chromium. It calls t.Fatal when that file is absent or not
// executable: browser tests fail, they never skip.
func Chromium(t testing.TB) string {
	t.Helper()
	path, from := os.Getenv(EnvChromium), EnvChromium
	if path == "" {
		path, from = DefaultChromium, "default path"
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		t.Fatalf("dbtest: Chromium (%s) not usable: %v; install it (apt-get install chromium) "+
			"or run the tests with ./scripts/test.sh", from, err)
	case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
		t.Fatalf("dbtest: Chromium (%s) %s is not an executable file", from, path)
	}
	return path
}
