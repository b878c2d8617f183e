package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// txWorld is what the transfer journey sets up through the service: two
// universities in the registry, and the applicant's consent to P-4.2b1
// for Kazakh educational organisations only.
type txWorld struct {
	subject, kz, ru string
}

func (e *env) txSetUp() txWorld {
	e.t.Helper()
	add := func(country string, names map[string]string) string {
		r, err := e.svc.CreateRecipient(system(), store.Recipient{Kind: "education-org", Country: country, Names: names,
			Channel: "email", Contact: "admissions office"})
		if err != nil {
			e.t.Fatal(err)
		}
		return r.ID
	}
	w := txWorld{
		kz: add("KZ", map[string]string{"kk": "Әл-Фараби атындағы Қазақ ұлттық университеті", "ru": "Казахский национальный университет имени аль-Фараби",
			"en": "Al-Farabi Kazakh National University"}),
		ru: add("RU", map[string]string{"kk": "Ломоносов атындағы Мәскеу мемлекеттік университеті", "ru": "Московский государственный университет имени М. В. Ломоносова",
			"en": "Lomonosov Moscow State University"}),
	}
	found, err := e.svc.Search(system(), "p4.1b", "iin", e.people[0].Values["iin"])
	if err != nil || len(found) != 1 {
		e.t.Fatalf("the applicant: %v %v", found, err)
	}
	w.subject = found[0].ID
	if _, err := e.svc.GiveConsent(system(), w.subject, service.NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
		Recipients: []derbes.Recipient{{Kind: "education-org", Country: "KZ"}}}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.OpenRequest(system(), w.subject, service.NewRequest{Kind: "information", Channel: "email",
		IdentityCheck: "e-mail from the address on file, answered the control questions", Details: "Which of my data did you send to universities?"}); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// txSignIn signs the responsible person in for the first time (second
// factor, instructions), asking for page first: the console comes back
// to it.
func (e *env) txSignIn(page string) {
	e.t.Helper()
	e.do(chromedp.Navigate(page))
	e.signIn(memberLogin, password, "")
	e.enrol()
	e.acknowledge(i18n.EN, "instructions")
}

// narrowOK fails the test when the page scrolls sideways at width.
func (e *env) narrowOK(what string, width int) {
	e.t.Helper()
	if w := run(e, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > width {
		e.shot("failure")
		e.t.Errorf("%s is %d px wide at %d px: it scrolls sideways", what, w, width)
	}
}

// The responsible person creates an order for a synthetic applicant with
// a Kazakh and a Russian university, moves it on, adds a document, and
// prepares a transfer to the Russian university: derbes refuses it, the
// page saying why (the consent covers Kazakh institutions only, no
// cross-border transfer). The transfer to the Kazakh university goes
// ahead, and the register on the applicant's page shows it.
//
// covers the transfers issue's done-when; R-APPLY-1, R-TRANSFER-1..4
func TestTransferJourney(t *testing.T) {
	e := start(t, "transfers")
	w := e.txSetUp()
	subjectPage := e.base + "/console/subjects/" + w.subject + "?purpose=p4.1b"
	e.txSignIn(subjectPage)

	// 1. A new order: two services, the two universities.
	e.do(chromedp.WaitVisible(chromedp.ID("new-order")))
	e.want("no orders yet", e.text("#orders ~ .empty"), e.T(i18n.EN, "console.orders.empty"))
	e.do(
		chromedp.Click(chromedp.ID("f-services-admission")),
		chromedp.Click(chromedp.ID("f-services-visa-invitation")),
		chromedp.SetValue(chromedp.ID("f-programme"), "Computer science, bachelor"),
	)
	// A multiple select: the test picks both universities as a user does
	// with Ctrl-click.
	run(e, chromedp.Evaluate[bool](`[...document.querySelectorAll("#f-institutions option")].forEach(o => o.selected = true); true`))
	if n := e.count("#f-institutions option:checked"); n != 2 {
		t.Fatalf("%d institutions chosen", n)
	}
	e.shot("order-form")
	e.submit("#order-create")
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("flash", e.text("#flash"), e.T(i18n.EN, "console.orders.flash.created"))
	orders, err := e.svc.Orders(system(), w.subject)
	if err != nil || len(orders) != 1 {
		t.Fatalf("orders: %v %v", orders, err)
	}
	o := orders[0]
	box := "#order-" + o.ID
	e.want("status", e.text(box+" .order-status"), e.T(i18n.EN, "console.orders.status.draft"))
	inst := e.text(box + " .order-institutions")
	if !strings.Contains(inst, "Al-Farabi Kazakh National University — Kazakhstan") || !strings.Contains(inst, "Lomonosov Moscow State University — Russia") {
		t.Fatalf("institutions shown: %q", inst)
	}
	e.shot("order-created")

	// 2. The order moves on; a diploma scan is added.
	e.do(chromedp.SetValue(chromedp.ID("f-status-"+o.ID), "submitted"))
	e.submit("#order-move-" + o.ID)
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("status after the move", e.text(box+" .order-status"), e.T(i18n.EN, "console.orders.status.submitted"))
	if h := e.text(box + " .history"); !strings.Contains(h, memberName) || !strings.Contains(h, e.T(i18n.EN, "console.orders.status.submitted")) {
		t.Fatalf("history %q: want the move and who made it", h)
	}
	scan := filepath.Join(t.TempDir(), "diploma.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n% synthetic diploma scan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.SetValue(chromedp.ID("f-category-"+o.ID), "education_files"),
		chromedp.SetUploadFiles(chromedp.ID("f-document-"+o.ID), []string{scan}))
	e.submit("#order-upload-" + o.ID)
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("flash", e.text("#flash"), e.T(i18n.EN, "console.orders.flash.document"))
	e.shot("order-moved")

	// 3. A transfer to the Russian university, from the order: refused.
	e.submit("#order-transfer-" + o.ID)
	e.do(chromedp.WaitVisible(chromedp.ID("transfer-form")))
	if strings.Contains(e.text("#f-channel"), "elephone") {
		t.Fatal("the telephone channel is offered")
	}
	e.do(
		chromedp.SetValue(chromedp.ID("f-recipientId"), w.ru),
		chromedp.SetValue(chromedp.ID("f-channel"), "portal-upload"),
		chromedp.Click(chromedp.ID("f-categories-full_name")),
		chromedp.Click(chromedp.ID("f-categories-iin")),
		chromedp.Click(chromedp.ID("f-categories-citizenship")),
	)
	e.shot("transfer-form")
	e.submit("#transfer-submit")
	e.do(chromedp.WaitVisible(chromedp.ID("refusal")))
	e.want("refusal title", e.text("#refusal .alert-title"), e.T(i18n.EN, "errors.transfer-refused"))
	e.want("refusal reason", e.text("#refusal-items li"), "Russia: "+e.T(i18n.EN, "errors.consent-cross-border"))
	e.want("recipient kept", run(e, chromedp.Value(chromedp.ID("f-recipientId"))), w.ru)
	if got, _ := e.svc.ReceivedBy(system(), w.subject, ""); len(got) != 0 {
		t.Fatalf("the refused transfer left %d register rows", len(got))
	}
	e.shot("transfer-refused")

	// At a phone's width the refusal and the form fit.
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	e.narrowOK("the refused transfer", 390)
	e.shot("transfer-refused-phone")
	e.do(chromedp.EmulateViewport(1280, 900))

	// 4. The same data to the Kazakh university: sent and registered.
	e.do(chromedp.SetValue(chromedp.ID("f-recipientId"), w.kz))
	e.submit("#transfer-submit")
	e.do(chromedp.WaitVisible(chromedp.ID("transfer-entry")))
	e.want("flash", e.text("#flash"), e.T(i18n.EN, "console.transfers.flash.sent"))
	e.want("recipient", e.text("#done-recipient"), "Al-Farabi Kazakh National University")
	if n := e.count("#transfer-items tbody tr"); n != 3 {
		t.Fatalf("%d items sent, want 3", n)
	}
	href := run(e, chromedp.Evaluate[string](`document.getElementById("package-download").getAttribute("href")`))
	if !strings.HasPrefix(href, "/console/transfers/") || !strings.HasSuffix(href, "/package") {
		t.Fatalf("package link %q", href)
	}
	e.shot("transfer-done")

	// 5. The register on the applicant's page.
	e.submit("#transfer-back")
	e.do(chromedp.WaitVisible(chromedp.ID("register")))
	reg := e.text("#register tbody")
	if strings.Count(reg, "Al-Farabi Kazakh National University") != 3 || strings.Contains(reg, "Lomonosov") ||
		!strings.Contains(reg, e.T(i18n.EN, "console.transfers.basis.consent")) {
		t.Fatalf("register: %q", reg)
	}
	e.shot("register")
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	e.narrowOK("the subject's page", 390)
	e.shot("register-phone")
	e.do(chromedp.EmulateViewport(1280, 900))

	// 6. The other pages of the issue: requests, recipients, transfers.
	e.do(chromedp.Navigate(e.base+"/console/requests"), chromedp.WaitVisible(chromedp.CSS(".request")))
	if !strings.Contains(e.text(".request .request-due"), " ") {
		t.Fatal("no due date")
	}
	e.do(chromedp.SetValue(chromedp.CSS(`.request select`), "in-progress"))
	e.submit(".request button")
	e.do(chromedp.WaitVisible(chromedp.ID("flash")))
	e.want("request status", e.text(".request .badge"), e.T(i18n.EN, "console.requests.status.in-progress"))
	e.shot("requests")
	e.do(chromedp.Navigate(e.base+"/console/recipients"), chromedp.WaitVisible(chromedp.ID("recipients")))
	e.shot("recipients")
	e.do(chromedp.Navigate(e.base+"/console/transfers"), chromedp.WaitVisible(chromedp.ID("authority")))
	e.shot("transfers")
	e.do(chromedp.Navigate(e.base+"/console/orders"), chromedp.WaitVisible(chromedp.ID("orders-search")))
	e.shot("orders")
	e.do(chromedp.Navigate(e.base+"/console/"), chromedp.WaitVisible(chromedp.ID("open-requests")))
	e.want("open requests", e.text("#open-requests"), "1")
	e.shot("dashboard")

	// In Kazakh and Russian, the refusal names the country in that language.
	for _, l := range []i18n.Lang{i18n.KK, i18n.RU} {
		e.submit("#lang-" + string(l))
		e.do(chromedp.Navigate(e.base+"/console/subjects/"+w.subject+"/transfer?purpose=p4.2b1&from=p4.1b"),
			chromedp.WaitVisible(chromedp.ID("transfer-form")),
			chromedp.SetValue(chromedp.ID("f-recipientId"), w.ru),
			chromedp.Click(chromedp.ID("f-categories-full_name")))
		e.submit("#transfer-submit")
		e.do(chromedp.WaitVisible(chromedp.ID("refusal")))
		country := map[i18n.Lang]string{i18n.KK: "Ресей", i18n.RU: "Россия"}[l]
		e.want(string(l)+" refusal", e.text("#refusal-items li"), country+": "+e.T(l, "errors.consent-cross-border"))
		e.shot("transfer-refused-" + string(l))
	}
}
