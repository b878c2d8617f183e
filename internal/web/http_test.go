package web_test

import (
	"context"
	"encoding/base32"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/htmlkit/htmltest"
	"github.com/derbes-kz/derbes/internal/service"
)

const (
	login    = "aigerim@example.kz"
	password = "қызғалдақ-gentle-river-42"
)

type server struct {
	*app.App
	subject string // a subject created under p4.1b
}

// start runs derbes on a temporary SQLite database with one responsible
// person and one applicant.
func start(t *testing.T) *server {
	t.Helper()
	cfg := app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
	a, err := app.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	if _, err := a.Service.CreateStaff(sys, service.NewStaff{Name: "Әйгерім Сәрсенова", Login: login, Role: service.RoleResponsible, Password: password}); err != nil {
		t.Fatal(err)
	}
	p := demo.People(11, 1)[0]
	vals := map[string]json.RawMessage{}
	for _, k := range []string{"full_name", "phone", "email"} {
		vals[k], _ = json.Marshal(p.Values[k])
	}
	v, err := a.Service.CreateSubject(sys, service.NewSubject{Kind: "applicant", Citizenship: p.Citizenship, Purpose: "p4.1b",
		Consent: &service.NewConsent{Purposes: []string{"p4.1b"}}, Values: vals, Source: derbes.Source{Kind: derbes.SourceSubject}})
	if err != nil {
		t.Fatal(err)
	}
	return &server{App: a, subject: v.ID}
}

func client(t *testing.T) *http.Client { return htmltest.Client() }

var (
	get  = htmltest.Get
	post = htmltest.Post
)

var uriPattern = regexp.MustCompile(`otpauth://totp/[^"<\s]+`)

// signIn signs in, enrols the second factor and acknowledges the
// instructions, as a new member does.
func signIn(t *testing.T, s *server, c *http.Client) {
	t.Helper()
	signInAs(t, s, c, login)
}

func signInAs(t *testing.T, s *server, c *http.Client, login string) {
	t.Helper()
	resp, _ := post(t, c, s.URL()+"/console/signin", url.Values{"login": {login}, "password": {password}})
	if resp.Request.URL.Path != "/console/mfa" {
		t.Fatalf("after sign-in: %s, want the second-factor page", resp.Request.URL)
	}
	_, body := post(t, c, s.URL()+"/console/mfa/begin", nil)
	uri := strings.ReplaceAll(uriPattern.FindString(body), "&amp;", "&")
	u, err := url.Parse(uri)
	if err != nil || uri == "" {
		t.Fatalf("no otpauth URI on the enrolment page: %v", err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		t.Fatal(err)
	}
	code := auth.TOTPCode(secret, time.Now())
	resp, body = post(t, c, s.URL()+"/console/mfa/confirm", url.Values{"code": {code}, "uri": {uri}})
	if resp.StatusCode != http.StatusOK || strings.Count(body, "<li><code>") < 8 {
		t.Fatalf("confirm: %d, want the recovery codes", resp.StatusCode)
	}
	resp, body = get(t, c, s.URL()+"/console/")
	if resp.Request.URL.Path != "/console/instructions" {
		t.Fatalf("after enrolment: %s, want the instructions", resp.Request.URL)
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)
	if version == nil {
		t.Fatal("no acknowledge form")
	}
	resp, _ = post(t, c, s.URL()+"/console/instructions", url.Values{"version": {version[1]}})
	if resp.Request.URL.Path != "/console/" || resp.StatusCode != http.StatusOK {
		t.Fatalf("after acknowledging: %d %s", resp.StatusCode, resp.Request.URL)
	}
}

func TestUnknownSessionGoesToSignIn(t *testing.T) {
	s := start(t)
	c := client(t)
	resp, _ := get(t, c, s.URL()+"/console/audit?action=subject.read")
	if resp.Request.URL.Path != "/console/signin" || resp.Request.URL.Query().Get("next") != "/console/audit?action=subject.read" {
		t.Fatalf("got %s", resp.Request.URL)
	}
	u, _ := url.Parse(s.URL())
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "derbes_session", Value: "forged"}})
	resp, _ = get(t, c, s.URL()+"/console/")
	if resp.Request.URL.Path != "/console/signin" {
		t.Fatalf("a forged session reached %s", resp.Request.URL)
	}
	// After sign-in the browser returns to the page it asked for, and
	// never to another site.
	resp, _ = post(t, c, s.URL()+"/console/signin", url.Values{"login": {login}, "password": {password}, "next": {"//evil.example/"}})
	if resp.Request.URL.Host != u.Host {
		t.Fatalf("redirected off the site: %s", resp.Request.URL)
	}
}

func TestSessionCookie(t *testing.T) {
	s := start(t)
	for _, https := range []bool{false, true} {
		req, _ := http.NewRequest("POST", s.URL()+"/console/signin", strings.NewReader(url.Values{"login": {login}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if https {
			req.Header.Set("X-Forwarded-Proto", "https")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var ck *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == "derbes_session" {
				ck = k
			}
		}
		switch {
		case resp.StatusCode != http.StatusSeeOther || ck == nil:
			t.Fatalf("sign-in: %d, cookie %v", resp.StatusCode, ck)
		case !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.MaxAge != 0 || !ck.Expires.IsZero():
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/, a session cookie", ck)
		case ck.Secure != https:
			t.Errorf("https=%v: Secure=%v", https, ck.Secure)
		}
	}
}

func TestWrongPasswordOneMessage(t *testing.T) {
	s := start(t)
	c := client(t)
	_, a := post(t, c, s.URL()+"/console/signin", url.Values{"login": {login}, "password": {"wrong password!!"}})
	_, b := post(t, c, s.URL()+"/console/signin", url.Values{"login": {"nobody@example.kz"}, "password": {"wrong password!!"}})
	msg := regexp.MustCompile(`id="page-error">([^<]*)<`)
	ma, mb := msg.FindStringSubmatch(a), msg.FindStringSubmatch(b)
	if ma == nil || mb == nil || ma[1] != mb[1] {
		t.Fatalf("messages differ or are missing: %q %q", ma, mb)
	}
}

// Every page renders under the strict CSP (no inline script or style) and
// labels each of its controls.
func TestPagesRenderAccessibly(t *testing.T) {
	s := start(t)
	c := client(t)
	signIn(t, s, c)
	pages := []string{"/console/", "/console/subjects", "/console/subjects/new", "/console/subjects/new?purpose=p4.1b",
		"/console/subjects/" + s.subject, "/console/subjects/" + s.subject + "?purpose=p4.1b", "/console/catalogue",
		"/console/staff", "/console/roles", "/console/roles/auditor", "/console/audit", "/console/instructions", "/console/nowhere"}
	for _, p := range pages {
		resp, body := get(t, c, s.URL()+p)
		want := http.StatusOK
		if p == "/console/nowhere" {
			want = http.StatusNotFound
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		checkAccessible(t, p, resp, body)
	}
}

// checkAccessible checks a console page: the strict CSP, no inline style
// or script, no missing message, a label for every control, and no id
// used twice.
func checkAccessible(t *testing.T, p string, resp *http.Response, body string) {
	t.Helper()
	if !htmltest.StrictCSP(resp, "script-src 'self'") {
		t.Errorf("%s: no CSP", p)
	}
	if htmltest.InlineStyleOrScript(body) || strings.Contains(body, "[console.") || strings.Contains(body, "[errors.") {
		t.Errorf("%s: inline style, script or a missing message", p)
	}
	htmltest.Labels(t, p, body)
	htmltest.UniqueIDs(t, p, body)
}
