package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/client"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// The staff member the tests sign in as, and their synthetic password.
const (
	memberName  = "Әйгерім Сәрсенова"
	memberLogin = "aigerim.sarsenova@example.kz"
	password    = "қызғалдақ-gentle-river-42"
	stepTimeout = 45 * time.Second
)

// shotDir is where screenshots go: test-output/e2e at the repository root
// (git-ignored).
var shotDir = filepath.Join("..", "test-output", "e2e")

// env is a running derbes with its data, and a browser tab.
type env struct {
	t           *testing.T
	app         *app.App
	svc         *service.Service
	base        string
	staffID     string
	people      []demo.Person // the applicants created, all Kazakh citizens
	subjectPage string        // the first applicant's page, once found
	msgs        *i18n.Catalog
	tab         context.Context
	logs        *syncBuffer
	name        string // prefix of the screenshot files
	shots       int
	rareID      string // the statistics test's rare applicant
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs derbes in-process on 127.0.0.1:0 with a temporary SQLite
// database, one responsible person (appointed) and a few applicants, and
// opens a browser.
func start(t *testing.T, name string) *env {
	t.Helper()
	e := launch(t, name, app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN})
	e.seed()
	e.tab = browser(t)
	return e
}

// launch runs derbes in-process with cfg, its log kept and shown when the
// test fails; the caller seeds its data and opens the browser.
func launch(t *testing.T, name string, cfg app.Config) *env {
	t.Helper()
	logs := &syncBuffer{}
	a, err := app.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Shutdown(context.Background())
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	msgs, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, app: a, svc: a.Service, base: a.URL(), msgs: msgs, logs: logs, name: name}
}

// values are the JSON values of p that covers admits ("other" is already
// JSON).
func values(p demo.Person, covers func(string) bool) map[string]json.RawMessage {
	vals := map[string]json.RawMessage{}
	for k, v := range p.Values {
		if !covers(k) {
			continue
		}
		if k == "other" {
			vals[k] = json.RawMessage(v)
		} else {
			vals[k], _ = json.Marshal(v)
		}
	}
	return vals
}

// system is a context acting as derbes itself, for setting up data.
func system() context.Context {
	return derbes.WithPrincipal(context.Background(), service.System("e2e"))
}

// seed creates the responsible person and three synthetic applicants under
// P-4.1b, with the contract consent to P-4.1b, P-4.2a and P-4.2e.
func (e *env) seed() {
	e.seedStaff()
	// The applicants arrive as a website form sends them: through the Go
	// client over HTTP, with an integration token.
	tok, err := e.svc.IssueToken(system(), "e2e website form", service.RoleIntegration)
	if err != nil {
		e.t.Fatal(err)
	}
	form := client.New(e.base, tok, nil)
	p41b := e.svc.Catalogue().Purpose("p4.1b")
	for _, p := range demo.People(2026, 12) {
		if p.Citizenship != "kz-citizen" || len(e.people) == 3 {
			continue
		}
		vals := map[string]any{}
		for k, raw := range values(p, p41b.Covers) {
			var v any
			json.Unmarshal(raw, &v)
			vals[k] = v
		}
		v, err := form.CreateSubject(context.Background(), client.NewSubject{Kind: p.Kind, Citizenship: p.Citizenship, Purpose: "p4.1b",
			Consent: &client.Consent{Purposes: []string{"p4.1b", "p4.2a"}}, Values: vals, Source: client.Source{Kind: "subject"}})
		if err != nil {
			e.t.Fatal(err)
		}
		// The statistics opt-in (P-4.2e) is recorded by staff from the signed form.
		if _, err := e.svc.GiveConsent(system(), v.ID, service.NewConsent{Purposes: []string{"p4.2e"}}); err != nil {
			e.t.Fatal(err)
		}
		e.people = append(e.people, p)
	}
}

// seedStaff creates the responsible person, appointed.
func (e *env) seedStaff() {
	st, err := e.svc.CreateStaff(system(), service.NewStaff{Name: memberName, Login: memberLogin, Role: service.RoleResponsible, Password: password})
	if err != nil {
		e.t.Fatal(err)
	}
	e.staffID = st.ID
	if err := e.svc.Appoint(system(), st.ID, "2026-01-05", "№ 7-П"); err != nil {
		e.t.Fatal(err)
	}
}

// browser starts a headless Chromium (the Debian binary) with a fresh
// profile, at 1280×900.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(dbtest.Chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil { // starts the browser
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// do runs browser steps with a timeout; on failure it saves a screenshot.
func (e *env) do(steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.tab, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		e.shot("failure")
		loc, _ := chromedp.Run(e.tab, chromedp.Location())
		e.t.Fatalf("browser step failed at %s: %v", loc, err)
	}
}

// run runs one browser action that returns a value.
func run[T any](e *env, a chromedp.Action[T]) T {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.tab, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		e.shot("failure")
		e.t.Fatalf("browser read failed: %v", err)
	}
	return v
}

// submit clicks the element matching the CSS selector (a submit button or
// a link) and waits for the page it leads to.
func (e *env) submit(sel string) {
	e.t.Helper()
	run(e, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
}

// waitLocation waits until the browser is at a URL starting with prefix,
// across navigations (during which the page cannot be asked).
func (e *env) waitLocation(prefix string) {
	e.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		loc, err := chromedp.Run(e.tab, chromedp.Location())
		if err == nil && strings.HasPrefix(loc, prefix) {
			return
		}
		if time.Now().After(deadline) {
			e.shot("failure")
			e.t.Fatalf("the browser is at %s (%v), want %s…", loc, err, prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// poll waits until the JavaScript expression is true in the page.
func (e *env) poll(expr string) {
	e.t.Helper()
	run(e, chromedp.Poll[bool](expr))
}

// text is the visible text of the first element matching the CSS selector.
func (e *env) text(sel string) string {
	e.t.Helper()
	return strings.TrimSpace(run(e, chromedp.Text(chromedp.CSS(sel))))
}

// count is the number of elements matching the CSS selector.
func (e *env) count(sel string) int {
	e.t.Helper()
	return run(e, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// path is the current URL's path and query, without the fragment.
func (e *env) path() string {
	e.t.Helper()
	loc, _, _ := strings.Cut(run(e, chromedp.Location()), "#")
	return strings.TrimPrefix(loc, e.base)
}

// shot saves a full-page screenshot as test-output/e2e/<test>-NN-<step>.png.
func (e *env) shot(step string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.tab, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		e.t.Errorf("screenshot %s: %v", step, err)
		return
	}
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		e.t.Fatal(err)
	}
	e.shots++
	file := filepath.Join(shotDir, fmt.Sprintf("%s-%02d-%s.png", e.name, e.shots, step))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// T is a message of the console in language l.
func (e *env) T(l i18n.Lang, key string, args ...any) string { return e.msgs.T(l, key, args...) }

// want fails the test unless got equals want.
func (e *env) want(what, got, want string) {
	e.t.Helper()
	if got != want {
		e.shot("failure")
		e.t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// signIn fills the sign-in form and submits it.
func (e *env) signIn(login, pw, code string) {
	e.t.Helper()
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.WaitVisible(chromedp.ID("f-login")),
		chromedp.SetValue(chromedp.ID("f-login"), login),
		chromedp.SetValue(chromedp.ID("f-password"), pw),
	}
	// chromedp's SetValue cannot set "" (it reads the value back and
	// fails): an empty code is left as the page has it, empty.
	if code != "" {
		steps = append(steps, chromedp.SetValue(chromedp.ID("f-code"), code))
	}
	e.do(steps...)
	e.submit("#signin-submit")
}
