package app

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
)

// covers R-RETAIN-1, R-RETAIN-2 over the API, on both engines: the
// preview, holds and extracts answer; bad input is a problem naming the
// field and the rule, and changes nothing.
func TestRetentionAndStatisticsAPI(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			if _, err := SeedDemo(context.Background(), a.Service, 30); err != nil {
				t.Fatal(err)
			}
			problem := func(method, path string, body any, status int, field, rule string) {
				t.Helper()
				resp, data := a.do(t, method, path, body, nil)
				if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" ||
					!strings.Contains(string(data), `"`+rule+`"`) || (field != "" && !strings.Contains(string(data), `"`+field+`"`)) {
					t.Errorf("%s %s: %d %s, want %d %s/%s", method, path, resp.StatusCode, data, status, field, rule)
				}
			}
			var plan struct {
				Subjects   int
				Items      []any
				Upcoming90 int
			}
			if resp, _ := a.do(t, "GET", "/api/v1/retention/preview?at=2031-01-01", nil, &plan); resp.StatusCode != 200 || plan.Subjects != 30 || len(plan.Items) == 0 {
				t.Errorf("preview in 2031: %d %+v", resp.StatusCode, plan)
			}
			problem("GET", "/api/v1/retention/preview?at=next-year", nil, 400, "at", "date")
			var subject string
			a.raw.Raw().QueryRow(`SELECT id FROM subjects ORDER BY id LIMIT 1`).Scan(&subject)
			problem("POST", "/api/v1/retention/holds", map[string]string{"subjectId": subject, "reason": " "}, 400, "reason", "required")
			problem("POST", "/api/v1/retention/holds", map[string]any{"subjectId": subject, "reason": "x", "extra": 1}, 400, "", "unknown-field")
			if n := a.countRows(t, "legal_holds"); n != 0 {
				t.Errorf("%d holds after bad input", n)
			}
			var hold struct{ ID string }
			if resp, data := a.do(t, "POST", "/api/v1/retention/holds", map[string]string{"subjectId": subject, "reason": "Civil case 2-77/2026"}, &hold); resp.StatusCode != 201 {
				t.Fatalf("hold: %d %s", resp.StatusCode, data)
			}
			if resp, _ := a.do(t, "POST", "/api/v1/retention/holds/"+hold.ID+"/release", nil, nil); resp.StatusCode != 204 {
				t.Errorf("release: %d", resp.StatusCode)
			}
			problem("POST", "/api/v1/retention/holds/"+hold.ID+"/release", nil, 409, "", "hold-released")

			// The demo made the first extract; an unknown one is not found.
			var first struct{ Spec struct{ K int } }
			if resp, _ := a.do(t, "GET", "/api/v1/statistics", nil, &first); resp.StatusCode != 200 || first.Spec.K != 5 {
				t.Errorf("the demo's extract: %d %+v", resp.StatusCode, first)
			}
			problem("GET", "/api/v1/statistics/extracts/0123/csv", nil, 404, "", "not-found")
			problem("POST", "/api/v1/statistics/extracts", map[string]int{"k": 1}, 400, "k", "range")
			var x struct {
				ID    string
				Views map[string]struct{ Rows [][]string }
			}
			if resp, data := a.do(t, "POST", "/api/v1/statistics/extracts", map[string]int{"k": 3}, &x); resp.StatusCode != 201 || x.Views["applicants"].Rows == nil {
				t.Fatalf("extract: %d %s", resp.StatusCode, data)
			}
			resp, data := a.do(t, "GET", "/api/v1/statistics/extracts/latest/csv", nil, nil)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(data), "age,region,citizenship,studyCountry,field,year\n") ||
				strings.Count(string(data), "\n") != len(x.Views["applicants"].Rows)+1 {
				t.Errorf("CSV: %d %q", resp.StatusCode, data)
			}
			if a.auditCount(t, "stats.export", "ok") != 1 {
				t.Error("the CSV export is not audited")
			}
		})
	}
}

// covers R-OPS-5 and the reliability issue's abuse limits (expensive
// exports are queued, not run inline): an export is checked at once,
// queued, followed to its end, and its file is its requester's only.
func TestQueuedExport(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			if _, err := SeedDemo(context.Background(), a.Service, 20); err != nil {
				t.Fatal(err)
			}
			resp, body := a.do(t, "POST", "/api/v1/exports", map[string]any{"purpose": "p4.1b", "categories": []string{"income"}}, nil)
			if resp.StatusCode != 403 || !strings.Contains(string(body), "category-outside-purpose") {
				t.Errorf("a category outside the purpose: %d %s", resp.StatusCode, body)
			}
			var job struct {
				ID, Status string
				Rows       int
			}
			if resp, body := a.do(t, "POST", "/api/v1/exports", map[string]any{"purpose": "p4.1b", "categories": []string{"full_name", "iin"}, "lang": "en"}, &job); resp.StatusCode != 202 || job.ID == "" {
				t.Fatalf("queue: %d %s", resp.StatusCode, body)
			}
			deadline := time.Now().Add(20 * time.Second)
			for job.Status != "done" && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
				a.do(t, "GET", "/api/v1/exports/"+job.ID, nil, &job)
			}
			if job.Status != "done" || job.Rows != 20 {
				t.Fatalf("export %+v", job)
			}
			resp, file := a.do(t, "GET", "/api/v1/exports/"+job.ID+"/file", nil, nil)
			if resp.StatusCode != 200 || strings.Count(string(file), "\n") != 21 {
				t.Errorf("file: %d, %d lines", resp.StatusCode, strings.Count(string(file), "\n"))
			}
			other, _ := a.Service.IssueToken(derbes.WithPrincipal(context.Background(), service.System("test")), "other", service.RoleAuditor)
			req, _ := http.NewRequest("GET", a.URL()+"/api/v1/exports/"+job.ID+"/file", nil)
			req.Header.Set("Authorization", "Bearer "+other)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
				t.Errorf("another principal reads the export: %v %v", resp.StatusCode, err)
			}
		})
	}
}
