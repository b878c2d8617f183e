package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/mailtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// portalEnv is a running derbes that sends mail to a real (test) SMTP
// server, with one synthetic applicant who has an e-mail address, and a
// browser tab.
type portalEnv struct {
	*env
	mail      *mailtest.Server
	person    demo.Person
	subjectID string
}

// startPortal runs derbes in-process with SMTP set to a mailtest server,
// creates one applicant (a Kazakh citizen with a valid IIN and an e-mail)
// under P-4.1b with the contract consent and a separate consent to
// P-4.2b1, transfers their name and IIN to a university on that consent,
// and opens a browser.
func startPortal(t *testing.T, name string) *portalEnv {
	t.Helper()
	mt := mailtest.Start(t)
	cfg := app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator",
		OperatorBIN: app.ExampleBIN, SMTP: mt.Config()}
	e := &portalEnv{env: launch(t, name, cfg), mail: mt}
	e.seedApplicant()
	e.tab = browser(t)
	return e
}

// seedApplicant creates the applicant, their consents and one transfer.
func (e *portalEnv) seedApplicant() {
	t := e.t
	p41b := e.svc.Catalogue().Purpose("p4.1b")
	for _, p := range demo.People(77, 8) {
		if p.Citizenship == "kz-citizen" && p.Values["email"] != "" && p.Values["iin"] != "" {
			e.person = p
			break
		}
	}
	if e.person.Values == nil {
		t.Fatal("no Kazakh applicant with an e-mail among the demo people")
	}
	vals := values(e.person, p41b.Covers)
	v, err := e.svc.CreateSubject(system(), service.NewSubject{Kind: e.person.Kind, Citizenship: e.person.Citizenship, Purpose: "p4.1b",
		Consent: &service.NewConsent{Purposes: []string{"p4.1b", "p4.2a"}}, Values: vals, Source: derbes.Source{Kind: derbes.SourceSubject}})
	if err != nil {
		t.Fatal(err)
	}
	e.subjectID = v.ID
	uni, err := e.svc.CreateRecipient(system(), store.Recipient{Kind: "education-org", Country: "KZ", RegNumber: "180340021791", Channel: "email",
		Contact: "office@example.org", Names: map[string]string{"kk": "Алатау техникалық университеті", "ru": "Алатауский технический университет", "en": "Alatau Technical University"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GiveConsent(system(), v.ID, service.NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
		Recipients: []derbes.Recipient{{ID: uni.ID, Kind: "education-org", Country: "KZ"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Transfer(system(), service.TransferRequest{RecipientID: uni.ID, Purpose: "p4.2b1", Channel: "email",
		Subjects: []string{v.ID}, Categories: []string{"full_name", "iin"}, Basis: "consent"}); err != nil {
		t.Fatal(err)
	}
}

var sixDigits = regexp.MustCompile(`\b(\d{6})\b`)

// code waits for the next message to address and returns the one-time code
// in it.
func (e *portalEnv) code(address string) string {
	e.t.Helper()
	msg := e.mail.WaitFor(e.t, address, 20*time.Second)
	c := sixDigits.FindString(msg.Text)
	if c == "" {
		e.t.Fatalf("no code in the message %q", msg.Text)
	}
	return c
}

// askCode fills the address on the sign-in page and submits it.
func (e *portalEnv) askCode(address string) {
	e.t.Helper()
	e.do(chromedp.WaitVisible(chromedp.ID("f-address")), chromedp.SetValue(chromedp.ID("f-address"), address))
	e.submit("#send-code")
	e.do(chromedp.WaitVisible(chromedp.ID("f-code")))
}

// enterCode fills the code on the code page and submits it.
func (e *portalEnv) enterCode(code string) {
	e.t.Helper()
	e.do(chromedp.WaitVisible(chromedp.ID("f-code")), chromedp.SetValue(chromedp.ID("f-code"), code))
	e.submit("#code-submit")
}

// download fetches the URL of the page's link sel with the browser's
// cookies (the session cookie is HttpOnly, so they come from the browser
// through the DevTools protocol), as a download manager would.
func (e *portalEnv) download(sel string) (*http.Response, []byte) {
	e.t.Helper()
	href := run(e.env, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).href`))
	if !strings.HasPrefix(href, e.base+"/portal/") {
		e.t.Fatalf("the link %s goes to %q", sel, href)
	}
	return e.fetch(href)
}

// fetch GETs href with the browser's cookies for it.
func (e *portalEnv) fetch(href string) (*http.Response, []byte) {
	e.t.Helper()
	res := run(e.env, chromedp.Action[network.GetCookiesResult](func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{href}})
	}))
	req, _ := http.NewRequest("GET", href, nil)
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// mainText is the visible text of the page's main element.
func (e *portalEnv) mainText() string {
	e.t.Helper()
	return run(e.env, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
}

// noSidewaysScroll fails the test if the page is wider than the viewport.
func (e *portalEnv) noSidewaysScroll(what string, width int) {
	e.t.Helper()
	if w := run(e.env, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > width {
		e.t.Errorf("%s is %d px wide at %d px: it scrolls sideways", what, w, width)
	}
}

// myData is the signed-in subject's JSON download, fetched directly.
func (e *portalEnv) myData() *service.MyData {
	e.t.Helper()
	resp, body := e.fetch(e.base + "/portal/me.json")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("me.json: %d", resp.StatusCode)
	}
	var d service.MyData
	if err := json.Unmarshal(body, &d); err != nil {
		e.t.Fatal(err)
	}
	return &d
}
