package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/api"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/server"
	"github.com/derbes-kz/derbes/internal/service"
)

// principals of the matrix: every default role, and no token at all.
var principals = []string{service.RoleResponsible, service.RoleAdmissions, service.RoleHR, service.RoleAccountant,
	service.RoleAuditor, service.RoleAdmin, service.RoleIntegration, "anonymous"}

var (
	anyToken   = principals[:7]
	admissions = []string{service.RoleResponsible, service.RoleAdmissions, service.RoleIntegration}
	anyReader  = []string{service.RoleResponsible, service.RoleAdmissions, service.RoleHR, service.RoleAccountant, service.RoleIntegration}
	auditors   = []string{service.RoleResponsible, service.RoleAuditor}
	// consent documents show the name and IIN: roles that may read them
	// under the rights purpose.
	rightsReaders = []string{service.RoleResponsible, service.RoleAdmissions}
	everyone      = principals
)

// allowed is the documented matrix: who passes authorisation on each route
// (R-ACCESS-1). A route missing here fails the test, so a new route cannot
// be forgotten.
var allowed = map[string][]string{
	"GET /healthz": everyone, "GET /readyz": everyone, "GET /{$}": everyone, "GET /api/v1/openapi.yaml": everyone,
	"GET /api/v1/catalogue": everyone, "GET /policy": everyone, "GET /static/policy.css": everyone, "GET /api/v1/policy": everyone,
	"POST /api/v1/policy/versions":                                       {service.RoleResponsible},
	"GET /api/v1/policy/versions/{version}/reconsent":                    {service.RoleResponsible},
	"POST /api/v1/subjects":                                              admissions,
	"POST /api/v1/subjects/search":                                       admissions,
	"GET /api/v1/subjects/{id}":                                          admissions,
	"PATCH /api/v1/subjects/{id}":                                        admissions,
	"GET /api/v1/subjects/{id}/values/{category}/history":                admissions,
	"GET /api/v1/subjects/{id}/consents":                                 anyReader,
	"POST /api/v1/subjects/{id}/consents":                                admissions,
	"POST /api/v1/subjects/{id}/consents/refusals":                       {service.RoleResponsible},
	"POST /api/v1/subjects/{id}/consents/{consentId}/withdraw":           admissions,
	"POST /api/v1/subjects/{id}/consents/{consentId}/withdrawal-refusal": admissions,
	"GET /api/v1/subjects/{id}/consents/{consentId}/form":                rightsReaders,
	"GET /api/v1/subjects/{id}/consents/{consentId}/receipt":             rightsReaders,
	"PUT /api/v1/subjects/{id}/consents/{consentId}/scan":                anyReader,
	"POST /api/v1/subjects/{id}/codes":                                   anyReader,
	"POST /api/v1/codes/{challengeId}/verify":                            anyReader,
	"POST /api/v1/consents/verify":                                       auditors,
	"GET /api/v1/reports/legacy":                                         auditors,
	"GET /api/v1/subjects/{id}/transfers":                                anyReader,
	"POST /api/v1/subjects/{id}/life-health":                             {service.RoleResponsible},
	"POST /api/v1/subjects/{id}/blocks":                                  {service.RoleResponsible, service.RoleAdmissions},
	"GET /api/v1/subjects/{id}/orders":                                   admissions,
	"POST /api/v1/subjects/{id}/orders":                                  admissions,
	"POST /api/v1/orders/{id}/status":                                    admissions,
	"PUT /api/v1/orders/{id}/documents/{category}":                       admissions,
	"POST /api/v1/transfer-notices/send":                                 {service.RoleResponsible},
	"DELETE /api/v1/subjects/{id}/blocks/{blockId}":                      {service.RoleResponsible, service.RoleAdmissions},
	"GET /api/v1/subjects/{id}/blocks":                                   {service.RoleResponsible, service.RoleAdmissions},
	"GET /api/v1/subjects/{id}/requests":                                 rightsReaders,
	"POST /api/v1/subjects/{id}/requests":                                rightsReaders,
	"GET /api/v1/requests":                                               rightsReaders,
	"POST /api/v1/requests/escalate":                                     {service.RoleResponsible, service.RoleAdmissions, service.RoleAuditor},
	"POST /api/v1/requests/{id}/status":                                  rightsReaders,
	"GET /api/v1/subjects/{id}/recipient-notices":                        {service.RoleResponsible, service.RoleAdmissions},
	"GET /api/v1/subjects/{id}/recipient-notices/{noticeId}/document":    {service.RoleResponsible, service.RoleAdmissions},
	"POST /api/v1/subjects/{id}/recipient-notices/{noticeId}/sent":       {service.RoleResponsible, service.RoleAdmissions},
	"POST /api/v1/subjects/{id}/destruction":                             {service.RoleResponsible},
	"GET /api/v1/subjects/{id}/destruction/act":                          {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"GET /api/v1/erasures":                                               {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"POST /api/v1/erasures/apply":                                        {service.RoleAdmin},
	"GET /api/v1/breaches":                                               {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"POST /api/v1/breaches":                                              {service.RoleResponsible, service.RoleAdmin},
	"POST /api/v1/breaches/{id}/status":                                  {service.RoleResponsible, service.RoleAdmin},
	"GET /api/v1/breaches/{id}/notice":                                   {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"GET /metrics":                                                       {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"GET /api/v1/retention/preview":                                      auditors,
	"POST /api/v1/retention/runs":                                        {service.RoleResponsible},
	"GET /api/v1/retention/acts":                                         auditors,
	"POST /api/v1/retention/acts/{id}/approve":                           {service.RoleResponsible},
	"GET /api/v1/retention/acts/{id}/pdf":                                auditors,
	"GET /api/v1/retention/holds":                                        auditors,
	"POST /api/v1/retention/holds":                                       {service.RoleResponsible},
	"POST /api/v1/retention/holds/{id}/release":                          {service.RoleResponsible},
	"GET /api/v1/statistics":                                             anyToken,
	"POST /api/v1/exports":                                               {service.RoleResponsible},
	"GET /api/v1/exports/{id}":                                           anyToken, // the requester's own export only: 404 for others
	"GET /api/v1/exports/{id}/file":                                      anyToken,
	"GET /api/v1/webhooks":                                               {service.RoleAdmin},
	"POST /api/v1/webhooks":                                              {service.RoleAdmin},
	"POST /api/v1/statistics/extracts":                                   auditors,
	"GET /api/v1/statistics/extracts/{id}/csv":                           auditors,
	"GET /api/v1/reports/control":                                        auditors,
	"GET /api/v1/recipients":                                             anyToken,
	"POST /api/v1/recipients":                                            {service.RoleResponsible, service.RoleAdmin},
	"POST /api/v1/transfers":                                             {service.RoleResponsible, service.RoleAdmissions},
	"GET /api/v1/transfers/{id}/package":                                 {service.RoleResponsible, service.RoleAdmissions},
	"POST /api/v1/authority-requests":                                    {service.RoleResponsible},
	"POST /api/v1/authority-requests/{id}/decision":                      {service.RoleResponsible},
	"GET /api/v1/staff":                                                  {service.RoleResponsible, service.RoleAdmin},
	"POST /api/v1/staff":                                                 {service.RoleAdmin},
	"GET /api/v1/roles":                                                  {service.RoleResponsible, service.RoleAuditor, service.RoleAdmin},
	"PUT /api/v1/roles/{name}":                                           {service.RoleResponsible},
	"GET /api/v1/instructions":                                           anyToken,
	"POST /api/v1/instructions":                                          {service.RoleResponsible},
	"POST /api/v1/appointments":                                          {service.RoleAdmin},
	"GET /api/v1/appointments/current":                                   anyToken,
	"GET /api/v1/audit":                                                  auditors,
	"POST /api/v1/audit/verify":                                          auditors,
}

// fixture is a subject with a live consent (and a withdrawn one), made
// fresh for each call so that one call's effect cannot decide another's.
type fixture struct{ subject, consent, withdrawn string }

func newFixture(t *testing.T, a *testApp, n int) fixture {
	t.Helper()
	sys := derbes.WithPrincipal(context.Background(), service.System("matrix"))
	vals := map[string]json.RawMessage{}
	for k, v := range map[string]string{"full_name": "Матрицаев Тест Ұлы", "phone": "+77011234567", "email": "m@example.kz"} {
		vals[k], _ = json.Marshal(v)
	}
	v, err := a.Service.CreateSubject(sys, service.NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
		Consent: &service.NewConsent{Purposes: []string{"p4.1b", "p4.2a"}}, Values: vals, Source: derbes.Source{Kind: derbes.SourceSubject}})
	if err != nil {
		t.Fatal(err)
	}
	ks, _ := a.Service.Consents(sys, v.ID)
	k2, err := a.Service.GiveConsent(sys, v.ID, service.NewConsent{Purposes: []string{"p4.2b1"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Service.WithdrawConsent(sys, v.ID, k2.ID, ""); err != nil {
		t.Fatal(err)
	}
	return fixture{subject: v.ID, consent: ks[0].ID, withdrawn: k2.ID}
}

// request builds the call of route rt for fixture f.
func request(rt server.Route, f fixture, n int) (string, []byte) {
	path := rt.Pattern
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{id}", f.subject)
	consent := f.consent
	if strings.HasSuffix(path, "withdrawal-refusal") {
		consent = f.withdrawn
	}
	path = strings.ReplaceAll(path, "{consentId}", consent)
	path = strings.NewReplacer("{category}", "phone", "{version}", "1", "{name}", "intern", "{challengeId}", "0123", "{blockId}", "none", "{noticeId}", "none").Replace(path)
	if rt.Method == "GET" && strings.HasPrefix(rt.Pattern, "/api/v1/subjects/{id}") && !strings.Contains(rt.Pattern, "consents") {
		path += "?purpose=p4.1b"
	}
	bodies := map[string]string{
		"POST /api/v1/subjects": `{"kind":"applicant","citizenship":"kz-citizen","purpose":"p4.1b","consent":{"purposes":["p4.1b"]},` +
			`"source":{"kind":"subject"},"values":{"full_name":"Матрицаев Тест Ұлы"}}`,
		"POST /api/v1/subjects/search":                                       `{"purpose":"p4.1b","category":"phone","value":"+77011234567"}`,
		"PATCH /api/v1/subjects/{id}":                                        `{"purpose":"p4.1b","source":{"kind":"staff"},"values":{"phone":"+77017654321"}}`,
		"POST /api/v1/subjects/{id}/consents":                                `{"purposes":["p4.2a"]}`,
		"POST /api/v1/subjects/{id}/consents/refusals":                       `{"purposes":["p4.2d"]}`,
		"POST /api/v1/subjects/{id}/consents/{consentId}/withdrawal-refusal": `{"reason":"order in progress"}`,
		"POST /api/v1/subjects/{id}/codes":                                   `{"channel":"email","language":"kk"}`,
		"POST /api/v1/codes/{challengeId}/verify":                            `{"code":"123456"}`,
		"POST /api/v1/staff":                                                 `{"name":"Матрицаева Әйгерім","login":"staff` + string(rune('a'+n)) + `@example.kz","role":"auditor","password":"a long enough password 42"}`,
		"PUT /api/v1/roles/{name}":                                           `{"permissions":[{"action":"read","purpose":"p4.2a","category":"*"}]}`,
		"POST /api/v1/instructions":                                          `{"texts":{"kk":{"title":"Н","body":"Б","liability":"Ж"},"ru":{"title":"И","body":"Т","liability":"О"},"en":{"title":"I","body":"B","liability":"L"}}}`,
		"POST /api/v1/appointments":                                          `{"staffId":"none","fromDate":"2026-01-01","orderRef":"Order 1"}`,
		"POST /api/v1/policy/versions":                                       `{"effective":"2099-01-01","texts":{"kk":"# С","ru":"# П","en":"# P"},"summary":{"kk":"ж","ru":"н","en":"n"}}`,
		"PUT /api/v1/subjects/{id}/consents/{consentId}/scan":                "%PDF-1.4\n",
		"POST /api/v1/subjects/{id}/life-health":                             `{"recipientId":"none","justification":"test"}`,
		"POST /api/v1/subjects/{id}/requests":                                `{"kind":"information","channel":"portal","details":"x"}`,
		"POST /api/v1/subjects/{id}/recipient-notices/{noticeId}/sent":       `{"channel":"email"}`,
		"POST /api/v1/subjects/{id}/destruction":                             `{"basis":"matrix test"}`,
		"POST /api/v1/erasures/apply":                                        `{"erasures":[]}`,
		"POST /api/v1/breaches":                                              `{"detectedAt":"2026-01-05T10:00:00Z","description":"matrix test","personal":true}`,
		"POST /api/v1/breaches/{id}/status":                                  `{"status":"closed"}`,
		"POST /api/v1/requests/{id}/status":                                  `{"status":"in-progress"}`,
		"POST /api/v1/subjects/{id}/orders":                                  `{"services":["admission"],"academicYear":"2026/2027"}`,
		"POST /api/v1/orders/{id}/status":                                    `{"status":"submitted"}`,
		"PUT /api/v1/orders/{id}/documents/{category}":                       "%PDF-1.4\n",
		"POST /api/v1/subjects/{id}/blocks":                                  `{"category":"*","reason":"matrix test"}`,
		"POST /api/v1/recipients":                                            `{"kind":"education-org","names":{"kk":"У","ru":"У","en":"U"},"country":"KZ","channel":"email"}`,
		"POST /api/v1/transfers":                                             `{"recipientId":"none","purpose":"p4.2b1","channel":"email","subjects":["x"],"categories":["full_name"],"basis":"consent"}`,
		"POST /api/v1/authority-requests":                                    `{"recipientId":"none","number":"1","date":"2026-01-01","grounds":"g","subjects":["x"],"categories":["iin"],"scanSha256":"` + strings.Repeat("a", 64) + `"}`,
		"POST /api/v1/authority-requests/{id}/decision":                      `{"approve":true}`,
		"POST /api/v1/retention/holds":                                       `{"subjectId":"` + f.subject + `","reason":"Civil case 2-1/2026"}`,
		"POST /api/v1/statistics/extracts":                                   `{"k":5}`,
		"POST /api/v1/exports":                                               `{"purpose":"p4.1b","categories":["full_name"]}`,
		"POST /api/v1/webhooks":                                              `{"url":"https://crm.example.org/hook","events":["request.opened"]}`,
	}
	return path, []byte(bodies[rt.Method+" "+rt.Pattern])
}

// covers R-ACCESS-1, R-ACCESS-2, R-AUDIT-1 (done-when: every API route as
// every role and as an anonymous caller: only the documented combinations
// pass authorisation, and every refusal is audited).
func TestAuthorisationMatrix(t *testing.T) {
	a := start(t, dbtest.SQLite)
	tokens := map[string]string{}
	sys := derbes.WithPrincipal(context.Background(), service.System("matrix"))
	for _, role := range principals[:7] {
		tok, err := a.Service.IssueToken(sys, "matrix "+role, role)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
	}
	n := 0
	for _, rt := range server.Routes(&api.API{}) {
		key := rt.Method + " " + rt.Pattern
		want, ok := allowed[key]
		if !ok {
			t.Errorf("route %s is not in the authorisation matrix", key)
			continue
		}
		for _, who := range principals {
			n++
			f := newFixture(t, a, n)
			path, body := request(rt, f, n)
			req, _ := http.NewRequest(rt.Method, a.URL()+path, bytes.NewReader(body))
			if who != "anonymous" {
				req.Header.Set("Authorization", "Bearer "+tokens[who])
			}
			if len(body) > 0 && !strings.HasPrefix(string(body), "%PDF") {
				req.Header.Set("Content-Type", "application/json")
			}
			before := a.countRows(t, "audit_log")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			refused := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
			if refused == slices.Contains(want, who) {
				t.Errorf("%s as %s: status %d, want allowed=%v", key, who, resp.StatusCode, slices.Contains(want, who))
				continue
			}
			if !refused && resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("%s as %s: status %d", key, who, resp.StatusCode)
			}
			if refused && a.countRows(t, "audit_log") <= before {
				t.Errorf("%s as %s: refusal not audited", key, who)
			}
		}
	}
}
