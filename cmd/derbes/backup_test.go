package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// covers R-OPS-1, R-RIGHTS-6: "derbes backup", "backup verify" and
// "restore --ledger" from one engine into the other; a changed byte is
// refused; a destruction after the backup stays effective; a restore into
// a non-empty installation is refused.
func TestBackupRestoreCommands(t *testing.T) {
	engines := dbtest.Engines()
	for _, src := range engines {
		dst := src
		for _, e := range engines {
			if e != src {
				dst = e
			}
		}
		t.Run(src+"-to-"+dst, func(t *testing.T) {
			ctx := context.Background()
			envFor := func(engine string, dir string) (map[string]string, app.Config) {
				env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_NAME": "Test operator", "DERBES_OPERATOR_BIN": app.ExampleBIN}
				if engine == dbtest.Postgres {
					env["DERBES_DB"] = dbtest.PostgresURL(t)
				}
				return env, app.Config{DataDir: dir, DB: env["DERBES_DB"], Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
			}
			srcDir := t.TempDir()
			srcEnv, srcCfg := envFor(src, srcDir)
			svc, err := app.OpenService(ctx, srcCfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.SeedDemo(ctx, svc, 5); err != nil {
				t.Fatal(err)
			}
			sys := derbes.WithPrincipal(ctx, service.System("test"))
			svc.Close(ctx)
			db, err := store.Open(ctx, srcCfg.DSN())
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			rows, err := db.Raw().Query(`SELECT id FROM subjects WHERE kind = 'applicant' ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			db.Close()
			if len(ids) != 5 {
				t.Fatalf("%d subjects", len(ids))
			}

			file := filepath.Join(t.TempDir(), "x.backup")
			out, err := runCmd(t, srcEnv, "backup", "--out", file)
			if err != nil || !strings.Contains(out, "written to "+file) {
				t.Fatalf("backup: %v\n%s", err, out)
			}
			if out, err := runCmd(t, srcEnv, "backup", "--out", file); err == nil {
				t.Fatalf("backup overwrote a file:\n%s", out)
			}
			if out, err := runCmd(t, srcEnv, "backup", "verify", file); err != nil || !strings.Contains(out, "OK: every chunk authenticates") {
				t.Fatalf("backup verify: %v\n%s", err, out)
			}
			body, _ := os.ReadFile(file)
			body[len(body)/2] ^= 0x40
			bad := filepath.Join(t.TempDir(), "bad.backup")
			os.WriteFile(bad, body, 0o600)
			if out, err := runCmd(t, srcEnv, "backup", "verify", bad); err == nil || !strings.Contains(err.Error(), "corrupt") {
				t.Fatalf("backup verify of a changed file: %v\n%s", err, out)
			}

			// After the backup, one subject is destroyed and the ledger exported.
			svc, err = app.OpenService(ctx, srcCfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Destroy(sys, ids[0], "request:test"); err != nil {
				t.Fatal(err)
			}
			ers, err := svc.Erasures(sys)
			if err != nil {
				t.Fatal(err)
			}
			svc.Close(ctx)
			ledger := filepath.Join(t.TempDir(), "ledger.json")
			lb, _ := json.Marshal(map[string]any{"erasures": ers})
			os.WriteFile(ledger, lb, 0o600)

			dstEnv, dstCfg := envFor(dst, t.TempDir())
			dstEnv["DERBES_MASTER_KEY_FILE"] = filepath.Join(srcDir, "master.key")
			dstCfg.MasterKeyFile = dstEnv["DERBES_MASTER_KEY_FILE"]
			if out, err := runCmd(t, dstEnv, "restore", file); err == nil || !strings.Contains(err.Error(), "--ledger") {
				t.Fatalf("restore without a ledger: %v\n%s", err, out)
			}
			if out, err := runCmd(t, dstEnv, "restore", bad, "--ledger", ledger); err == nil || !strings.Contains(err.Error(), "corrupt") {
				t.Fatalf("restore of a changed file: %v\n%s", err, out)
			}
			out, err = runCmd(t, dstEnv, "restore", file, "--ledger", ledger)
			if err != nil || !strings.Contains(out, "1 lines applied, 1 subjects destroyed again") || !strings.Contains(out, "OK: every entry and checkpoint verifies") {
				t.Fatalf("restore: %v\n%s", err, out)
			}
			if out, err := runCmd(t, dstEnv, "restore", file, "--ledger", ledger); err == nil || !strings.Contains(err.Error(), "not empty") {
				t.Fatalf("a second restore: %v\n%s", err, out)
			}
			svc, err = app.OpenService(ctx, dstCfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close(ctx)
			if _, err := svc.Subject(sys, ids[0], "p4.1b"); derbes.CodeOf(err) != derbes.ENotFound {
				t.Errorf("the destroyed subject after the restore: %v", err)
			}
			if v, err := svc.Subject(sys, ids[1], "p4.1b"); err != nil || len(v.Values) == 0 {
				t.Errorf("a kept subject after the restore: %v", err)
			}
		})
	}
}
