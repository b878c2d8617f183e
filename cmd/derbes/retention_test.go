package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// TestMain lets a test start this binary as derbes itself (a separate
// process), by setting DERBES_TEST_AS_CLI: the tests of several nodes
// sharing one database need real processes.
func TestMain(m *testing.M) {
	if os.Getenv("DERBES_TEST_AS_CLI") == "1" {
		// A start time in Unix milliseconds lines several processes up, so
		// that they really run at once.
		if ms, err := strconv.ParseInt(os.Getenv("DERBES_TEST_START_AT"), 10, 64); err == nil {
			time.Sleep(time.Until(time.UnixMilli(ms)))
		}
		if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "derbes:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// covers R-RETAIN-1 (done-when: two derbes processes running the job
// against one PostgreSQL never process the same item twice): three
// processes carry out one approved act of 120 applicants at once; each
// item is carried out by exactly one of them, once.
func TestRetentionRunInParallelProcesses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_NAME": "Test operator", "DERBES_OPERATOR_BIN": app.ExampleBIN,
		"DERBES_DB": dbtest.PostgresURL(t)}
	cfg := app.Config{DataDir: dir, DB: env["DERBES_DB"], Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
	svc, err := app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	if _, err := app.SeedDemo(ctx, svc, n); err != nil {
		t.Fatal(err)
	}
	sys := derbes.WithPrincipal(ctx, service.System("test"))
	uni, err := svc.CreateRecipient(sys, store.Recipient{Kind: "education-org", Country: "KZ", RegNumber: app.ExampleBIN, Channel: "email",
		Contact: "office@example.org", Names: map[string]string{"kk": "Университет", "ru": "Университет", "en": "University"}})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := column(t, db, `SELECT id FROM subjects ORDER BY id`)
	for _, id := range ids {
		o, err := svc.CreateOrder(sys, id, service.NewOrder{Services: []string{"admission"}, Institutions: []string{uni.ID}, AcademicYear: "2019/2020"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.MoveOrder(sys, o.ID, "closed"); err != nil {
			t.Fatal(err)
		}
	}
	svc.Close(ctx)
	// The orders closed six years ago: every period (P-4.1d's five years
	// included) has passed.
	if _, err := db.Raw().Exec(`UPDATE orders SET closed_at = $1`, time.Now().AddDate(-6, 0, 0).UnixMicro()); err != nil {
		t.Fatal(err)
	}
	// One run plans the act; it waits for approval. The approval is
	// recorded (as by a node that stopped before carrying it out), so the
	// three processes below all find the same items to carry out.
	// Every eighth demo applicant has an open request, which keeps their
	// data (the rights purpose covers it) until it is answered.
	var open int
	db.Raw().QueryRow(`SELECT COUNT(DISTINCT subject_id) FROM rights_requests WHERE closed_at IS NULL`).Scan(&open)
	due := n - open
	if out, err := runCmd(t, env, "retention", "run"); err != nil || open == 0 || !strings.Contains(out, fmt.Sprintf("%d items, pending", due)) {
		t.Fatalf("planning run: %v\n%s", err, out)
	}
	if _, err := db.Raw().Exec(`UPDATE retention_acts SET status = 'approved', approved_by = 'test', approved_at = $1`, time.Now().UnixMicro()); err != nil {
		t.Fatal(err)
	}

	startAt := fmt.Sprint(time.Now().Add(1500 * time.Millisecond).UnixMilli())
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 3)
	errs := make([]error, 3)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "retention", "run", "--json")
			cmd.Env = append(os.Environ(), "DERBES_TEST_AS_CLI=1", "DERBES_TEST_START_AT="+startAt)
			for k, v := range env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
			errs[i] = cmd.Run()
		})
	}
	wg.Wait()
	carried := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i].String())
		}
		var res struct{ CarriedOut int }
		if err := json.Unmarshal(outs[i].Bytes(), &res); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i].String())
		}
		carried += res.CarriedOut
		t.Logf("process %d carried out %d items", i, res.CarriedOut)
	}
	if carried != due {
		t.Errorf("the processes carried out %d items between them, want %d", carried, due)
	}
	var acts, items, erased, whole, entries, perSubjectMax int
	db.Raw().QueryRow(`SELECT COUNT(*) FROM retention_acts`).Scan(&acts)
	db.Raw().QueryRow(`SELECT COUNT(*) FROM retention_items WHERE done_at IS NOT NULL`).Scan(&items)
	db.Raw().QueryRow(`SELECT COUNT(*) FROM erasures`).Scan(&erased)
	db.Raw().QueryRow(`SELECT COUNT(*) FROM retention_items WHERE action IN ('destroy-subject', 'depersonalise')`).Scan(&whole)
	db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action LIKE 'retention.%' AND action NOT IN ('retention.plan', 'retention.mode')`).Scan(&entries)
	db.Raw().QueryRow(`SELECT COALESCE(MAX(c), 0) FROM (SELECT COUNT(*) AS c FROM audit_log WHERE action LIKE 'retention.%' AND action NOT IN ('retention.plan', 'retention.mode') GROUP BY subject_id) x`).Scan(&perSubjectMax)
	// Every other demo applicant consented to statistics (P-4.2e) today:
	// that purpose keeps its categories for a year, so only some are
	// destroyed whole; the rest lose what no purpose keeps.
	if acts != 1 || items != due || whole == 0 || whole == due || erased != whole || entries != due || perSubjectMax != 1 {
		t.Errorf("acts %d, items done %d, erased %d of %d whole, retention entries %d (max %d per subject); want 1, %d, all, %d, 1\n%s\n%s\n%s",
			acts, items, erased, whole, entries, perSubjectMax, due, due, outs[0].String(), outs[1].String(), outs[2].String())
	}
	out, err := runCmd(t, env, "audit", "verify")
	if err != nil || !strings.Contains(out, "OK") {
		t.Errorf("audit chain after parallel runs: %v\n%s", err, out)
	}
	// A fourth run finds nothing.
	if out, err := runCmd(t, env, "retention", "run"); err != nil || !strings.Contains(out, "nothing newly due") || !strings.Contains(out, "0 items carried out") {
		t.Errorf("fourth run: %v\n%s", err, out)
	}
}

func column(t *testing.T, db *store.DB, q string) []string {
	t.Helper()
	rows, err := db.Raw().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// covers R-RETAIN-1, R-RETAIN-2: "retention preview --at", "stats export"
// and their refusals, on both engines.
func TestRetentionAndStatsCommands(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_NAME": "Test operator", "DERBES_OPERATOR_BIN": app.ExampleBIN}
			if engine == dbtest.Postgres {
				env["DERBES_DB"] = dbtest.PostgresURL(t)
			}
			cfg := app.Config{DataDir: dir, DB: env["DERBES_DB"], Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
			svc, err := app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.SeedDemo(ctx, svc, 40); err != nil {
				t.Fatal(err)
			}
			svc.Close(ctx)

			out, err := runCmd(t, env, "retention", "preview")
			if err != nil || !strings.Contains(out, "40 subjects examined, 0 with data due") {
				t.Errorf("preview now: %v\n%s", err, out)
			}
			out, err = runCmd(t, env, "retention", "preview", "--at", "2031-01-01")
			if err != nil || strings.Contains(out, " 0 with data due") || !strings.Contains(out, "destroy") || !strings.Contains(out, "p4.1b") {
				t.Errorf("preview in 2031: %v\n%s", err, out)
			}
			if out, err := runCmd(t, env, "retention", "preview", "--at", "soon"); err == nil || !strings.Contains(err.Error(), "--at") {
				t.Errorf("a bad date: %v\n%s", err, out)
			}
			if _, err := runCmd(t, env, "retention", "approve", "no-such-act"); err == nil {
				t.Error("approving an unknown act succeeded")
			}
			if _, err := runCmd(t, env, "retention", "frobnicate"); err == nil {
				t.Error("an unknown retention command succeeded")
			}
			csvPath := dir + "/extract.csv"
			out, err = runCmd(t, env, "stats", "export", "--k", "3", "--out", csvPath)
			data, rerr := os.ReadFile(csvPath)
			if err != nil || rerr != nil || !strings.HasPrefix(string(data), "age,region,citizenship,studyCountry,field,year\n") || !strings.Contains(out, "(k=3)") {
				t.Errorf("stats export: %v %v\n%s\n%s", err, rerr, out, data)
			}
			if _, err := runCmd(t, env, "stats", "export", "--k", "1", "--out", dir+"/bad.csv"); err == nil {
				t.Error("k=1 was accepted")
			}
			if _, err := os.Stat(dir + "/bad.csv"); err == nil {
				t.Error("a refused export left a file")
			}
		})
	}
}

// covers R-OPS-5: "derbes import" reports its counts and rate, writes the
// rejected rows to a report, and a second run skips what is there.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_NAME": "Test operator", "DERBES_OPERATOR_BIN": app.ExampleBIN}
	csvPath, mapPath := dir+"/applicants.csv", dir+"/mapping.json"
	os.WriteFile(csvPath, []byte("ФИО;ИИН\nСерікқызы Айгерім Нұрланқызы;980514301233\nИванов Иван;980514301234\n"), 0o600)
	os.WriteFile(mapPath, []byte(`{"purpose":"p4.1b","kind":"applicant","citizenship":"kz-citizen","columns":{"ФИО":"full_name","ИИН":"iin"}}`), 0o600)
	out, err := runCmd(t, env, "import", csvPath, "--mapping", mapPath, "--lang", "en")
	if err != nil || !strings.Contains(out, "2 rows: 1 imported, 0 already there, 1 rejected") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	rep, err := os.ReadFile(csvPath + ".rejected.csv")
	if err != nil || !strings.Contains(string(rep), "3,ИИН,iin-checksum,") {
		t.Errorf("report: %v\n%s", err, rep)
	}
	out, err = runCmd(t, env, "import", csvPath, "--mapping", mapPath)
	if err != nil || !strings.Contains(out, "0 imported, 1 already there, 1 rejected") {
		t.Errorf("second import: %v\n%s", err, out)
	}
	if _, err := runCmd(t, env, "import", csvPath); err == nil {
		t.Error("an import without a mapping ran")
	}
	// Legacy data is for storage only: P-4.1b has no basis for it, so an
	// export under it has no rows; the export itself works and says so.
	out, err = runCmd(t, env, "export", "--purpose", "p4.1b", "--categories", "full_name,iin", "--format", "xlsx", "--out", dir+"/x.xlsx")
	if err != nil || !strings.Contains(out, "0 subjects exported under p4.1b") {
		t.Errorf("export: %v\n%s", err, out)
	}
	if _, err := runCmd(t, env, "export", "--purpose", "p4.1b", "--categories", "income", "--out", dir+"/y.csv"); err == nil {
		t.Error("an export of a category outside the purpose ran")
	}
}
