package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
)

// covers R-OPS-3, R-OPS-1, R-AUDIT-3: the responsible person's dashboard
// raises an incident whose one-working-day notice is overdue above one
// still due, leaves closed incidents out, and says plainly that no backup
// exists; the auditor's control report page counts the same incidents and
// downloads as a PDF.
func TestDashboardAlerts(t *testing.T) {
	a := start(t, dbtest.SQLite)
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	record := func(desc string, detected time.Time, personal bool) string {
		b, err := a.Service.RecordBreach(sys, service.NewBreach{DetectedAt: detected, Description: desc,
			Categories: []string{"phone"}, Personal: personal, Measures: "access revoked"})
		if err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	record("Recent lost laptop", time.Now().Add(-time.Minute), true)
	record("Old misdirected e-mail", time.Now().Add(-10*24*time.Hour), true)
	closed := record("Closed printer incident", time.Now().Add(-20*24*time.Hour), false)
	for _, st := range []string{"authority-notified", "subjects-notified", "closed"} {
		if err := a.Service.MoveBreach(sys, closed, st, "done"); err != nil {
			t.Fatal(err)
		}
	}
	get := func(sess, path string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", a.URL()+path, nil)
		req.AddCookie(&http.Cookie{Name: "derbes_session", Value: sess})
		req.AddCookie(&http.Cookie{Name: "derbes_lang", Value: "en"})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	responsible := staffSession(t, a, service.RoleResponsible, 0)
	_, page := get(responsible, "/console/")
	if !strings.Contains(page, "No control report yet") {
		t.Fatalf("the consents-expiring panel does not say no report exists:\n%s", page)
	}
	_, list, ok := strings.Cut(page, `id="open-breaches"`)
	if !ok {
		t.Fatalf("no open incidents on the dashboard:\n%s", page)
	}
	list, _, _ = strings.Cut(list, "</ul>")
	old, recent := strings.Index(list, "Old misdirected"), strings.Index(list, "Recent lost laptop")
	if old < 0 || recent < 0 || old > recent {
		t.Fatalf("the overdue incident is not listed first:\n%s", list)
	}
	if strings.Count(list, "overdue since") != 1 || !strings.Contains(list, "Notify the authorised body by") {
		t.Fatalf("deadlines not shown as overdue/due:\n%s", list)
	}
	if strings.Contains(list, "Closed printer") {
		t.Fatalf("a closed incident is listed:\n%s", list)
	}
	if !strings.Contains(page, "No backup has been made yet") {
		t.Fatalf("the dashboard does not say no backup exists:\n%s", page)
	}

	auditor := staffSession(t, a, service.RoleAuditor, 1)
	resp, report := get(auditor, "/console/reports/control")
	if resp.StatusCode != 200 || !strings.Contains(report, `id="control-table"`) {
		t.Fatalf("control report page: %d\n%s", resp.StatusCode, report)
	}
	_, row, _ := strings.Cut(report, "Incidents open / notices overdue")
	row, _, _ = strings.Cut(row, "</tr>")
	if !strings.Contains(row, "2 / 1") {
		t.Fatalf("the report's incident row is %q, want 2 open / 1 overdue", row)
	}
	if _, cell, _ := strings.Cut(report, `id="control-backup"`); !strings.Contains(cell[:200], "No backup has been made yet") {
		t.Fatalf("the report's backup cell: %q", cell[:200])
	}
	resp, doc := get(auditor, "/console/reports/control/pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(doc, "%PDF-") {
		t.Fatalf("control report PDF: %d %s %.20q", resp.StatusCode, resp.Header.Get("Content-Type"), doc)
	}
	if _, page := get(responsible, "/console/"); !strings.Contains(page, "As of the control report of") || strings.Contains(page, "No control report yet") {
		t.Fatalf("the dashboard does not show the kept report's figures:\n%s", page)
	}
	if resp, _ := get(staffSession(t, a, service.RoleAdmissions, 2), "/console/reports/control"); resp.StatusCode == 200 {
		t.Fatal("an admissions manager reads the control report")
	}
}
