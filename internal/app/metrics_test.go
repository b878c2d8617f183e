package app

import (
	"context"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
)

// covers R-OPS-4: metrics by route and status, latency, refusals by rule and
// the audit chain's length, job runs, the backup's age, behind a token; no personal value in them after
// a demo run with searches and refusals.
func TestMetricsHoldNoPersonalData(t *testing.T) {
	a := start(t, dbtest.SQLite)
	if _, err := SeedDemo(context.Background(), a.Service, 50); err != nil {
		t.Fatal(err)
	}
	people := demo.People(DemoSeed, 50)
	for _, p := range people[:10] {
		a.do(t, "POST", "/api/v1/subjects/search", map[string]string{"purpose": "p4.1b", "category": "iin", "value": p.Values["iin"]}, nil)
	}
	a.do(t, "POST", "/api/v1/subjects", withValue("iin", "980514301234"), nil)
	if ran, err := a.Service.RunScheduled(context.Background()); err != nil || len(ran) != 6 {
		t.Fatalf("scheduled jobs ran %v: %v", ran, err)
	}
	resp, body := a.do(t, "GET", "/metrics", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("metrics: %d", resp.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`derbes_http_requests_total{route="POST /api/v1/subjects/search",status="200"} 10`,
		`derbes_refusals_total{action="subject.create",rule="iin-checksum"} 1`,
		`derbes_http_request_seconds_bucket{route="POST /api/v1/subjects/search"`,
		"derbes_audit_chain_entries ",
		`derbes_job_runs_total{job="control-report",outcome="ok"} 1`,
		`derbes_job_runs_total{job="transfer-notices",outcome="ok"} 1`,
		"derbes_backup_age_seconds -1\n", // no backup was made
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	for _, p := range people {
		surname, _, _ := strings.Cut(p.Values["full_name"], " ")
		for _, v := range []string{p.Values["iin"], p.Values["phone"], p.Values["email"], p.Values["passport_number"], surname} {
			if strings.Contains(text, v) {
				t.Fatalf("metrics hold a personal value")
			}
		}
	}
	a.token = ""
	if resp, _ := a.do(t, "GET", "/metrics", nil, nil); resp.StatusCode != 401 {
		t.Errorf("anonymous metrics: %d", resp.StatusCode)
	}
}
