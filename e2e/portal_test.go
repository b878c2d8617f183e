package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
	"github.com/derbes-kz/derbes/internal/service"
)

// A subject signs in to the portal in Kazakh with the code read from the
// SMTP inbox, sees their values with sources and dates, the purposes with
// their periods and the transfer of their data, downloads the JSON and the
// PDF, files a rectification that a staff member then closes, withdraws a
// consent after a confirmation, and signs out; the pages are looked at on
// a phone (390×844) and a desktop (1280×900).
//
// covers R-RIGHTS-1, R-RIGHTS-2 (the subject-portal issue)
func TestPortalJourney(t *testing.T) {
	e := startPortal(t, "portal")
	kk := i18n.KK
	email := e.person.Values["email"]
	e.do(chromedp.Navigate(e.base+"/portal"), chromedp.WaitVisible(chromedp.ID("f-address")))
	// The browser prefers English; the subject switches to Kazakh.
	e.submit("#lang-kk")
	e.do(chromedp.WaitVisible(chromedp.ID("f-address")))
	e.want("page language", run(e.env, chromedp.Evaluate[string]("document.documentElement.lang")), "kk")
	e.want("title", e.text("h1"), e.T(kk, "portal.signin.title"))
	e.shot("signin")

	e.askCode(email)
	e.want("code page message", e.text("#code-sent"), e.T(kk, "portal.code.sent_email"))
	e.shot("code")
	e.enterCode(e.code(email))
	e.waitLocation(e.base + "/portal/me")
	e.do(chromedp.WaitVisible(chromedp.ID("values-table")))

	// Every value with its source and date (P-6.2.1b).
	for _, cat := range []string{"full_name", "iin", "email", "phone"} {
		row := `#values-table tr[data-category="` + cat + `"]`
		if got := e.text(row + " td.value"); cat != "iin" && got != e.person.Values[cat] {
			t.Errorf("%s shown as %q, want %q", cat, got, e.person.Values[cat])
		}
		e.want(cat+" source", e.text(row+" td.source"), e.T(kk, "portal.source.subject"))
		if e.text(row+" td.date") == "" {
			t.Errorf("%s has no date", cat)
		}
	}
	// The purposes with their processing and storage periods (P-6.2.1c).
	year := e.T(kk, "portal.period.years", "count", 1)
	e.want("storage of p4.1b", e.text(`#purposes-table tr[data-purpose="p4.1b"] td.storage`), e.T(kk, "portal.from.order-closed", "period", year))
	e.want("processing of p4.1b", e.text(`#purposes-table tr[data-purpose="p4.1b"] td.processing`), e.T(kk, "portal.processing.open"))
	// The transfer: recipient in Kazakh, the categories, the basis.
	if tr := e.text("#transfers-table"); !strings.Contains(tr, "Алатау техникалық университеті") || !strings.Contains(tr, "ЖСН") {
		t.Errorf("transfers: %q", tr)
	}
	e.shot("me")

	// The JSON download is the session subject's.
	resp, body := e.download("#download-json")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("JSON download: %d %v", resp.StatusCode, resp.Header)
	}
	var d service.MyData
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d.SubjectID != e.subjectID || len(d.Values) == 0 || len(d.Purposes) == 0 || len(d.Transfers) != 2 {
		t.Fatalf("JSON: subject %s (want %s), %d values, %d purposes, %d transfer items", d.SubjectID, e.subjectID, len(d.Values), len(d.Purposes), len(d.Transfers))
	}
	// The PDF report, in Kazakh, holds the values.
	resp, body = e.download("#download-pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("PDF download: %d %v", resp.StatusCode, resp.Header)
	}
	text := strings.Join(strings.Fields(pdftest.ExtractText(t, body)), " ")
	for _, want := range []string{email, e.person.Values["phone"], e.T(kk, "portal.pdf.title"), e.T(kk, "portal.source.subject"), "Алатау техникалық"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF has no %q:\n%s", want, text)
		}
	}

	// A rectification: the kind, the new value; the page shows the due date.
	e.submit("#new-request")
	e.do(chromedp.WaitVisible(chromedp.ID("f-kind")), chromedp.SetValue(chromedp.ID("f-kind"), "rectification"))
	e.submit("#request-submit") // without the new value first
	e.do(chromedp.WaitVisible(chromedp.ID("f-details-err")))
	e.want("error next to the details", e.text("#f-details-err"), e.T(kk, "portal.new.details_rectification"))
	e.shot("request-error")
	e.do(chromedp.SetValue(chromedp.ID("f-details"), "Телефон нөмірім өзгерді, жаңасы: +7 701 555 0101"))
	e.submit("#request-submit")
	e.waitLocation(e.base + "/portal/me")
	d = *e.myData()
	if len(d.Requests) != 1 || d.Requests[0].Kind != "rectification" || d.Requests[0].Status != "open" {
		t.Fatalf("requests: %+v", d.Requests)
	}
	req := d.Requests[0]
	e.want("flash", e.text("#flash"), e.T(kk, "portal.request_sent", "date", i18n.FormatDate(kk, req.DueAt)))
	e.want("status", e.text("#request-"+req.ID+" .status"), e.T(kk, "portal.status.open"))
	e.shot("request-sent")

	// A staff member handles it; the portal shows it done, with the reply.
	if err := e.svc.UpdateRequest(system(), req.ID, "done", "", "Телефон нөміріңіз түзетілді."); err != nil {
		t.Fatal(err)
	}
	e.do(chromedp.Navigate(e.base+"/portal/me"), chromedp.WaitVisible(chromedp.ID("requests-table")))
	e.want("status after handling", e.text("#request-"+req.ID+" .status"), e.T(kk, "portal.status.done"))
	if got := e.text("#request-" + req.ID + " .response"); !strings.Contains(got, "Телефон нөміріңіз түзетілді.") {
		t.Errorf("reply shown as %q", got)
	}
	e.do(chromedp.Navigate(e.base + "/portal/me#requests"))
	e.shot("request-done")

	// Withdraw the consent to P-4.2b1, after a confirmation page.
	i := slices.IndexFunc(d.Consents, func(k derbes.Consent) bool { return slices.Contains(k.Purposes, "p4.2b1") })
	if i < 0 {
		t.Fatal("no consent to p4.2b1")
	}
	id := d.Consents[i].ID
	e.do(chromedp.Navigate(e.base + "/portal/me#consents"))
	e.submit("#withdraw-" + id)
	e.do(chromedp.WaitVisible(chromedp.ID("withdraw-confirm")))
	e.want("confirmation page", e.path(), "/portal/consents/"+id+"/withdraw")
	e.shot("withdraw")
	e.submit("#withdraw-confirm")
	e.waitLocation(e.base + "/portal/me")
	e.want("flash after withdrawing", e.text("#flash"), e.T(kk, "portal.flash.withdrawn"))
	if n := e.count("#withdraw-" + id); n != 0 {
		t.Error("the withdrawn consent still offers a withdraw button")
	}
	if d := e.myData(); d.Consents[i].WithdrawnAt == nil {
		t.Error("the consent was not withdrawn")
	}

	// On a phone: no sideways scrolling, tables stacked.
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(e.base+"/portal/me"),
		chromedp.WaitVisible(chromedp.ID("values-table")))
	e.noSidewaysScroll("the data page", 390)
	if d := run(e.env, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#values-table td.value")).display`)); d != "block" {
		t.Errorf("on a phone the values table does not stack (display %q)", d)
	}
	e.shot("me-phone")
	e.do(chromedp.Navigate(e.base+"/portal/requests/new"), chromedp.WaitVisible(chromedp.ID("f-kind")))
	e.noSidewaysScroll("the request page", 390)
	e.shot("request-new-phone")

	// Sign out: the data page is no longer reachable.
	e.submit("#signout")
	e.waitLocation(e.base + "/portal")
	e.want("flash after signing out", e.text("#flash"), e.T(kk, "portal.signin.signed_out"))
	e.noSidewaysScroll("the sign-in page", 390)
	e.shot("signout-phone")
	e.do(chromedp.Navigate(e.base + "/portal/me"))
	e.waitLocation(e.base + "/portal")
	e.want("after signing out", e.path(), "/portal")
	e.do(chromedp.EmulateViewport(1280, 900))
}

// The 6th wrong code locks further attempts for the address: the page
// says so, and neither the right code nor a new code helps.
//
// covers R-RIGHTS-1 (rate limit of the one-time code)
func TestPortalWrongCodesLockTheAddress(t *testing.T) {
	e := startPortal(t, "portal-lock")
	email := e.person.Values["email"]
	e.do(chromedp.Navigate(e.base+"/portal"), chromedp.WaitVisible(chromedp.ID("f-address")))
	e.askCode(email)
	code := e.code(email)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	locked := e.T(i18n.EN, "portal.code.locked", "count", int(service.CodeFailWindow.Minutes()))
	for i := 1; i <= service.CodeMaxFailures; i++ {
		e.enterCode(wrong)
		if i < service.CodeMaxFailures {
			e.want("wrong code message", e.text("#f-code-err"), e.T(i18n.EN, "errors.code-wrong"))
		} else {
			e.want("locked message", e.text("#page-error"), locked)
		}
	}
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	e.shot("locked-phone")
	e.do(chromedp.EmulateViewport(1280, 900))
	e.enterCode(code)
	e.want("the right code after the lock", e.text("#page-error"), locked)
	e.want("still at", e.path(), "/portal/code")
	// A new code to the same address is locked too.
	e.do(chromedp.Navigate(e.base + "/portal"))
	e.askCode(email)
	e.enterCode(e.code(email))
	e.want("a new code after the lock", e.text("#page-error"), locked)
	e.shot("locked")
}

// An unknown address gets the very page a known one gets, and a wrong code
// the same answer; nothing is sent to it.
//
// covers R-RIGHTS-1 (no account enumeration)
func TestPortalUnknownAddressSamePage(t *testing.T) {
	e := startPortal(t, "portal-unknown")
	e.do(chromedp.Navigate(e.base+"/portal"), chromedp.WaitVisible(chromedp.ID("f-address")))
	e.askCode(e.person.Values["email"])
	known := e.mainText()
	e.shot("known")
	e.enterCode("000000")
	knownWrong := e.mainText()

	e.do(chromedp.Navigate(e.base+"/portal"), chromedp.WaitVisible(chromedp.ID("f-address")))
	e.askCode("nobody.known@example.kz")
	unknown := e.mainText()
	e.shot("unknown")
	e.enterCode("000000")
	unknownWrong := e.mainText()
	if known != unknown {
		t.Errorf("the code page differs:\nknown:   %q\nunknown: %q", known, unknown)
	}
	if knownWrong != unknownWrong {
		t.Errorf("a wrong code reads differently:\nknown:   %q\nunknown: %q", knownWrong, unknownWrong)
	}
	if !strings.Contains(known, e.T(i18n.EN, "portal.code.sent_email")) {
		t.Errorf("the code page does not say a code may have been sent: %q", known)
	}
	if n := len(e.mail.Inbox("nobody.known@example.kz")); n != 0 {
		t.Errorf("%d messages sent to an unknown address", n)
	}
	e.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(e.base+"/portal/code"),
		chromedp.WaitVisible(chromedp.ID("f-code")))
	e.noSidewaysScroll("the code page", 390)
	e.shot("code-phone")
}
