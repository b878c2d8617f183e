package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/mailtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// A new applicant applies in Kazakh on a phone-sized window: verifies an
// e-mail through a real SMTP inbox, chooses admission support at a Kazakh
// and a Russian university, is asked only for what admission needs, sees
// the cross-border statement for Russia, gives the contract consent and
// P-4.2b1, uploads a passport scan, confirms by a second code; a staff
// browser session then finds the order in the queue, and on the
// applicant's page exactly the data given.
//
// covers the online-application issue's done-when; P-2.3c, P-4.1b,
// P-4.2b1, P-7.1, R-APPLY-1, R-BASIS-2
func TestApplyOnline(t *testing.T) {
	mt := mailtest.Start(t)
	e := launch(t, "apply", app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator",
		OperatorBIN: app.ExampleBIN, SMTP: mt.Config()})
	e.seedStaff()
	uni := func(country, kk, ru, en string) string {
		r, err := e.svc.CreateRecipient(system(), store.Recipient{Kind: "education-org", Country: country, Channel: "email", Contact: "office@example.org",
			Names: map[string]string{"kk": kk, "ru": ru, "en": en}})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	kzUni := uni("KZ", "Алатау техникалық университеті", "Алатауский технический университет", "Alatau Technical University")
	ruUni := uni("RU", "Волга мемлекеттік университеті", "Волжский государственный университет", "Volga State University")
	e.tab = browser(t)
	kk := i18n.KK
	address := "zhana.talapker@example.kz"
	code := func() string {
		t.Helper()
		m := sixDigits.FindString(mt.WaitFor(t, address, 20*time.Second).Text)
		if m == "" {
			t.Fatal("no code in the message")
		}
		return m
	}

	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(e.base+"/portal/apply"), chromedp.WaitVisible(chromedp.ID("f-address")))
	e.submit("#lang-kk")
	e.do(chromedp.WaitVisible(chromedp.CSS(`html[lang="kk"] #f-address`)))
	e.want("title", e.text("h1"), e.T(kk, "portal.apply.title"))
	e.shot("start-kk")
	e.do(chromedp.SetValue(chromedp.ID("f-address"), address))
	e.submit("#apply-send")
	e.do(chromedp.WaitVisible(chromedp.ID("code-sent")))
	e.do(chromedp.SetValue(chromedp.ID("f-code"), code()))
	e.submit("#apply-code-submit")
	e.do(chromedp.WaitVisible(chromedp.ID("apply-services")))
	e.want("step", e.text(`#apply-steps li[aria-current="step"]`), e.T(kk, "portal.apply.step.services"))
	e.narrowOK("services page", 390)

	// Nothing chosen: the error is at the group.
	e.submit("#apply-next")
	e.do(chromedp.WaitVisible(chromedp.ID("f-services-err")))
	e.shot("services-error")
	// The registry search: Russia only, then any country again.
	e.do(chromedp.SetValue(chromedp.ID("f-find-country"), "RU"))
	e.submit("#apply-find-button")
	e.do(chromedp.WaitVisible(chromedp.ID("apply-services")))
	if n := e.count(`input[name="institutions"]`); n != 1 || e.count("#f-institutions-"+ruUni) != 1 {
		t.Fatalf("searching Russia shows %d institutions", n)
	}
	e.shot("services-search")
	e.do(chromedp.SetValue(chromedp.ID("f-find-country"), ""))
	e.submit("#apply-find-button")
	e.do(chromedp.WaitVisible(chromedp.ID("f-institutions-" + kzUni)))
	e.do(chromedp.SetValue(chromedp.ID("f-citizenship"), "kz-citizen"),
		chromedp.Click(chromedp.ID("f-services-admission")),
		chromedp.Click(chromedp.ID("f-institutions-"+kzUni)),
		chromedp.Click(chromedp.ID("f-institutions-"+ruUni)),
		chromedp.SetValue(chromedp.ID("f-programme"), "Информатика"))
	e.shot("services")
	e.submit("#apply-next")
	e.do(chromedp.WaitVisible(chromedp.ID("apply-data")))

	// Only what admission needs (P-4.2b1's categories), never military
	// registration, income or workplace.
	names := run(e, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#apply-data [name]")].map(x => x.name)`))
	need := e.svc.ApplyCategories([]string{"admission"})
	for _, n := range names {
		key := strings.TrimPrefix(strings.TrimPrefix(n, "values."), "files.")
		if !slices.Contains(need, key) {
			t.Errorf("the form asks for %s, which admission does not need", n)
		}
	}
	for _, k := range []string{"military_registration", "income", "workplace", "position", "email"} {
		if e.count(`#apply-data [name$=".`+k+`"]`) != 0 {
			t.Errorf("the form asks for %s", k)
		}
	}
	scan := filepath.Join(t.TempDir(), "passport.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n% synthetic passport scan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.SetValue(chromedp.ID("f-values-full-name"), "Жаңабаева Талапкер Болатқызы"),
		chromedp.SetValue(chromedp.ID("f-values-iin"), "050304600010"),
		chromedp.SetValue(chromedp.ID("f-values-passport-number"), "N87654321"),
		chromedp.SetUploadFiles(chromedp.ID("f-files-identity-scan"), []string{scan}))
	e.shot("data")
	e.narrowOK("data page", 390)
	e.submit("#apply-next")
	e.do(chromedp.WaitVisible(chromedp.ID("statement")))

	// The statement names Russia as a cross-border destination.
	ru := htmlkit.CountryName(kk, "RU")
	if got := e.text("#cross-border"); !strings.Contains(got, ru) {
		t.Errorf("cross-border statement %q lacks %q", got, ru)
	}
	if got := e.text("#statement-recipients"); !strings.Contains(got, "Волга мемлекеттік университеті") {
		t.Errorf("recipients %q", got)
	}
	if run(e, chromedp.Evaluate[bool](`[...document.querySelectorAll("#apply-consent input[type=checkbox]")].some(x => x.checked)`)) {
		t.Error("a consent is ticked before the applicant ticks it")
	}
	e.shot("consent")
	e.submit("#apply-confirm") // the contract consent not ticked
	e.do(chromedp.WaitVisible(chromedp.ID("page-error")))
	e.want("contract required", e.text("#page-error"), e.T(kk, "errors.consent-required"))
	e.do(chromedp.Click(chromedp.ID("f-contract-yes")),
		chromedp.Click(chromedp.CSS(`#apply-consent input[name="optional"][value="p4.2b1"]`)))
	e.submit("#apply-confirm")
	e.do(chromedp.WaitVisible(chromedp.ID("code-sent")))
	e.do(chromedp.SetValue(chromedp.ID("f-code"), code()))
	e.shot("confirm")
	e.submit("#apply-code-submit")
	e.do(chromedp.WaitVisible(chromedp.ID("apply-done")))
	if !strings.Contains(e.text("#flash"), strings.Split(e.T(kk, "portal.apply.done", "order", ""), ":")[0]) {
		t.Errorf("done page: %q", e.text("#flash"))
	}
	e.shot("done")

	// The staff see it.
	queue, err := e.svc.OrderQueue(system(), 10)
	if err != nil || len(queue) != 1 {
		t.Fatalf("queue %v %v", queue, err)
	}
	o := queue[0]
	ks, err := e.svc.Consents(system(), o.SubjectID)
	if err != nil || len(ks) != 2 {
		t.Fatalf("consents %v %v", ks, err)
	}
	// The same browser: the staff member reads the console in English.
	e.do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(e.base+"/console/orders"), chromedp.WaitVisible(chromedp.ID("f-login")))
	e.submit("#lang-en")
	e.signIn(memberLogin, password, "")
	e.enrol()
	e.acknowledge(i18n.EN, "instructions")
	e.do(chromedp.Navigate(e.base+"/console/orders"), chromedp.WaitVisible(chromedp.ID("order-queue")))
	e.shot("staff-queue")
	e.do(chromedp.Click(chromedp.CSS(".queue-open")))
	e.do(chromedp.WaitVisible(chromedp.ID("order-" + o.ID)))
	labels := run(e, chromedp.Evaluate[[]string](`[...document.querySelectorAll("table.values th.label")].map(x => x.textContent.trim())`))
	var want []string
	for _, k := range []string{"full_name", "iin", "passport_number", "email"} {
		want = append(want, e.svc.Catalogue().Category(k).Label.In("en"))
	}
	slices.Sort(labels)
	slices.Sort(want)
	if !slices.Equal(labels, want) {
		t.Errorf("the applicant's page shows %v, want exactly %v", labels, want)
	}
	for _, l := range labels {
		if !slices.Contains(need, keyOfLabel(e.svc, l)) && l != e.svc.Catalogue().Category("email").Label.In("en") {
			t.Errorf("%s is outside what admission needs", l)
		}
	}
	e.shot("staff-subject")

	// Staff ask for the diploma; the applicant signs in to the portal on
	// the phone, sees the order's status and the question, answers, and
	// adds the document.
	e.do(chromedp.SetValue(chromedp.ID("ask-"+o.ID), "Дипломның көшірмесін қосыңызшы."))
	e.submit("#order-ask-" + o.ID)
	e.do(chromedp.WaitVisible(chromedp.ID("messages-" + o.ID)))
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(e.base+"/portal"), chromedp.WaitVisible(chromedp.ID("f-address")))
	e.submit("#lang-kk")
	e.do(chromedp.WaitVisible(chromedp.ID("f-address")), chromedp.SetValue(chromedp.ID("f-address"), address))
	e.submit("#send-code")
	e.do(chromedp.WaitVisible(chromedp.ID("f-code")), chromedp.SetValue(chromedp.ID("f-code"), code()))
	e.submit("#code-submit")
	box := "#order-" + o.ID
	e.do(chromedp.WaitVisible(chromedp.CSS(box)))
	e.want("order status in the portal", e.text(box+" .order-status"), e.T(kk, "console.orders.status.submitted"))
	if got := e.text(box + " .thread"); !strings.Contains(got, "Дипломның көшірмесін") {
		t.Errorf("the question is not shown: %q", got)
	}
	e.do(chromedp.SetValue(chromedp.ID("answer-"+o.ID), "Қазір қосамын."))
	e.submit("#answer-send-" + o.ID)
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("answered", e.text("#flash"), e.T(kk, "portal.flash.answered"))
	diploma := filepath.Join(t.TempDir(), "diploma.png")
	if err := os.WriteFile(diploma, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), 0o600); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.SetValue(chromedp.ID("doc-category-"+o.ID), "education_files"),
		chromedp.SetUploadFiles(chromedp.ID("doc-file-"+o.ID), []string{diploma}))
	e.submit("#doc-send-" + o.ID)
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("document added", e.text("#flash"), e.T(kk, "portal.flash.document_added"))
	e.narrowOK("the portal with an order", 390)
	e.shot("portal-order")
	ms, err := e.svc.OrderMessages(system(), "", o.ID)
	if err != nil || len(ms) != 2 || ms[1].Text != "Қазір қосамын." {
		t.Errorf("messages after the answer: %+v %v", ms, err)
	}
}

func keyOfLabel(svc *service.Service, label string) string {
	for _, c := range svc.Catalogue().Categories {
		if c.Label.In("en") == label {
			return c.Key
		}
	}
	return ""
}
