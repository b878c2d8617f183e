package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/bench"
	"github.com/derbes-kz/derbes/internal/service"
)

// start runs derbes as the binary does, on a fresh SQLite and port 0, and
// returns it with a responsible-person token.
func start(t *testing.T) (*app.App, string) {
	t.Helper()
	cfg := app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "test", OperatorBIN: app.ExampleBIN}
	a, err := app.Start(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	tok, err := a.Service.IssueToken(derbes.WithPrincipal(context.Background(), service.System("bench")), "bench", service.RoleResponsible)
	if err != nil {
		t.Fatal(err)
	}
	return a, tok
}

// covers N-1 (workload W at 1 and 2 clients: every operation succeeds) and
// R-AUDIT-1 (every create writes exactly 2 audit entries and every read
// exactly 1, counted through the API around each phase).
func TestRunWorkloadW(t *testing.T) {
	a, tok := start(t)
	var progress bytes.Buffer
	rep, err := bench.Run(context.Background(), bench.Config{
		URL: a.URL(), Token: tok, Clients: []int{1, 2}, Duration: time.Second, Seed: 7,
	}, &progress)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 4 {
		t.Fatalf("%d results, want 4 (2 client counts × create, read)", len(rep.Results))
	}
	var creates int64
	for _, r := range rep.Results {
		name := r.Phase + "/" + string(rune('0'+r.Clients))
		if r.Ops == 0 {
			t.Errorf("%s: no successful operation", name)
		}
		if r.Errors != 0 {
			t.Errorf("%s: %d errors: %+v", name, r.Errors, r.ErrorSamples)
		}
		want := map[string]float64{bench.PhaseCreate: bench.AuditPerCreate, bench.PhaseRead: bench.AuditPerRead}[r.Phase]
		if r.AuditPerOp != want || r.AuditEntries != r.AuditExpected {
			t.Errorf("%s: %d audit entries for %d ops (%.4f per op), want exactly %.0f per op",
				name, r.AuditEntries, r.Ops, r.AuditPerOp, want)
		}
		if r.Ops > 0 && !(r.P50Ms > 0 && r.P50Ms <= r.P95Ms && r.P95Ms <= r.P99Ms && r.P99Ms <= r.MaxMs) {
			t.Errorf("%s: latencies out of order: p50 %v p95 %v p99 %v max %v", name, r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs)
		}
		if r.Phase == bench.PhaseCreate {
			creates += r.Ops
		}
	}
	if !rep.OK() {
		t.Error("Report.OK is false")
	}
	// Every acknowledged create is in the database, and nothing else is.
	n, err := a.Service.SubjectCount(context.Background())
	if err != nil || n != creates {
		t.Errorf("subjects = %d, acknowledged creates = %d (%v)", n, creates, err)
	}
	// The audit chain still verifies after the load.
	v, err := a.Service.VerifyAudit(derbes.WithPrincipal(context.Background(), service.System("test")))
	if err != nil || !v.OK {
		t.Errorf("audit chain after the bench: %v %+v", err, v)
	}

	var table bytes.Buffer
	rep.Table(&table)
	for _, want := range []string{"clients", "phase", "ops/s", "p50", "p99", "errors", "audit entries/op", "create", "read"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, table.String())
		}
	}
	js, err := json.Marshal(rep)
	if err != nil || !strings.Contains(string(js), `"auditPerOp":2`) {
		t.Errorf("JSON report: %v\n%s", err, js)
	}
	t.Logf("\n%s%s", progress.String(), table.String())
}

// The bench writes synthetic people into whatever it reaches: it must only
// ever target this machine.
func TestRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://example.com", "http://127.0.0.1.example.com:8080", "ftp://127.0.0.1/", "http://[::2]:80"} {
		if err := bench.CheckLoopback(u); err == nil {
			t.Errorf("CheckLoopback(%q) accepted a non-loopback target", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://[::1]:8080/", "http://localhost:1"} {
		if err := bench.CheckLoopback(u); err != nil {
			t.Errorf("CheckLoopback(%q): %v", u, err)
		}
	}
	// Run refuses before sending anything: 10.0.0.1 is never dialled, so
	// the refusal is immediate.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := bench.Run(ctx, bench.Config{URL: "http://10.0.0.1:8080", Token: "x", Clients: []int{1}, Duration: time.Second}, nil)
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Run against 10.0.0.1: err = %v, want a loopback refusal", err)
	}
}
