package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/policy"
)

// get fetches path without a token, with the given headers.
func (a *testApp) get(t *testing.T, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", a.URL()+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// covers R-OPS-2 (done-when: a public page, no login, serves the current
// policy in Kazakh, Russian and English with its version history and the
// date each took effect; a new version is published by the responsible
// person and its re-consent report lists who must be asked).
func TestPolicyPagePublic(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			if err := a.Service.EnsurePolicy(context.Background()); err != nil {
				t.Fatal(err)
			}
			seed, err := policy.Seed()
			if err != nil {
				t.Fatal(err)
			}

			resp, page := a.get(t, "/policy?lang=ru", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET /policy?lang=ru: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, want := range []string{`<html lang="ru">`, "<h1>Политика обработки персональных данных</h1>",
				"<strong>4.2</strong>", "История редакций", seed.Summary["ru"], `<time datetime="2026-01-01">`,
				"Test operator", `href="/policy?lang=kk"`, `href="/policy?lang=en"`} {
				if !strings.Contains(page, want) {
					t.Errorf("Russian page lacks %q", want)
				}
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("CSP = %q", csp)
			}
			if strings.Contains(page, "<script") || strings.Contains(page, "style=") {
				t.Error("the page carries a script or an inline style")
			}
			// Accept-Language, else Kazakh.
			if _, page := a.get(t, "/policy", map[string]string{"Accept-Language": "de-DE, en-GB;q=0.8"}); !strings.Contains(page, `<html lang="en">`) ||
				!strings.Contains(page, "<h1>Personal data processing policy</h1>") {
				t.Error("Accept-Language en did not give the English page")
			}
			if _, page := a.get(t, "/policy", nil); !strings.Contains(page, `<html lang="kk">`) || !strings.Contains(page, "Нұсқалар тарихы") {
				t.Error("the default page is not Kazakh")
			}
			if resp, css := a.get(t, policy.CSSPath, nil); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || css == "" {
				t.Errorf("GET %s: %d %s", policy.CSSPath, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if resp, _ := a.get(t, "/policy?version=9", nil); resp.StatusCode != 404 {
				t.Errorf("unknown version: %d, want 404", resp.StatusCode)
			}

			// Publishing needs a token; the responsible person's publishes.
			body := map[string]any{
				"effective": "2026-11-01",
				"texts":     map[string]string{"kk": "# Саясат, 2-нұсқа", "ru": "# Политика, редакция 2\n\n- **4.2** c. улучшение качества услуг.", "en": "# Policy, version 2"},
				"summary":   map[string]string{"kk": "4.2c мақсаты", "ru": "Добавлена цель 4.2c", "en": "Adds purpose 4.2c"},
				"adds":      map[string]any{"purposes": []string{"p4.2c"}, "categories": []string{}, "recipientKinds": []string{}},
			}
			req, _ := http.NewRequest("POST", a.URL()+"/api/v1/policy/versions", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
				t.Fatalf("publish without a token: %v %v", resp, err)
			}
			var v policy.Version
			resp, data := a.do(t, "POST", "/api/v1/policy/versions", body, &v)
			if resp.StatusCode != 201 || v.Number != 2 || resp.Header.Get("Location") != "/policy?version=2" {
				t.Fatalf("publish: %d %s", resp.StatusCode, data)
			}
			body["effective"] = "2099-01-01"
			body["summary"] = map[string]string{"kk": "болашақ", "ru": "будущая", "en": "future"}
			if resp, data := a.do(t, "POST", "/api/v1/policy/versions", body, nil); resp.StatusCode != 201 {
				t.Fatalf("publish v3: %d %s", resp.StatusCode, data)
			}
			body["effective"] = "2098-12-31"
			if resp, data := a.do(t, "POST", "/api/v1/policy/versions", body, nil); resp.StatusCode != 400 || !strings.Contains(string(data), "effective-before-previous") {
				t.Fatalf("publish before v3: %d %s", resp.StatusCode, data)
			}
			// Version 2 is in force; 3 is listed as not yet in force.
			_, page = a.get(t, "/policy?lang=ru", nil)
			for _, want := range []string{"<h1>Политика, редакция 2</h1>", "Добавлена цель 4.2c", "будущая", "ещё не вступила в силу",
				`href="/policy?lang=ru&amp;version=1"`, `<time datetime="2026-11-01">`, `<time datetime="2099-01-01">`} {
				if !strings.Contains(page, want) {
					t.Errorf("page after v2 lacks %q", want)
				}
			}
			if _, page := a.get(t, "/policy?lang=ru&version=1", nil); !strings.Contains(page, "<h1>Политика обработки персональных данных</h1>") {
				t.Error("?version=1 does not show version 1")
			}

			var pub struct {
				Current  int
				Versions []policy.Version
			}
			resp, data = a.do(t, "GET", "/api/v1/policy", nil, &pub)
			if resp.StatusCode != 200 || pub.Current != 2 || len(pub.Versions) != 3 || pub.Versions[0].Texts["kk"] != seed.Texts["kk"] ||
				strings.Contains(string(data), "publishedBy") {
				t.Errorf("GET /api/v1/policy: %d current %d, %d versions", resp.StatusCode, pub.Current, len(pub.Versions))
			}

			var rep struct {
				Version  int
				Subjects []struct{ SubjectID string }
			}
			if resp, data := a.do(t, "GET", "/api/v1/policy/versions/2/reconsent", nil, &rep); resp.StatusCode != 200 || rep.Version != 2 || rep.Subjects == nil {
				t.Errorf("reconsent report: %d %s", resp.StatusCode, data)
			}
			if resp, _ := a.do(t, "GET", "/api/v1/policy/versions/x/reconsent", nil, nil); resp.StatusCode != 400 {
				t.Errorf("reconsent report of version x: %d", resp.StatusCode)
			}
			if n := a.auditCount(t, "policy.publish", "ok"); n != 3 {
				t.Errorf("%d policy.publish entries, want 3", n)
			}
			if n := a.auditCount(t, "policy.reconsent-report", "refused"); n != 1 {
				t.Errorf("%d refused reconsent reports, want 1", n)
			}
		})
	}
}
