package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/store"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String() + errOut.String(), err
}

// covers N-3: the CLI lists every command and answers --help without failing.
func TestHelpListsEveryCommand(t *testing.T) {
	out, err := runCmd(t, nil, "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range commands() {
		if !strings.Contains(out, "  "+c.name) {
			t.Errorf("--help does not list %s", c.name)
		}
	}
	if out, err := runCmd(t, nil, "serve", "--help"); err != nil || !strings.Contains(out, "DERBES_DB") {
		t.Errorf("serve --help: %v\n%s", err, out)
	}
	if _, err := runCmd(t, nil, "frobnicate"); err == nil {
		t.Error("an unknown command succeeded")
	}
	if out, _ := runCmd(t, nil, "version"); !strings.HasPrefix(out, "derbes ") {
		t.Errorf("version: %q", out)
	}
}

// covers R-AUDIT-2: "derbes audit verify" passes a clean chain and reports
// an edited entry by sequence number, exiting non-zero, on both engines.
func TestAuditVerifyCommand(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_NAME": "Test operator", "DERBES_OPERATOR_BIN": app.ExampleBIN}
			if engine == dbtest.Postgres {
				env["DERBES_DB"] = dbtest.PostgresURL(t)
			}
			cfg := app.Config{DataDir: dir, DB: env["DERBES_DB"], Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
			svc, err := app.OpenService(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.SeedDemo(context.Background(), svc, 5); err != nil {
				t.Fatal(err)
			}
			svc.Close(context.Background())

			out, err := runCmd(t, env, "audit", "verify")
			if err != nil || !strings.Contains(out, "OK: every entry and checkpoint verifies") {
				t.Fatalf("clean chain: %v\n%s", err, out)
			}
			db, err := store.Open(context.Background(), cfg.DSN())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Raw().Exec(`UPDATE audit_log SET actor = 'someone else' WHERE seq = 4`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			out, err = runCmd(t, env, "audit", "verify")
			if err == nil || !strings.Contains(out, "seq 4: edited") {
				t.Fatalf("edited chain: %v\n%s", err, out)
			}
		})
	}
}

// covers the documents item (a configuration reference generated from the
// code so it never drifts): docs/configuration.md is exactly what
// "derbes config-reference" prints; regenerate it with
// go run ./cmd/derbes config-reference > docs/configuration.md.
func TestConfigurationReferenceIsCurrent(t *testing.T) {
	want, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if got := configReference(); got != string(want) {
		t.Error("docs/configuration.md is stale: run go run ./cmd/derbes config-reference > docs/configuration.md")
	}
	for _, o := range options() {
		if !strings.Contains(string(want), "`--"+o.flag+"`") || !strings.Contains(string(want), o.env) {
			t.Errorf("the reference lacks --%s", o.flag)
		}
	}
}

// covers N-3: serve refuses a bad setting before it serves, naming the
// option and the rule.
func TestServeRefusesBadSettings(t *testing.T) {
	for _, c := range []struct{ flag, value, want string }{
		{"--trusted-proxies", "10.0.0.0/33", "--trusted-proxies: \"10.0.0.0/33\" is not an IP address or CIDR prefix"},
		{"--trusted-proxies", "proxy.local", "not an IP address or CIDR prefix"},
		{"--stats-k", "1", "--stats-k: k is between 2 and 1000"},
		{"--backup-every", "-1h", "--backup-every: a duration of 0 or more"},
	} {
		env := map[string]string{"DERBES_DATA": t.TempDir(), "DERBES_OPERATOR_BIN": app.ExampleBIN}
		out, err := runCmd(t, env, "serve", "--addr", "127.0.0.1:0", c.flag, c.value)
		if err == nil || !strings.Contains(err.Error()+out, c.want) {
			t.Errorf("serve %s %s: %v\n%s", c.flag, c.value, err, out)
		}
	}
}
