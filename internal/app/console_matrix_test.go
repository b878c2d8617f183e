package app

import (
	"context"
	"encoding/base32"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/server"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/web"
)

// consoleAllowed is the documented matrix of the console's pages: which
// roles see each page (200); the others get a refusal. Anonymous callers
// are always sent to sign in. A console GET page missing here fails the
// test.
var consoleAllowed = map[string][]string{
	"/console/{$}":                 principals[:7],
	"/console/subjects":            principals[:7],
	"/console/subjects/new":        principals[:7], // a form: it offers only the purposes the role may write
	"/console/subjects/{id}":       admissions,
	"/console/catalogue":           principals[:7],
	"/console/staff":               {service.RoleResponsible, service.RoleAdmin},
	"/console/roles":               {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"/console/roles/{name}":        {service.RoleResponsible},
	"/console/audit":               auditors,
	"/console/reports/control":     auditors,
	"/console/reports/control/pdf": auditors,
	"/console/mfa":                 nil, // enrolled members are sent on (303)
	"/console/instructions":        principals[:7],
	"/console/subjects/{id}/consents/{consentId}/withdraw": anyReader,
	// Orders serve P-4.1b; the registry lists organisations (no personal
	// data) for the members who manage orders, transfer, or keep it.
	"/console/orders":                 {service.RoleResponsible, service.RoleAdmissions, service.RoleIntegration},
	"/console/recipients":             {service.RoleResponsible, service.RoleAdmissions, service.RoleAdmin, service.RoleIntegration},
	"/console/transfers":              {service.RoleResponsible, service.RoleAdmissions},
	"/console/subjects/{id}/transfer": {service.RoleResponsible, service.RoleAdmissions}, // offers the purposes the role may transfer under
	// A transfer's page and package take a transfer's id: the matrix's
	// subject id names none (404 for the roles that may, 403 for others).
	"/console/subjects/{id}/transfers/{transferId}": nil,
	"/console/transfers/{id}/package":               nil,
	"/console/breaches/{id}/notice":                 nil, // takes an incident's id
	"/console/breaches":                             {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"/console/requests":                             rightsReaders,
	"/console/retention":                            auditors,
	"/console/retention/acts/{id}/pdf":              nil,            // takes an act's id
	"/console/statistics":                           principals[:7], // depersonalised: every member
	"/console/statistics/extract.csv":               nil,            // 404 until an extract is made
	"/console/import":                               {service.RoleResponsible},
	"/console/import/{job}":                         nil, // takes an upload's id
	"/console/import/{job}/report.csv":              nil,
	"/console/":                                     nil, // the console's not-found page
}

// staffSession creates a staff member with role, enrols a second factor,
// acknowledges the instructions and signs in: a full session's token.
func staffSession(t *testing.T, a *testApp, role string, n int) string {
	t.Helper()
	ctx := context.Background()
	sys := derbes.WithPrincipal(ctx, service.System("matrix"))
	login := "matrix-" + strings.ReplaceAll(role, "-", "") + "@example.kz"
	st, err := a.Service.CreateStaff(sys, service.NewStaff{Name: "Матрицаев Тест", Login: login, Role: role, Password: "a long enough password 42"})
	if err != nil {
		t.Fatal(err)
	}
	enr, err := a.Service.BeginTOTP(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(enr.URI)
	secret := mustBase32(t, u.Query().Get("secret"))
	now := time.Now()
	if _, err := a.Service.ConfirmTOTP(ctx, st.ID, auth.TOTPCode(secret, now.Add(-30*time.Second))); err != nil {
		t.Fatal(err)
	}
	cur, _ := a.Service.CurrentInstructions(ctx)
	if err := a.Service.AcknowledgeInstructions(ctx, st.ID, cur.Version); err != nil {
		t.Fatal(err)
	}
	tok, err := a.Service.SignIn(ctx, login, "a long enough password 42", auth.TOTPCode(secret, now), "192.0.2."+string(rune('1'+n)))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// covers R-ACCESS-1, R-ACCESS-2, R-AUDIT-1 (done-when: every console
// page as every role and as an anonymous caller; only the documented
// combinations are shown, and every refusal is audited).
func TestConsoleMatrix(t *testing.T) {
	a := start(t, dbtest.SQLite)
	f := newFixture(t, a, 0)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sessions := map[string]string{}
	for i, role := range principals[:7] {
		sessions[role] = staffSession(t, a, role, i)
	}
	for _, rt := range server.ConsoleRoutes(&web.Console{}) {
		if rt.Access != server.Console || rt.Method != "GET" {
			continue
		}
		want, ok := consoleAllowed[rt.Pattern]
		if !ok {
			t.Errorf("console page %s is not in the matrix", rt.Pattern)
			continue
		}
		path := strings.NewReplacer("{$}", "", "{id}", f.subject, "{consentId}", f.consent, "{name}", service.RoleHR).Replace(rt.Pattern)
		if rt.Pattern == "/console/" {
			path = "/console/nope"
		}
		if strings.HasPrefix(rt.Pattern, "/console/subjects/{id}") {
			path += "?purpose=p4.1b"
		}
		for _, who := range principals {
			req, _ := http.NewRequest("GET", a.URL()+path, nil)
			if who != "anonymous" {
				req.AddCookie(&http.Cookie{Name: "derbes_session", Value: sessions[who]})
			}
			before := a.countRows(t, "audit_log")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			shown := resp.StatusCode == http.StatusOK
			if who == "anonymous" {
				if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
					t.Errorf("%s as anonymous: %d, want a redirect to sign in", path, resp.StatusCode)
				}
			} else if shown != containsRole(want, who) {
				t.Errorf("%s as %s: status %d, want shown=%v", rt.Pattern, who, resp.StatusCode, containsRole(want, who))
				continue
			}
			if !shown && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusSeeOther && a.countRows(t, "audit_log") <= before {
				t.Errorf("%s as %s: refusal not audited", rt.Pattern, who)
			}
		}
	}
}

// covers R-AUDIT-1: every console action refuses a caller without a
// session, sends them to sign in, and audits the refusal.
func TestConsoleActionsNeedASession(t *testing.T) {
	a := start(t, dbtest.SQLite)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, rt := range server.ConsoleRoutes(&web.Console{}) {
		if rt.Access != server.Console || rt.Method != "POST" {
			continue
		}
		path := strings.NewReplacer("{id}", "x", "{consentId}", "y", "{name}", "hr").Replace(rt.Pattern)
		before := a.countRows(t, "audit_log")
		req, _ := http.NewRequest("POST", a.URL()+path, strings.NewReader("a=b"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/signin") {
			t.Errorf("POST %s without a session: %d %s", rt.Pattern, resp.StatusCode, resp.Header.Get("Location"))
		}
		if a.countRows(t, "audit_log") <= before {
			t.Errorf("POST %s without a session: refusal not audited", rt.Pattern)
		}
	}
}

func containsRole(list []string, r string) bool { return slices.Contains(list, r) }

func mustBase32(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
