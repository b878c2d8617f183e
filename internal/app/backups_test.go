package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// covers R-OPS-1: derbes serve makes its scheduled backup, verifies it,
// records it (audit entry, control report, the responsible person's
// dashboard), and a schedule that would keep no generation is refused.
// (Keeping N generations is TestGenerationsKeepN in internal/backup.)
func TestScheduledBackup(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{DataDir: dir, Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: ExampleBIN,
				BackupEvery: time.Hour, BackupKeep: 2, backupDelay: 300 * time.Millisecond}
			if engine == dbtest.Postgres {
				cfg.DB = dbtest.PostgresURL(t)
			}
			if _, err := Start(context.Background(), Config{BackupEvery: time.Hour}, slog.New(slog.DiscardHandler), io.Discard); err == nil || !strings.Contains(err.Error(), "--backup-keep") {
				t.Fatalf("keep 0 with a schedule: %v", err)
			}
			logs := &bytes.Buffer{}
			a, err := Start(context.Background(), cfg, slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil)), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Shutdown(context.Background()) })
			ctx := context.Background()
			ta := &testApp{App: a, logs: logs, dir: dir}
			sess := staffSession(t, ta, service.RoleResponsible, 0)
			page := func() string {
				req, _ := http.NewRequest("GET", a.URL()+"/console/", nil)
				req.AddCookie(&http.Cookie{Name: "derbes_session", Value: sess})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return string(b)
			}
			var at time.Time
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				var ok bool
				if at, ok, err = a.Service.LastBackup(ctx); err != nil {
					t.Fatal(err)
				} else if ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no backup recorded in 30 s; logs:\n%s", logs)
				}
			}
			if time.Since(at) > time.Minute {
				t.Fatalf("recorded backup time %v", at)
			}
			gens, err := backup.Generations(filepath.Join(dir, "backups"))
			if err != nil || len(gens) != 1 {
				t.Fatalf("generations %v, %v", gens, err)
			}
			f, err := os.Open(filepath.Join(dir, "backups", gens[0]))
			if err != nil {
				t.Fatal(err)
			}
			m, err := cfg.master(io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			info, err := backup.Verify(ctx, m, f)
			f.Close()
			if err != nil || !info.Created.Truncate(time.Second).Equal(at) {
				t.Fatalf("the file's backup %+v (%v) is not the recorded one at %v", info, err, at)
			}
			entries, err := a.Service.AuditTrail(derbes.WithPrincipal(ctx, service.System("test")), store.AuditFilter{Action: "backup.verified", Limit: 10})
			if err != nil || len(entries) != 1 || entries[0].Actor != "system:backup" || !strings.Contains(entries[0].Reason, "backup:"+info.ID) {
				t.Fatalf("audit of the backup: %+v, %v", entries, err)
			}
			rep, err := a.Service.RunControlReport(derbes.WithPrincipal(ctx, service.System("test")))
			if err != nil || rep.LastBackup != at.UTC().Format(time.RFC3339) {
				t.Fatalf("control report's last backup %q (%v), want %v", rep.LastBackup, err, at)
			}
			if p := page(); !strings.Contains(p, `id="last-backup"`) || strings.Contains(p, "No backup has been made yet") {
				t.Fatalf("the dashboard does not show the backup:\n%s", p)
			}
			tok, err := a.Service.IssueToken(derbes.WithPrincipal(ctx, service.System("test")), "metrics", service.RoleResponsible)
			if err != nil {
				t.Fatal(err)
			}
			ta.token = tok
			if _, body := ta.do(t, "GET", "/metrics", nil, nil); !strings.Contains(string(body), `derbes_job_runs_total{job="backup",outcome="ok"} 1`) ||
				strings.Contains(string(body), "derbes_backup_age_seconds -1") || !strings.Contains(string(body), "derbes_backup_age_seconds ") {
				t.Fatalf("metrics do not show the backup run and its age:\n%s", body)
			}
			// A second node (or a timer firing early) finds this interval's
			// backup made and makes none; a run that fails records nothing.
			b := &backups{svc: a.Service, master: m, dir: filepath.Join(dir, "backups"), every: time.Hour, keep: 2, log: slog.New(slog.DiscardHandler)}
			if g, err := b.run(ctx); g != nil || err != nil {
				t.Fatalf("a run with a fresh backup made %+v, %v", g, err)
			}
			b.every = time.Millisecond // now due; under a foreign master key it must fail
			b.master = otherMaster(t)
			if g, err := b.run(ctx); g != nil || err == nil {
				t.Fatalf("a run under a foreign master key: %+v, %v", g, err)
			}
			if again, _, _ := a.Service.LastBackup(ctx); !again.Equal(at) {
				t.Fatalf("a failed run recorded a backup at %v", again)
			}
			if after, _ := backup.Generations(filepath.Join(dir, "backups")); len(after) != 1 {
				t.Fatalf("generations after a failed run: %v", after)
			}
			if strings.Contains(logs.String(), "scheduled backup failed") {
				t.Fatalf("logs: %s", logs)
			}
		})
	}
}

// otherMaster makes a master key that wraps nothing of any installation.
func otherMaster(t *testing.T) vault.Master {
	m, _, err := vault.LoadOrCreateKeyFile(filepath.Join(t.TempDir(), "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
