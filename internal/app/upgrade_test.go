package app

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// fixtureKey is the master key of testdata/release1.sqlite: a key for
// synthetic test data only, made for this fixture, never used elsewhere.
const fixtureKey = "ZGVyYmVzLXVwZ3JhZGUtZml4dHVyZS10ZXN0LWtleSE="

// covers the import/export issue (done-when for upgrades: schema
// migrations run on start, never lose data; a test upgrades a database
// made by the previous release): testdata/release1.sqlite was made by
// release 1 (commit d81fffc: six demo applicants, schema version 1). This
// binary migrates it to the current version on start; every applicant's
// values still open, the audit chain still verifies, and the new
// capabilities work on it.
func TestUpgradeFromRelease1(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/release1.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "derbes.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, Location: "KZ", OperatorName: "Test operator", OperatorBIN: ExampleBIN, MasterKey: fixtureKey}
	svc, err := OpenService(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(context.Background())
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	db, err := store.Open(context.Background(), cfg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version, subjects int
	db.Raw().QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version)
	db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects`).Scan(&subjects)
	if version != store.SchemaVersion(store.SQLite) || version < 2 || subjects != 6 {
		t.Fatalf("after the upgrade: schema %d (binary %d), %d subjects", version, store.SchemaVersion(store.SQLite), subjects)
	}
	rows, err := db.Raw().Query(`SELECT id FROM subjects`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		v, err := svc.Subject(sys, id, "p4.1b")
		if err != nil || v.Values["full_name"].Value == nil || v.Values["iin"].Value == nil {
			t.Errorf("subject %s after the upgrade: %+v %v", id, v, err)
		}
	}
	rep, err := svc.VerifyAudit(sys)
	if err != nil || !rep.OK || rep.Entries == 0 {
		t.Errorf("audit chain after the upgrade: %+v %v", rep, err)
	}
	if p, err := svc.RetentionPreview(sys, time.Time{}); err != nil || p.Subjects != 6 {
		t.Errorf("retention on the upgraded database: %+v %v", p, err)
	}
	if _, err := svc.PlaceHold(sys, ids[0], "Civil case 2-1/2026"); err != nil {
		t.Errorf("a legal hold on the upgraded database: %v", err)
	}
}

// covers the upgrades item: a binary refuses a database whose schema is
// newer than it knows, on both engines, and changes nothing.
func TestOlderBinaryRefusesNewerSchema(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			url := dbtest.URL(t, engine)
			db, err := store.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Raw().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = store.Open(context.Background(), url)
			if err == nil || !strings.Contains(err.Error(), "newer than this derbes") {
				t.Fatalf("opening a newer schema: %v", err)
			}
		})
	}
}

// covers the upgrades item on PostgreSQL: a database at schema version 1
// (release 1's file, applied as release 1 did) with a subject in it is
// migrated to the current version on open, the subject kept.
func TestUpgradePostgresFromVersion1(t *testing.T) {
	url := dbtest.PostgresURL(t)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	v1, err := os.ReadFile("../store/migrations/postgres/0001_core.sql")
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`}
	for _, s := range strings.Split(string(v1), ";\n") {
		if strings.TrimSpace(stripComments(s)) != "" {
			stmts = append(stmts, s)
		}
	}
	stmts = append(stmts, `INSERT INTO schema_migrations VALUES (1, '0001_core.sql', 0)`,
		`INSERT INTO subjects (id, kind, citizenship, created_at, created_by) VALUES ('0123456789abcdef0123456789abcdef', 'applicant', 'kz-citizen', 0, 'test')`)
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%v\n%s", err, s)
		}
	}
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version, subjects, holds int
	db.Raw().QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&version)
	db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects`).Scan(&subjects)
	if err := db.Raw().QueryRow(`SELECT COUNT(*) FROM legal_holds`).Scan(&holds); err != nil || version != store.SchemaVersion(store.Postgres) || subjects != 1 {
		t.Errorf("after the upgrade: version %d, %d subjects, legal_holds: %v", version, subjects, err)
	}
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
