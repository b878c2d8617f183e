package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/bench"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/store"
)

// covers the performance issue's "derbes bench --ceiling": on each engine
// the report carries, for every phase and client count, the bare storage's
// rate measured in the same run and the ratio to it, as JSON and as a
// table; the scratch database is gone afterwards; bad flags are refused.
func TestBenchCeilingCommand(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			args := []string{"bench", "--clients", "1,2", "--duration", "400ms", "--ceiling", "--json"}
			dsn := ""
			if engine == dbtest.Postgres {
				dsn = dbtest.PostgresURL(t)
				args = append(args, "--db", dsn)
			}
			out, err := runCmd(t, nil, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var rep bench.Report
			if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1][strings.Index(out, "{"):]), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if rep.Ceiling == nil || len(rep.Ceiling.Results) != 4 || rep.Ceiling.RowsPerCopy < 20 {
				t.Fatalf("no ceiling: %+v", rep.Ceiling)
			}
			for _, x := range rep.Results {
				if x.CeilingOpsPerSec <= 0 || x.RatioToCeiling <= 0 || x.RatioToCeiling != x.OpsPerSec/x.CeilingOpsPerSec {
					t.Errorf("%d clients %s: ceiling %.1f, ratio %.3f", x.Clients, x.Phase, x.CeilingOpsPerSec, x.RatioToCeiling)
				}
			}
			if engine == dbtest.Postgres {
				db, err := sql.Open("pgx", dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var n int
				db.QueryRow(`SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'derbes_ceiling'`).Scan(&n)
				if n != 0 {
					t.Error("the ceiling's scratch schema was left behind")
				}
			}
		})
	}
	out, err := runCmd(t, nil, "bench", "--clients", "1", "--duration", "300ms", "--ceiling")
	if err != nil || !strings.Contains(out, "of ceiling") || !strings.Contains(out, "rows,") {
		t.Errorf("table: %v\n%s", err, out)
	}
	if out, err := runCmd(t, nil, "bench", "--url", "http://127.0.0.1:1", "--token", "x", "--ceiling"); err == nil || !strings.Contains(err.Error(), "in-process") {
		t.Errorf("--ceiling with --url: %v\n%s", err, out)
	}
}

// covers the performance issue's generator: "derbes generate" creates the
// asked number of W applicants through the service (each with its 15
// values, its consent and its two audit entries) and reports the disk used
// per subject; bad counts are refused.
func TestGenerateCommand(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_BIN": app.ExampleBIN}
			if engine == dbtest.Postgres {
				env["DERBES_DB"] = dbtest.PostgresURL(t)
			}
			out, err := runCmd(t, env, "generate", "--applicants", "60", "--workers", "8", "--seed", "3")
			if err != nil || !strings.Contains(out, "60 applicants created in") || !regexp.MustCompile(`database size \d+ bytes: \d+ bytes per subject \(60 subjects`).MatchString(out) {
				t.Fatalf("generate: %v\n%s", err, out)
			}
			dsn := env["DERBES_DB"]
			if dsn == "" {
				dsn = filepath.Join(dir, "derbes.db")
			}
			db, err := store.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var subjects, values, audit int
			db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects`).Scan(&subjects)
			db.Raw().QueryRow(`SELECT COUNT(*) FROM pd_values`).Scan(&values)
			db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('subject.create', 'consent.give')`).Scan(&audit)
			if subjects != 60 || values != 60*15 || audit != 120 {
				t.Errorf("%d subjects, %d values, %d audit entries; want 60, 900, 120", subjects, values, audit)
			}
		})
	}
	for _, bad := range [][]string{{"--applicants", "0"}, {"--workers", "0"}, {"extra"}} {
		if out, err := runCmd(t, map[string]string{"DERBES_DATA": t.TempDir()}, append([]string{"generate"}, bad...)...); err == nil {
			t.Errorf("generate %v was accepted:\n%s", bad, out)
		}
	}
}
