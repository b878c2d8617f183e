package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/store"
)

// applicantBody is a valid create request; tests spoil one part of it.
func applicantBody() map[string]any {
	return map[string]any{
		"kind": "applicant", "citizenship": "kz-citizen", "purpose": "p4.1b",
		"consent": map[string]any{"purposes": []string{"p4.1b"}},
		"source":  map[string]string{"kind": "subject"},
		"values": map[string]any{
			"full_name": "Серікқызы Айгерім Нұрланқызы", "iin": "980514301233", "phone": "+77011234567",
			"email": "aigerim@example.kz", "passport_number": "N12345678",
		},
	}
}

func withValue(k string, v any) []byte {
	b := applicantBody()
	b["values"].(map[string]any)[k] = v
	out, _ := json.Marshal(b)
	return out
}

func withField(k string, v any) []byte {
	b := applicantBody()
	b[k] = v
	out, _ := json.Marshal(b)
	return out
}

// covers N-4, R-AUDIT-1: over HTTP, every bad input gets a 4xx
// problem+json naming field and rule, writes nothing, and is audited.
func TestAPIBadInputIsRefusedAndAudited(t *testing.T) {
	cases := []struct {
		name         string
		method, path string
		body         []byte
		header       map[string]string
		status       int
		field, rule  string
	}{
		{"invalid IIN", "POST", "/api/v1/subjects", withValue("iin", "980514301234"), nil, 400, "values.iin", "iin-checksum"},
		{"invalid phone", "POST", "/api/v1/subjects", withValue("phone", "12"), nil, 400, "values.phone", "phone-format"},
		{"unknown category", "POST", "/api/v1/subjects", withValue("blood_type", "A"), nil, 400, "values.blood_type", "category-unknown"},
		{"category outside purpose", "POST", "/api/v1/subjects", withValue("income", "100 KZT"), nil, 403, "values.income", "category-outside-purpose"},
		{"purpose without basis", "POST", "/api/v1/subjects", withField("consent", map[string]any{"purposes": []string{"p4.2a"}}), nil, 403, "purpose", "no-basis"},
		{"value of wrong type", "POST", "/api/v1/subjects", withValue("iin", 980514301233), nil, 400, "values.iin", "type-string"},
		{"malformed JSON", "POST", "/api/v1/subjects", []byte(`{"kind": "applicant", "values": {`), nil, 400, "", "json-syntax"},
		{"unknown field", "POST", "/api/v1/subjects", withField("favourite", "x"), nil, 400, "favourite", "unknown-field"},
		{"trailing data", "POST", "/api/v1/subjects", append(withField("kind", "applicant"), []byte(` {}`)...), nil, 400, "", "json-trailing-data"},
		{"oversized body", "POST", "/api/v1/subjects", withValue("education", strings.Repeat("а", 1<<20)), nil, 413, "", "body-too-large"},
		{"form content type", "POST", "/api/v1/subjects", withField("kind", "applicant"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400, "", "content-type"},
		{"no token", "POST", "/api/v1/subjects", withField("kind", "applicant"), map[string]string{"Authorization": ""}, 401, "", "token-missing"},
		{"forged token", "POST", "/api/v1/subjects", withField("kind", "applicant"), map[string]string{"Authorization": "Bearer dbt_0000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, 401, "", "token-invalid"},
		{"read without purpose", "GET", "/api/v1/subjects/0123", nil, nil, 400, "purpose", "purpose-required"},
		{"search, bad IIN", "POST", "/api/v1/subjects/search", []byte(`{"purpose":"p4.1b","category":"iin","value":"98051430123x"}`), nil, 400, "value", "iin-format"},
		{"cross-origin post", "POST", "/api/v1/subjects", withField("kind", "applicant"), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403, "", "cross-origin"},
	}
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := a.countRows(t, "audit_log")
					req, _ := http.NewRequest(c.method, a.URL()+c.path, bytes.NewReader(c.body))
					req.Header.Set("Authorization", "Bearer "+a.token)
					req.Header.Set("Content-Type", "application/json")
					for k, v := range c.header {
						req.Header.Set(k, v)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					var p struct {
						Type, Title, Detail, Field, Rule, RequestID string
						Status                                      int
					}
					if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
						t.Fatal(err)
					}
					if resp.StatusCode != c.status || p.Status != c.status || p.Rule != c.rule || p.Field != c.field {
						t.Fatalf("got %d %+v, want %d field %q rule %q", resp.StatusCode, p, c.status, c.field, c.rule)
					}
					if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("content type %q", ct)
					}
					if strings.Contains(p.Detail, "980514301234") || strings.Contains(p.Detail, "Серікқызы") {
						t.Errorf("the problem echoes a personal value: %q", p.Detail)
					}
					for _, table := range []string{"subjects", "pd_values", "consent_events", "blind_index"} {
						if n := a.countRows(t, table); n != 0 {
							t.Errorf("%s has %d rows after a refusal", table, n)
						}
					}
					if c.rule == "cross-origin" {
						return // refused before derbes reads anything; nothing to audit
					}
					if n := a.countRows(t, "audit_log"); n != before+1 {
						t.Fatalf("audit entries %d → %d, want one refusal", before, n)
					}
					es, _ := a.raw.Read().AuditEntries(context.Background(), store.AuditFilter{Limit: 1})
					if e := es[0]; e.Outcome != "refused" || e.Reason != c.rule || e.RequestID != p.RequestID {
						t.Errorf("audit entry = %+v, want refusal %s of request %s", e, c.rule, p.RequestID)
					}
				})
			}
		})
	}
}

func (a *testApp) countRows(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := a.raw.Raw().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// covers R-VAULT-3, R-ACCESS-2, N-3: the happy path over HTTP.
func TestAPICreateSearchReadUpdate(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			var created struct {
				ID     string
				Values map[string]struct{ Value any }
			}
			resp, body := a.do(t, "POST", "/api/v1/subjects", withField("kind", "applicant"), &created)
			if resp.StatusCode != 201 || resp.Header.Get("Location") != "/api/v1/subjects/"+created.ID {
				t.Fatalf("create: %d %s", resp.StatusCode, body)
			}
			var found struct{ Subjects []struct{ ID string } }
			a.do(t, "POST", "/api/v1/subjects/search", map[string]string{"purpose": "p4.1b", "category": "phone", "value": "8 701 123 45 67"}, &found)
			if len(found.Subjects) != 1 || found.Subjects[0].ID != created.ID {
				t.Fatalf("search by phone: %+v", found)
			}
			var read struct {
				Values map[string]struct {
					Value  any
					Masked bool
				}
			}
			resp, body = a.do(t, "GET", "/api/v1/subjects/"+created.ID+"?purpose=p4.2a", nil, nil)
			if resp.StatusCode != 403 || !strings.Contains(string(body), "no-basis") {
				t.Fatalf("read under p4.2a without consent: %d %s", resp.StatusCode, body)
			}
			var consent struct{ ID string }
			a.do(t, "POST", "/api/v1/subjects/"+created.ID+"/consents", map[string]any{"purposes": []string{"p4.2a"}}, &consent)
			a.do(t, "GET", "/api/v1/subjects/"+created.ID+"?purpose=p4.2a", nil, &read)
			if len(read.Values) != 3 || read.Values["phone"].Value != "+77011234567" {
				t.Fatalf("read under p4.2a: %+v", read)
			}
			resp, _ = a.do(t, "PATCH", "/api/v1/subjects/"+created.ID, map[string]any{"purpose": "p4.1b",
				"source": map[string]string{"kind": "staff", "ref": "letter 12"}, "values": map[string]string{"phone": "+77017654321"}}, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("update: %d", resp.StatusCode)
			}
			var hist struct{ Versions []struct{ Value any } }
			a.do(t, "GET", "/api/v1/subjects/"+created.ID+"/values/phone/history?purpose=p4.1b", nil, &hist)
			if len(hist.Versions) != 2 || hist.Versions[1].Value != "+77017654321" {
				t.Fatalf("history: %+v", hist)
			}
			var wd struct{ RefusalDeadline time.Time }
			resp, _ = a.do(t, "POST", "/api/v1/subjects/"+created.ID+"/consents/"+consent.ID+"/withdraw", nil, &wd)
			if resp.StatusCode != 200 || wd.RefusalDeadline.IsZero() {
				t.Fatalf("withdraw: %d %+v", resp.StatusCode, wd)
			}
			resp, _ = a.do(t, "GET", "/api/v1/subjects/"+created.ID+"?purpose=p4.2a", nil, nil)
			if resp.StatusCode != 403 {
				t.Fatalf("read after withdrawal: %d", resp.StatusCode)
			}
			var rep struct {
				OK      bool
				Entries int
			}
			a.do(t, "POST", "/api/v1/audit/verify", nil, &rep)
			if !rep.OK || rep.Entries < 10 {
				t.Fatalf("verify: %+v", rep)
			}
		})
	}
}
