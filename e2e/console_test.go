package e2e

import (
	"encoding/base32"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// A new responsible person signs in, enrols the second factor, sees the
// recovery codes, acknowledges the instructions, finds a subject by IIN,
// edits a phone number (a wrong one first), switches the language, and is
// asked to acknowledge the instructions again once new ones are published.
//
// covers the staff-console issue, items 3–6
func TestConsoleJourney(t *testing.T) {
	e := start(t, "journey")
	e.do(chromedp.Navigate(e.base + "/console/subjects"))
	e.want("page after an unauthenticated visit", e.path(), "/console/signin?next=%2Fconsole%2Fsubjects")
	e.shot("signin")
	// Keyboard: the first Tab shows the skip link, the next ones reach the
	// language switcher with a visible focus ring.
	e.do(chromedp.KeyEvent(kb.Tab))
	e.want("first focus", run(e, chromedp.Evaluate[string]("document.activeElement.className")), "skip")
	e.do(chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
	e.want("focus after three tabs", run(e, chromedp.Evaluate[string]("document.activeElement.id")), "lang-kk")
	e.shot("signin-keyboard-focus")

	e.signIn(memberLogin, password, "")
	e.enrol()
	e.acknowledge(i18n.EN, "instructions")
	e.want("page after the instructions", e.path(), "/console/subjects")
	e.want("flash", e.text("#flash"), e.T(i18n.EN, "console.flash.acknowledged"))
	e.shot("subjects")

	e.searchAndOpen()
	e.editPhone()
	e.switchLanguages()
	e.republish()
	e.otherPages()
	e.withdraw()
	e.phone()
}

// enrol sets up the TOTP second factor with a code computed from the
// secret the page shows, after one wrong code.
func (e *env) enrol() {
	e.t.Helper()
	e.do(chromedp.WaitVisible(chromedp.ID("mfa-begin")))
	if !strings.HasPrefix(e.path(), "/console/mfa?next=") {
		e.t.Fatalf("after sign-in: %s, want the second-factor page", e.path())
	}
	e.shot("mfa-intro")
	e.submit("#mfa-begin")
	e.do(chromedp.WaitVisible(chromedp.ID("totp-uri")))
	if n := e.count(`img.qr[src^="data:image/png;base64,"]`); n != 1 {
		e.t.Fatalf("%d QR images, want 1", n)
	}
	u, err := url.Parse(e.text("#totp-uri"))
	if err != nil || u.Scheme != "otpauth" {
		e.t.Fatalf("the otpauth URI: %v", err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.want("secret shown for typing", strings.ReplaceAll(e.text("#totp-secret"), " ", ""), u.Query().Get("secret"))
	e.shot("mfa-qr")

	code := auth.TOTPCode(secret, time.Now())
	wrong := fmt.Sprintf("%06d", (atoi(code)+500000)%1000000)
	e.do(chromedp.SetValue(chromedp.ID("f-code"), wrong))
	e.submit("#mfa-confirm")
	e.do(chromedp.WaitVisible(chromedp.ID("f-code-err")))
	e.want("wrong code message", e.text("#f-code-err"), e.T(i18n.EN, "errors.code-wrong"))
	e.do(chromedp.WaitVisible(chromedp.ID("totp-uri")))
	e.shot("mfa-wrong-code")

	e.do(chromedp.SetValue(chromedp.ID("f-code"), auth.TOTPCode(secret, time.Now())))
	e.submit("#mfa-confirm")
	e.do(chromedp.WaitVisible(chromedp.ID("recovery-codes")))
	if n := e.count("#recovery-codes li"); n < 8 {
		e.t.Fatalf("%d recovery codes shown", n)
	}
	e.shot("recovery-codes")
	e.submit("#mfa-done")
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// acknowledge reads the instructions page in language l and acknowledges.
func (e *env) acknowledge(l i18n.Lang, step string) {
	e.t.Helper()
	e.do(chromedp.WaitVisible(chromedp.ID("acknowledge")))
	if !strings.HasPrefix(e.path(), "/console/instructions") {
		e.t.Fatalf("at %s, want the instructions", e.path())
	}
	in, err := e.svc.CurrentInstructions(system())
	if err != nil {
		e.t.Fatal(err)
	}
	e.want("instructions title", e.text("#instructions-title"), in.Texts[string(l)].Title)
	e.want("liability statement", e.text("#liability"), in.Texts[string(l)].Liability)
	e.want("must acknowledge", e.text("#must-ack"), e.T(l, "instructions.must_acknowledge"))
	e.shot(step)
	e.submit("#acknowledge")
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
}

// searchAndOpen finds the first applicant by IIN under P-4.1b and opens
// their page.
func (e *env) searchAndOpen() {
	e.t.Helper()
	p := e.people[0]
	e.do(
		chromedp.SetValue(chromedp.ID("f-purpose"), "p4.1b"),
		chromedp.SetValue(chromedp.ID("f-category"), "iin"),
		chromedp.SetValue(chromedp.ID("f-value"), p.Values["iin"]),
	)
	e.submit("#search-submit")
	e.do(chromedp.WaitVisible(chromedp.ID("results")))
	if strings.Contains(e.path(), p.Values["iin"]) {
		e.t.Fatal("the IIN is in the URL")
	}
	e.want("results", e.text("#results-title"), e.T(i18n.EN, "subjects.found", "count", 1))
	e.want("found name", e.text("a.result-link"), p.Values["full_name"])
	e.shot("search-results")
	e.submit("a.result-link")
	e.do(chromedp.WaitVisible(chromedp.ID("values")))
	e.subjectPage = e.path()
	if !strings.HasSuffix(e.subjectPage, "?purpose=p4.1b") {
		e.t.Fatalf("subject page %s, want it under p4.1b", e.subjectPage)
	}
	body := e.text("table.values")
	if !strings.Contains(body, p.Values["full_name"]) || !strings.Contains(body, p.Values["iin"]) {
		e.t.Fatalf("values table under p4.1b, which needs the IIN whole: %q", body)
	}
	e.shot("subject")

	// Under statistics (P-4.2e) the same subject shows less, the IIN masked.
	e.do(chromedp.SetValue(chromedp.ID("f-purpose"), "p4.2e"))
	e.submit("#purpose-show")
	e.do(chromedp.WaitVisible(chromedp.CSS("table.values .badge")))
	body = e.text("table.values")
	if strings.Contains(body, p.Values["full_name"]) || strings.Contains(body, p.Values["iin"]) || !strings.Contains(body, p.Values["iin"][8:]) {
		e.t.Fatalf("values table under p4.2e: want no name and the IIN masked, got %q", body)
	}
	e.shot("subject-masked")
	e.do(chromedp.SetValue(chromedp.ID("f-purpose"), "p4.1b"))
	e.submit("#purpose-show")
	e.do(chromedp.WaitVisible(chromedp.ID("f-values-phone")))
}

// editPhone records a wrong phone number (the error shows next to the
// field, the form keeps the input), then a right one (saved).
func (e *env) editPhone() {
	e.t.Helper()
	e.do(chromedp.SetValue(chromedp.ID("f-values-phone"), "+7 123"))
	e.submit("#edit-save")
	e.do(chromedp.WaitVisible(chromedp.ID("f-values-phone-err")))
	e.want("phone error", e.text("#f-values-phone-err"), e.T(i18n.EN, "errors.phone-format"))
	e.want("kept input", run(e, chromedp.Value(chromedp.ID("f-values-phone"))), "+7 123")
	if !strings.Contains(e.text("#error-summary"), e.svc.Catalogue().Category("phone").Label.EN) {
		e.t.Fatal("the error summary does not name the phone field")
	}
	e.shot("edit-phone-error")

	e.do(chromedp.SetValue(chromedp.ID("f-values-phone"), "+7 701 234 56 78"))
	e.submit("#edit-save")
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("flash", e.text("#flash"), e.T(i18n.EN, "console.flash.saved"))
	if !strings.Contains(e.text("table.values"), "+77012345678") {
		e.t.Fatal("the new phone number is not shown")
	}
	e.want("phone field", run(e, chromedp.Value(chromedp.ID("f-values-phone"))), "+77012345678")
	e.shot("edit-phone-saved")
}

// switchLanguages switches to Kazakh, then Russian: the choice is kept
// from page to page.
func (e *env) switchLanguages() {
	e.t.Helper()
	here := e.path()
	for _, l := range []i18n.Lang{i18n.KK, i18n.RU} {
		e.submit("#lang-" + string(l))
		e.do(chromedp.WaitVisible(chromedp.CSS(`html[lang="` + string(l) + `"] #values`)))
		e.want("page after switching", e.path(), here)
		for key, href := range map[string]string{"nav.subjects": "/console/subjects", "nav.audit": "/console/audit", "nav.catalogue": "/console/catalogue"} {
			e.want(string(l)+" "+key, e.text(`nav a[href="`+href+`"]`), e.T(l, key))
		}
		e.shot("subject-" + string(l))
	}
	e.do(chromedp.Navigate(e.base+"/console/catalogue"), chromedp.WaitVisible(chromedp.ID("categories")))
	e.want("remembered language", run(e, chromedp.Evaluate[string]("document.documentElement.lang")), "ru")
}

// republish publishes new instructions: the next page asks to acknowledge
// them, in Russian now.
func (e *env) republish() {
	e.t.Helper()
	texts := map[string]service.InstructionText{
		"kk": {Title: "Нұсқаулық, 2-редакция", Body: "Дербес деректерді тек қажет мақсатпен өңдеңіз.", Liability: "Бұзушылық үшін жауапты болатынымды түсінемін."},
		"ru": {Title: "Инструкция, редакция 2", Body: "Обрабатывайте персональные данные только для нужной цели.", Liability: "Я понимаю, что несу ответственность за нарушения."},
		"en": {Title: "Instructions, edition 2", Body: "Process personal data only for the purpose at hand.", Liability: "I understand that I am liable for breaches."},
	}
	if _, err := e.svc.PublishInstructions(system(), texts); err != nil {
		e.t.Fatal(err)
	}
	e.do(chromedp.Navigate(e.base + "/console/"))
	e.acknowledge(i18n.RU, "instructions-v2")
	e.want("page after acknowledging", e.path(), "/console/")
	e.want("responsible person", e.text("#responsible-name"), memberName)
	e.want("audit chain", e.text("#chain-status"), e.T(i18n.RU, "dashboard.audit_chain_ok"))
	e.shot("dashboard-ru")
}

// otherPages visits the remaining pages, in English again.
func (e *env) otherPages() {
	e.t.Helper()
	e.submit("#lang-en")
	e.do(chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #p-resp`)))
	e.do(chromedp.Navigate(e.base+"/console/audit"), chromedp.WaitVisible(chromedp.ID("audit-verify")))
	e.submit("#audit-verify")
	e.do(chromedp.WaitVisible(chromedp.ID("verify-result")))
	e.want("verify", e.text("#verify-result p"), e.T(i18n.EN, "audit.chain_verifies"))
	e.shot("audit-verified")
	for _, pg := range []struct{ path, wait, step string }{
		{"/console/staff", "staff", "staff"},
		{"/console/roles", "role-responsible-person", "roles"},
		{"/console/catalogue", "categories", "catalogue"},
		{"/console/subjects/new?purpose=p4.1b", "create-submit", "subject-new"},
		{"/console/breaches", "breach-record", "breaches"},
		{"/console/reports/control", "control-table", "control-report"},
	} {
		e.do(chromedp.Navigate(e.base+pg.path), chromedp.WaitVisible(chromedp.ID(pg.wait)))
		e.shot(pg.step)
	}
}

// withdraw withdraws the second applicant's consent, after a confirmation
// page: processing under its purposes stops at once.
func (e *env) withdraw() {
	e.t.Helper()
	p := e.people[1]
	e.do(chromedp.Navigate(e.base+"/console/subjects"), chromedp.WaitVisible(chromedp.ID("search-submit")),
		chromedp.SetValue(chromedp.ID("f-purpose"), "p4.1b"), chromedp.SetValue(chromedp.ID("f-category"), "iin"),
		chromedp.SetValue(chromedp.ID("f-value"), p.Values["iin"]))
	e.submit("#search-submit")
	e.submit("a.result-link")
	e.submit("#consents tr:last-child a.btn-danger-link") // the contract consent, given first
	e.do(chromedp.WaitVisible(chromedp.ID("withdraw-confirm")))
	e.want("warning", e.text("#withdraw-warning"), e.T(i18n.EN, "consents.confirm_withdraw"))
	e.shot("withdraw-confirm")
	e.do(chromedp.SetValue(chromedp.ID("f-reason"), "written statement of 25 November"))
	e.submit("#withdraw-confirm")
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("flash", e.text("#flash"), e.T(i18n.EN, "console.flash.withdrawn"))
	e.want("problem", e.text("#subject-problem"), e.T(i18n.EN, "errors.no-basis"))
	e.shot("withdrawn")
}

// phone shows the subject page and the dashboard at a phone's width.
func (e *env) phone() {
	e.t.Helper()
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(e.base+"/console/"),
		chromedp.WaitVisible(chromedp.ID("p-resp")))
	if w := run(e, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 390 {
		e.t.Errorf("the dashboard is %d px wide at 390 px: it scrolls sideways", w)
	}
	e.shot("dashboard-phone")
	e.do(chromedp.Navigate(e.base+e.subjectPage), chromedp.WaitVisible(chromedp.ID("values")))
	if w := run(e, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > 390 {
		e.t.Errorf("the subject page is %d px wide at 390 px: it scrolls sideways", w)
	}
	e.shot("subject-phone")
	e.do(chromedp.EmulateViewport(1280, 900))
}
