package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/htmlkit/htmltest"
	"github.com/derbes-kz/derbes/internal/mailtest"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
	"github.com/derbes-kz/derbes/internal/portal"
	"github.com/derbes-kz/derbes/internal/server"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// derbesServer is a running derbes with a test SMTP server and two applicants.
type derbesServer struct {
	*app.App
	mail     *mailtest.Server
	subjects []subject
}

type subject struct {
	id, email, name string
}

var codePattern = regexp.MustCompile(`\b(\d{6})\b`)

func start(t *testing.T, opts ...func(*app.Config)) *derbesServer {
	t.Helper()
	mt := mailtest.Start(t)
	cfg := app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator",
		OperatorBIN: app.ExampleBIN, SMTP: mt.Config()}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	s := &derbesServer{App: a, mail: mt}
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	for _, p := range demo.People(31, 2) {
		vals := map[string]json.RawMessage{}
		for _, k := range []string{"full_name", "phone", "email"} {
			vals[k], _ = json.Marshal(p.Values[k])
		}
		v, err := a.Service.CreateSubject(sys, service.NewSubject{Kind: "applicant", Citizenship: p.Citizenship, Purpose: "p4.1b",
			Consent: &service.NewConsent{Purposes: []string{"p4.1b", "p4.2a"}}, Values: vals, Source: derbes.Source{Kind: derbes.SourceSubject}})
		if err != nil {
			t.Fatal(err)
		}
		s.subjects = append(s.subjects, subject{id: v.ID, email: p.Values["email"], name: p.Values["full_name"]})
	}
	return s
}

func client() *http.Client { return htmltest.Client() }

var (
	get  = htmltest.Get
	post = htmltest.Post
)

// signIn signs c in as subject n with the code read from the SMTP inbox.
func (s *derbesServer) signIn(t *testing.T, c *http.Client, n int) {
	t.Helper()
	resp, _ := post(t, c, s.URL()+"/portal/signin", url.Values{"address": {s.subjects[n].email}})
	if resp.Request.URL.Path != "/portal/code" {
		t.Fatalf("after the address: %d %s, want the code page", resp.StatusCode, resp.Request.URL)
	}
	msg := s.mail.WaitFor(t, s.subjects[n].email, 10*time.Second)
	code := codePattern.FindString(msg.Text)
	if code == "" {
		t.Fatalf("no code in %q", msg.Text)
	}
	resp, body := post(t, c, s.URL()+"/portal/code", url.Values{"code": {code}})
	if resp.Request.URL.Path != "/portal/me" || resp.StatusCode != http.StatusOK {
		t.Fatalf("after the code: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}
}

// checkPage asserts the strict CSP, no inline script or style, no missing
// message, and a label for each control.
func checkPage(t *testing.T, name string, resp *http.Response, body string) {
	t.Helper()
	if !htmltest.StrictCSP(resp, "script-src 'self'", "style-src 'self'") {
		t.Errorf("%s: no strict CSP: %q", name, resp.Header.Get("Content-Security-Policy"))
	}
	if htmltest.InlineStyleOrScript(body) || strings.Contains(body, "<style") ||
		regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Errorf("%s: inline style or script", name)
	}
	if m := regexp.MustCompile(`\[[a-z]+\.[a-z_.-]+\]`).FindString(body); m != "" {
		t.Errorf("%s: a missing message %s", name, m)
	}
	htmltest.Labels(t, name, body)
	for _, b := range regexp.MustCompile(`<button\b[^>]*>([^<]*)</button>`).FindAllStringSubmatch(body, -1) {
		if strings.TrimSpace(b[1]) == "" {
			t.Errorf("%s: a button without text: %s", name, b[0])
		}
	}
}

// covers R-RIGHTS-1: every portal page renders under the strict CSP, with
// no inline script or style, and labels each of its controls.
func TestPortalPagesRenderAccessibly(t *testing.T) {
	s := start(t)
	c := client()
	resp, body := get(t, c, s.URL()+"/portal")
	checkPage(t, "/portal", resp, body)
	s.signIn(t, c, 0)
	d := s.myData(t, c)
	pages := []string{"/portal/me", "/portal/requests/new", "/portal/requests/new?kind=complaint",
		"/portal/consents/" + d.Consents[0].ID + "/withdraw", "/portal/nowhere"}
	for _, p := range pages {
		resp, body := get(t, c, s.URL()+p)
		want := http.StatusOK
		if p == "/portal/nowhere" {
			want = http.StatusNotFound
		}
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", p, resp.StatusCode, want)
		}
		checkPage(t, p, resp, body)
	}
	// In each language.
	for _, l := range []string{"kk", "ru", "en"} {
		resp, body := post(t, c, s.URL()+"/portal/lang", url.Values{"lang": {l}, "next": {"/portal/me"}})
		if resp.Request.URL.Path != "/portal/me" || !strings.Contains(body, `<html lang="`+l+`">`) {
			t.Errorf("language %s: at %s", l, resp.Request.URL)
		}
		checkPage(t, "/portal/me "+l, resp, body)
	}
	// The language switch never leads off the portal.
	resp, _ = post(t, c, s.URL()+"/portal/lang", url.Values{"lang": {"en"}, "next": {"//evil.example/"}})
	if resp.Request.URL.Host != strings.TrimPrefix(s.URL(), "http://") {
		t.Errorf("redirected off the site: %s", resp.Request.URL)
	}
}

// myData downloads the JSON of the signed-in subject.
func (s *derbesServer) myData(t *testing.T, c *http.Client) *service.MyData {
	t.Helper()
	resp, body := get(t, c, s.URL()+"/portal/me.json")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("me.json: %d %v", resp.StatusCode, resp.Header)
	}
	var d service.MyData
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// covers R-RIGHTS-1: the sign-in never tells whether an address is known:
// a known and an unknown address get the same page, and a wrong code for
// either the same answer.
func TestPortalUnknownAddressSameAnswer(t *testing.T) {
	s := start(t)
	answer := func(address string) (string, string) {
		c := client()
		resp, page := post(t, c, s.URL()+"/portal/signin", url.Values{"address": {address}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal/code" {
			t.Fatalf("%s: %d %s", address, resp.StatusCode, resp.Request.URL)
		}
		resp, wrong := post(t, c, s.URL()+"/portal/code", url.Values{"code": {"000000"}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: a wrong code: %d", address, resp.StatusCode)
		}
		return page, wrong
	}
	knownPage, knownWrong := answer(s.subjects[0].email)
	unknownPage, unknownWrong := answer("nobody.here@example.kz")
	if knownPage != unknownPage {
		t.Errorf("the code page differs for a known and an unknown address:\n%s\n----\n%s", knownPage, unknownPage)
	}
	if knownWrong != unknownWrong {
		t.Errorf("a wrong code reads differently for a known and an unknown address")
	}
	if !strings.Contains(knownPage, "id=\"code-sent\"") {
		t.Error("no code-sent message")
	}
	// A malformed address is told (that says nothing about who is known).
	resp, body := post(t, client(), s.URL()+"/portal/signin", url.Values{"address": {"not an address"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-address-err"`) {
		t.Errorf("a malformed address: %d, want the error next to the field", resp.StatusCode)
	}
	// The code page without a sign-in in progress goes back to the start.
	resp, _ = get(t, client(), s.URL()+"/portal/code")
	if resp.Request.URL.Path != "/portal" {
		t.Errorf("code page without a challenge: at %s", resp.Request.URL)
	}
}

// covers R-RIGHTS-1: the 6th wrong code locks the address, even for the
// right code after it.
func TestPortalWrongCodesLock(t *testing.T) {
	s := start(t)
	c := client()
	post(t, c, s.URL()+"/portal/signin", url.Values{"address": {s.subjects[1].email}})
	code := codePattern.FindString(s.mail.WaitFor(t, s.subjects[1].email, 10*time.Second).Text)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 6; i++ {
		resp, _ := post(t, c, s.URL()+"/portal/code", url.Values{"code": {wrong}})
		want := http.StatusBadRequest
		if i == 6 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("wrong code %d: %d, want %d", i, resp.StatusCode, want)
		}
	}
	resp, _ := post(t, c, s.URL()+"/portal/code", url.Values{"code": {code}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Request.URL.Path != "/portal/code" {
		t.Fatalf("the right code after the lock: %d %s", resp.StatusCode, resp.Request.URL)
	}
}

// covers the reliability issue's abuse limits (R-RIGHTS-1 sign-in): one
// network address may ask 20 sign-in codes and enter 30 codes in ten
// minutes, whatever accounts it tries; the next is refused with its own
// message, audited, while another client (told apart through the trusted
// proxy's X-Forwarded-For) is not affected.
func TestPortalAddressLimit(t *testing.T) {
	s := start(t, func(c *app.Config) { c.TrustedProxies = "127.0.0.1" })
	from := func(addr string) *http.Client {
		c := client()
		c.Transport = forwardedFor{addr}
		return c
	}
	sweeper := from("203.0.113.7")
	for i := range 20 {
		resp, _ := post(t, sweeper, s.URL()+"/portal/signin", url.Values{"address": {fmt.Sprintf("someone%d@example.org", i)}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal/code" {
			t.Fatalf("sign-in %d from one address: %d %s", i+1, resp.StatusCode, resp.Request.URL)
		}
	}
	resp, body := post(t, sweeper, s.URL()+"/portal/signin", url.Values{"address": {s.subjects[1].email}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "сетевого адреса") && !strings.Contains(body, "желі мекенжайынан") {
		t.Fatalf("the 21st sign-in from one address: %d\n%s", resp.StatusCode, body)
	}
	// Another client signs in as usual (and, its code come, the refused
	// one has had time to send none).
	s.signIn(t, from("198.51.100.20"), 0)
	if n := len(s.mail.Inbox(s.subjects[1].email)); n != 0 {
		t.Errorf("a refused sign-in sent %d codes", n)
	}

	// Guesses: the account locks at the 6th wrong code (its own text);
	// the 31st code from the address is refused for the address.
	guesser := from("198.51.100.99")
	post(t, guesser, s.URL()+"/portal/signin", url.Values{"address": {"nobody@example.org"}})
	for i := 1; i <= 31; i++ {
		resp, body := post(t, guesser, s.URL()+"/portal/code", url.Values{"code": {"000000"}})
		addressText := strings.Contains(body, "сетевого адреса") || strings.Contains(body, "желі мекенжайынан")
		if (i <= 30) == addressText || (i > 5 && resp.StatusCode != http.StatusTooManyRequests) {
			t.Fatalf("code %d from one address: %d, address limit shown %v", i, resp.StatusCode, addressText)
		}
	}
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	entries, err := s.Service.AuditTrail(sys, store.AuditFilter{Action: "portal.begin", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, e := range entries {
		if e.Reason == "address-rate-limit" {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("%d audited address refusals of sign-in, want 1", refused)
	}
}

// forwardedFor is a transport that says, as the trusted proxy would, which
// client a request comes from.
type forwardedFor struct{ addr string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

// covers R-RIGHTS-1: a session shows its own subject only; no URL or
// form names a subject, and another subject's consent is not found.
func TestPortalSessionIsItsSubjects(t *testing.T) {
	s := start(t)
	a, b := client(), client()
	s.signIn(t, a, 0)
	s.signIn(t, b, 1)
	da, db := s.myData(t, a), s.myData(t, b)
	if da.SubjectID != s.subjects[0].id || db.SubjectID != s.subjects[1].id {
		t.Fatalf("subjectId = %s and %s, want %s and %s", da.SubjectID, db.SubjectID, s.subjects[0].id, s.subjects[1].id)
	}
	// A subject id in the query changes nothing.
	resp, body := get(t, a, s.URL()+"/portal/me.json?subject="+s.subjects[1].id+"&id="+s.subjects[1].id)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"subjectId": "`+s.subjects[0].id+`"`) {
		t.Errorf("me.json with another id in the query: %d", resp.StatusCode)
	}
	_, page := get(t, a, s.URL()+"/portal/me")
	if !strings.Contains(page, s.subjects[0].email) || strings.Contains(page, s.subjects[1].email) || strings.Contains(page, s.subjects[1].id) {
		t.Error("the page of subject 0 does not show exactly their data")
	}
	// B's consent cannot be withdrawn, or even seen, from A's session.
	other := db.Consents[0].ID
	resp, _ = get(t, a, s.URL()+"/portal/consents/"+other+"/withdraw")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("another subject's consent page: %d, want 404", resp.StatusCode)
	}
	resp, _ = post(t, a, s.URL()+"/portal/consents/"+other+"/withdraw", url.Values{})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("withdrawing another subject's consent: %d, want 404", resp.StatusCode)
	}
	if d := s.myData(t, b); !d.Consents[0].Live(time.Now()) {
		t.Error("B's consent was withdrawn from A's session")
	}
	// Without a session, or with a forged one, every page goes to sign in.
	for _, p := range []string{"/portal/me", "/portal/me.json", "/portal/me.pdf", "/portal/requests/new"} {
		resp, _ := get(t, client(), s.URL()+p)
		if resp.Request.URL.Path != "/portal" {
			t.Errorf("%s without a session: at %s", p, resp.Request.URL)
		}
		forged := client()
		u, _ := url.Parse(s.URL() + "/portal")
		forged.Jar.SetCookies(u, []*http.Cookie{{Name: "derbes_portal", Value: "forged"}})
		resp, _ = get(t, forged, s.URL()+p)
		if resp.Request.URL.Path != "/portal" {
			t.Errorf("%s with a forged session: at %s", p, resp.Request.URL)
		}
	}
	// Signing out forgets the session in the browser.
	resp, body = post(t, a, s.URL()+"/portal/signout", nil)
	if resp.Request.URL.Path != "/portal" || !strings.Contains(body, `id="flash"`) {
		t.Errorf("sign-out: at %s", resp.Request.URL)
	}
	resp, _ = get(t, a, s.URL()+"/portal/me")
	if resp.Request.URL.Path != "/portal" {
		t.Errorf("after sign-out: at %s", resp.Request.URL)
	}
}

// covers R-RIGHTS-1: the session cookie is HttpOnly, SameSite=Strict,
// limited to /portal, and Secure over TLS.
func TestPortalSessionCookie(t *testing.T) {
	s := start(t)
	for i, https := range []bool{false, true} {
		do := func(path string, form url.Values, cookies []*http.Cookie) *http.Response {
			req, _ := http.NewRequest("POST", s.URL()+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if https {
				req.Header.Set("X-Forwarded-Proto", "https")
			}
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		resp := do("/portal/signin", url.Values{"address": {s.subjects[i].email}}, nil)
		code := codePattern.FindString(s.mail.WaitFor(t, s.subjects[i].email, 10*time.Second).Text)
		resp = do("/portal/code", url.Values{"code": {code}}, resp.Cookies())
		var ck *http.Cookie
		for _, k := range resp.Cookies() {
			if k.Name == "derbes_portal" {
				ck = k
			}
		}
		switch {
		case resp.StatusCode != http.StatusSeeOther || ck == nil || ck.Value == "":
			t.Fatalf("verify: %d, cookie %v", resp.StatusCode, ck)
		case !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/portal" || ck.MaxAge != 0 || !ck.Expires.IsZero():
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/portal, a session cookie", ck)
		case ck.Secure != https:
			t.Errorf("https=%v: Secure=%v", https, ck.Secure)
		}
	}
}

// covers R-RIGHTS-2: a rectification needs the new value; once filed, the
// page shows its due date; a consent is withdrawn after a confirmation.
func TestPortalRequestAndWithdrawal(t *testing.T) {
	s := start(t)
	c := client()
	s.signIn(t, c, 0)
	resp, body := post(t, c, s.URL()+"/portal/requests/new", url.Values{"kind": {"rectification"}, "details": {"  "}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-details-err"`) || !strings.Contains(body, `id="error-summary"`) {
		t.Fatalf("a rectification without the new value: %d", resp.StatusCode)
	}
	resp, body = post(t, c, s.URL()+"/portal/requests/new", url.Values{"kind": {"rectification"}, "details": {"Телефон: +7 701 000 0000"}})
	if resp.Request.URL.Path != "/portal/me" || !strings.Contains(body, `id="flash"`) {
		t.Fatalf("after filing: %d %s", resp.StatusCode, resp.Request.URL)
	}
	d := s.myData(t, c)
	if len(d.Requests) != 1 || d.Requests[0].Kind != "rectification" || d.Requests[0].Channel != "portal" || d.Requests[0].SubjectID != s.subjects[0].id {
		t.Fatalf("requests = %+v", d.Requests)
	}
	flash := regexp.MustCompile(`id="flash">([^<]*)<`).FindStringSubmatch(body)
	if flash == nil || !strings.Contains(flash[1], "2") {
		t.Errorf("the flash does not show the due date: %q", flash)
	}
	// Withdraw the consent: a confirmation page, then the POST.
	id := d.Consents[0].ID
	resp, body = get(t, c, s.URL()+"/portal/consents/"+id+"/withdraw")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="withdraw-confirm"`) {
		t.Fatalf("confirmation page: %d", resp.StatusCode)
	}
	resp, _ = post(t, c, s.URL()+"/portal/consents/"+id+"/withdraw", url.Values{})
	if resp.Request.URL.Path != "/portal/me" {
		t.Fatalf("after withdrawing: %s", resp.Request.URL)
	}
	if d := s.myData(t, c); d.Consents[0].WithdrawnAt == nil {
		t.Error("the consent was not withdrawn")
	}
	resp, _ = get(t, c, s.URL()+"/portal/consents/"+id+"/withdraw")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a withdrawn consent's page: %d, want 404", resp.StatusCode)
	}
}

// covers R-RIGHTS-1: the PDF report in the chosen language holds the
// values with their sources, and the purposes with their periods.
func TestPortalPDF(t *testing.T) {
	s := start(t)
	c := client()
	s.signIn(t, c, 0)
	post(t, c, s.URL()+"/portal/lang", url.Values{"lang": {"ru"}, "next": {"/portal/me"}})
	resp, err := c.Get(s.URL() + "/portal/me.pdf")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("me.pdf: %d %v", resp.StatusCode, resp.Header)
	}
	// Kept for a person to look at (test-output is git-ignored).
	if err := os.MkdirAll(filepath.Join("..", "..", "test-output", "portal"), 0o755); err == nil {
		os.WriteFile(filepath.Join("..", "..", "test-output", "portal", "report-ru.pdf"), b, 0o644)
	}
	text := strings.Join(strings.Fields(pdftest.ExtractText(t, b)), " ")
	for _, want := range []string{s.subjects[0].email, s.subjects[0].name, "Персональные данные", "От вас", "Срок хранения", "1 год после", "6 месяцев после", "Министерство цифрового развития"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report has no %q:\n%s", want, text)
		}
	}
}

// covers R-RIGHTS-1, R-AUDIT-1: every page of a signed-in subject, GET or
// POST, sends a caller without a session to sign in, and the refusal is
// audited; no portal route names a subject.
func TestPortalRoutesNeedASession(t *testing.T) {
	s := start(t)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	for _, rt := range server.PortalRoutes(&portal.Portal{}) {
		if strings.Contains(rt.Pattern, "{id}") || strings.Contains(rt.Pattern, "subject") {
			t.Errorf("%s %s names a subject", rt.Method, rt.Pattern)
		}
		if rt.Access != server.PortalSubject {
			continue
		}
		path := strings.NewReplacer("{consentId}", "x", "{orderId}", "x").Replace(rt.Pattern)
		before, err := s.Service.AuditTrail(sys, store.AuditFilter{Action: "portal.session", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(rt.Method, s.URL()+path, strings.NewReader("a=b"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/portal" {
			t.Errorf("%s %s without a session: %d %s", rt.Method, rt.Pattern, resp.StatusCode, resp.Header.Get("Location"))
		}
		after, err := s.Service.AuditTrail(sys, store.AuditFilter{Action: "portal.session", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) <= len(before) {
			t.Errorf("%s %s without a session: refusal not audited", rt.Method, rt.Pattern)
		}
	}
}
