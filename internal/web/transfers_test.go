package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// registry is the recipients the transfer tests use.
type registry struct {
	kz, ru, court string
}

func sys() context.Context {
	return derbes.WithPrincipal(context.Background(), service.System("test"))
}

// setUpTransfers adds a Kazakh and a Russian university and a court to the
// registry, and gives the subject consent to P-4.2b1 for Kazakh
// educational organisations only.
func setUpTransfers(t *testing.T, s *server) registry {
	t.Helper()
	add := func(kind, country, en string) string {
		r, err := s.Service.CreateRecipient(sys(), store.Recipient{Kind: kind, Country: country, Channel: "email",
			Names: map[string]string{"kk": en + " (kk)", "ru": en + " (ru)", "en": en}})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	g := registry{kz: add("education-org", "KZ", "Al-Farabi Kazakh National University"),
		ru:    add("education-org", "RU", "Lomonosov Moscow State University"),
		court: add("court", "KZ", "Almaty City Court")}
	if _, err := s.Service.GiveConsent(sys(), s.subject, service.NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
		Recipients: []derbes.Recipient{{Kind: "education-org", Country: "KZ"}}}); err != nil {
		t.Fatal(err)
	}
	return g
}

// english signs in and switches the console to English.
func english(t *testing.T, s *server, c *http.Client) {
	t.Helper()
	signIn(t, s, c)
	if resp, _ := post(t, c, s.URL()+"/console/lang", url.Values{"lang": {"en"}, "next": {"/console/"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("switch to English: %d", resp.StatusCode)
	}
}

func noRedirect(c *http.Client) *http.Client {
	return &http.Client{Jar: c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var en, _ = i18n.Default()

func msg(key string, args ...any) string { return html.EscapeString(en.T(i18n.EN, key, args...)) }

// The pages of orders, transfers, recipients and requests render under
// the strict CSP and label every control.
//
// covers R-APPLY-1, R-TRANSFER-1..4, R-RIGHTS-2 (console pages)
func TestTransferPagesRenderAccessibly(t *testing.T) {
	s := start(t)
	g := setUpTransfers(t, s)
	o, err := s.Service.CreateOrder(sys(), s.subject, service.NewOrder{Services: []string{"admission"}, Institutions: []string{g.kz, g.ru}, AcademicYear: "2026/2027"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.OpenRequest(sys(), s.subject, service.NewRequest{Kind: "information", Channel: "portal", Details: "What do you hold?"}); err != nil {
		t.Fatal(err)
	}
	res, err := s.Service.Transfer(sys(), service.TransferRequest{RecipientID: g.kz, Purpose: "p4.2b1", Channel: "email",
		Subjects: []string{s.subject}, Categories: []string{"full_name"}, Basis: "consent"})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t)
	english(t, s, c)
	subj := "/console/subjects/" + s.subject
	for _, p := range []string{"/console/orders", "/console/recipients", "/console/transfers", "/console/requests",
		subj + "?purpose=p4.1b", subj + "/transfer", subj + "/transfer?purpose=p4.2b1&from=p4.1b",
		subj + "/transfer?purpose=p4.2b1&order=" + o.ID, subj + "/transfer?purpose=p5.1", subj + "/transfer?purpose=p5.2",
		subj + "/transfers/" + res.Transfer.ID + "?from=p4.1b", "/console/transfers?registered=00ff"} {
		resp, body := get(t, c, s.URL()+p)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		checkAccessible(t, p, resp, body)
		if strings.Contains(body, `value="telephone"`) {
			t.Errorf("%s offers the telephone channel", p)
		}
	}
	// The nav shows the pages that were "coming", now live.
	_, body := get(t, c, s.URL()+"/console/")
	for _, href := range []string{"/console/orders", "/console/transfers", "/console/requests", "/console/recipients"} {
		if !strings.Contains(body, `href="`+href+`"`) {
			t.Errorf("the navigation has no %s", href)
		}
	}
	// The subject's page lists the order with its institutions and the
	// register with the transfer.
	_, body = get(t, c, s.URL()+subj+"?purpose=p4.1b")
	for _, want := range []string{"Lomonosov Moscow State University — Russia", "Al-Farabi Kazakh National University — Kazakhstan",
		msg("console.orders.status.draft"), `id="register"`, `value="submitted"`, `accept=".pdf,.jpg,.jpeg,.png"`} {
		if !strings.Contains(body, want) {
			t.Errorf("subject page: no %q", want)
		}
	}
	if strings.Contains(body, `<option value="draft"`) {
		t.Error("the status move offers the current status")
	}
}

// An order is created from the subject's page (its errors next to its
// fields), moved on, and given a document.
//
// covers R-APPLY-1
func TestOrderForms(t *testing.T) {
	s := start(t)
	g := setUpTransfers(t, s)
	c := client(t)
	english(t, s, c)
	subj := s.URL() + "/console/subjects/" + s.subject
	resp, body := post(t, c, subj+"/orders", url.Values{"institutions": {g.kz}, "academicYear": {"2026-27"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-services-err"`) {
		t.Fatalf("an order without services: %d, want the error next to the services", resp.StatusCode)
	}
	checkAccessible(t, "order error", resp, body)
	resp, body = post(t, c, subj+"/orders", url.Values{"services": {"admission"}, "institutions": {g.kz}, "academicYear": {"2026-27"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-academicYear-err"`) || !strings.Contains(body, msg("errors.academic-year")) {
		t.Fatalf("a wrong academic year: %d, want the error next to its field", resp.StatusCode)
	}
	if !strings.Contains(body, `<option value="`+g.kz+`" selected>`) {
		t.Error("the chosen institution is not kept")
	}
	resp, body = post(t, c, subj+"/orders", url.Values{"services": {"admission", "visa-invitation"}, "institutions": {g.kz, g.ru},
		"academicYear": {"2026/2027"}, "programme": {"Computer science"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, msg("console.orders.flash.created")) {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	orders, err := s.Service.Orders(sys(), s.subject)
	if err != nil || len(orders) != 1 {
		t.Fatalf("orders: %v %v", orders, err)
	}
	o := orders[0]
	resp, body = post(t, c, subj+"/orders/"+o.ID+"/status", url.Values{"status": {"draft"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="f-status-`+o.ID+`-err"`) {
		t.Fatalf("moving backwards: %d, want the error next to the order's status", resp.StatusCode)
	}
	resp, body = post(t, c, subj+"/orders/"+o.ID+"/status", url.Values{"status": {"submitted"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, msg("console.orders.status.submitted")) {
		t.Fatalf("move: %d", resp.StatusCode)
	}
	// Another subject's order cannot be moved through this subject's page.
	resp, _ = post(t, c, subj+"/orders/nope/status", url.Values{"status": {"closed"}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown order: %d", resp.StatusCode)
	}

	upload := func(category string, data []byte) (*http.Response, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("category", category)
		fw, _ := mw.CreateFormFile("document", "diploma.pdf")
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", subj+"/orders/"+o.ID+"/documents", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body = upload("education_files", []byte("not a pdf"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-document-`+o.ID+`-err"`) {
		t.Fatalf("a file that is not a PDF: %d", resp.StatusCode)
	}
	resp, body = upload("education_files", []byte("%PDF-1.4\n%synthetic diploma\n"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, msg("console.orders.flash.document")) {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
}

var (
	refusalPattern = regexp.MustCompile(`(?s)<ul id="refusal-items">(.*?)</ul>`)
	transferLoc    = regexp.MustCompile(`/console/subjects/[0-9a-f]+/transfers/([0-9a-f]+)`)
)

// A transfer to a Russian university under a consent for Kazakh ones is
// refused with the reason; one to the Kazakh university goes ahead, shows
// the register's entry, and its package downloads.
//
// covers R-TRANSFER-2, R-TRANSFER-3, R-TRANSFER-4
func TestTransferForm(t *testing.T) {
	s := start(t)
	g := setUpTransfers(t, s)
	c := client(t)
	english(t, s, c)
	subj := s.URL() + "/console/subjects/" + s.subject
	form := func(recipient, channel string) url.Values {
		return url.Values{"purpose": {"p4.2b1"}, "from": {"p4.1b"}, "recipientId": {recipient}, "channel": {channel},
			"basis": {"consent"}, "categories": {"full_name", "email"}}
	}
	resp, body := post(t, c, subj+"/transfer", form(g.kz, "telephone"))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-channel-err"`) || !strings.Contains(body, msg("errors.channel-telephone")) {
		t.Fatalf("telephone: %d, want the refusal next to the channel", resp.StatusCode)
	}
	resp, body = post(t, c, subj+"/transfer", form(g.ru, "email"))
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("to Russia: %d, want 403", resp.StatusCode)
	}
	checkAccessible(t, "refusal", resp, body)
	items := refusalPattern.FindStringSubmatch(body)
	want := "<li>Russia: " + msg("errors.consent-cross-border") + "</li>"
	if items == nil || !strings.Contains(items[1], want) {
		t.Fatalf("refusal items %q, want %q", items, want)
	}
	if !strings.Contains(body, `<option value="`+g.ru+`" selected>`) || !strings.Contains(body, `<option value="email" selected>`) {
		t.Error("the refused form is not kept as it was sent")
	}
	if got, _ := s.Service.ReceivedBy(sys(), s.subject, ""); len(got) != 0 {
		t.Fatalf("a refused transfer left %d register rows", len(got))
	}

	nc := noRedirect(c)
	resp, _ = post(t, nc, subj+"/transfer", form(g.kz, "email"))
	m := transferLoc.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("to Kazakhstan: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body = get(t, c, s.URL()+resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Al-Farabi Kazakh National University") ||
		!strings.Contains(body, `href="/console/transfers/`+m[1]+`/package"`) || !strings.Contains(body, msg("console.transfers.flash.sent")) {
		t.Fatalf("the transfer's page: %d", resp.StatusCode)
	}
	_, body = get(t, c, subj+"?purpose=p4.1b")
	reg := regexp.MustCompile(`(?s)<table class="cards" id="register">(.*?)</table>`).FindStringSubmatch(body)
	if reg == nil || strings.Count(reg[1], "<tr>") != 3 || !strings.Contains(reg[1], "Al-Farabi") || strings.Contains(reg[1], "Lomonosov") {
		t.Fatalf("the register on the subject's page: %q", reg)
	}

	resp, body = get(t, c, s.URL()+"/console/transfers/"+m[1]+"/package")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("package: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil || len(zr.File) != 3 {
		t.Fatalf("package: %v", err)
	}
	resp, _ = get(t, c, s.URL()+"/console/transfers/nope/package")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown package: %d", resp.StatusCode)
	}
}

// P-5.2: a motivated request is registered with its scan, approved by the
// responsible person, and then the basis of a transfer to the court.
//
// covers R-TRANSFER-2 (motivated requests)
func TestAuthorityRequestForms(t *testing.T) {
	s := start(t)
	g := setUpTransfers(t, s)
	c := client(t)
	english(t, s, c)
	register := func(fields map[string][]string, scan []byte) (*http.Response, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, vs := range fields {
			for _, v := range vs {
				mw.WriteField(k, v)
			}
		}
		if scan != nil {
			fw, _ := mw.CreateFormFile("scan", "request.pdf")
			fw.Write(scan)
		}
		mw.Close()
		req, _ := http.NewRequest("POST", s.URL()+"/console/authority-requests", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := noRedirect(c).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	fields := map[string][]string{"recipientId": {g.court}, "number": {"2-1234/2026"}, "date": {"2026-11-20"},
		"grounds": {"Civil Procedure Code, Art. 73"}, "subjects": {s.subject}, "categories": {"full_name", "iin"}}
	resp, body := register(fields, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-scan-err"`) {
		t.Fatalf("without the scan: %d", resp.StatusCode)
	}
	checkAccessible(t, "authority error", resp, body)
	resp, _ = register(fields, []byte("%PDF-1.4\n%synthetic request\n"))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	id := ""
	if loc != nil {
		id = loc.Query().Get("registered")
	}
	if resp.StatusCode != http.StatusSeeOther || id == "" {
		t.Fatalf("register: %d %v", resp.StatusCode, loc)
	}
	_, body = get(t, c, s.URL()+"/console/transfers?registered="+id)
	if !strings.Contains(body, `<code id="registered-id">`+id+`</code>`) {
		t.Error("the registered request's id is not shown")
	}
	transfer := url.Values{"purpose": {"p5.2"}, "recipientId": {g.court}, "channel": {"hand-delivery"}, "basis": {"authority-request"},
		"basisRef": {id}, "categories": {"full_name"}}
	resp, body = post(t, c, s.URL()+"/console/subjects/"+s.subject+"/transfer", transfer)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, msg("errors.request-not-approved")) {
		t.Fatalf("before approval: %d", resp.StatusCode)
	}
	resp, body = post(t, c, s.URL()+"/console/authority-requests/decision", url.Values{"id": {id}, "decision": {"approve"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, msg("console.authority.flash.approved")) {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	resp, body = post(t, c, s.URL()+"/console/authority-requests/decision", url.Values{"id": {id}, "decision": {"reject"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="f-id-err"`) {
		t.Fatalf("deciding twice: %d", resp.StatusCode)
	}
	resp, body = post(t, c, s.URL()+"/console/subjects/"+s.subject+"/transfer", transfer)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Almaty City Court") {
		t.Fatalf("after approval: %d", resp.StatusCode)
	}
}

// The recipient registry's form shows its errors next to the fields.
//
// covers R-TRANSFER-1
func TestRecipientForm(t *testing.T) {
	s := start(t)
	c := client(t)
	english(t, s, c)
	resp, body := post(t, c, s.URL()+"/console/recipients", url.Values{"kind": {"insurer"}, "names.kk": {"Сақтандыру"}, "names.en": {"Insurer"},
		"country": {"KZ"}, "channel": {"email"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-names-ru-err"`) {
		t.Fatalf("without a Russian name: %d", resp.StatusCode)
	}
	checkAccessible(t, "recipient error", resp, body)
	resp, body = post(t, c, s.URL()+"/console/recipients", url.Values{"kind": {"insurer"}, "names.kk": {"Сақтандыру"}, "names.ru": {"Страховщик"},
		"names.en": {"Synthetic Insurer"}, "country": {"DE"}, "channel": {"courier"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Synthetic Insurer") || !strings.Contains(body, "Germany") {
		t.Fatalf("create: %d", resp.StatusCode)
	}
}

// The requests queue: closing a request needs a response; with one it
// leaves the queue.
//
// covers R-RIGHTS-2, R-RIGHTS-3 (console queue)
func TestRequestQueue(t *testing.T) {
	s := start(t)
	rq, err := s.Service.OpenRequest(sys(), s.subject, service.NewRequest{Kind: "rectification", Channel: "paper",
		IdentityCheck: "ID card seen by staff", Details: "My phone number changed."})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t)
	english(t, s, c)
	_, body := get(t, c, s.URL()+"/console/requests")
	if !strings.Contains(body, `id="req-`+rq.ID+`"`) || !strings.Contains(body, i18n.FormatDate(i18n.EN, rq.DueAt)) {
		t.Fatal("the request or its due date is not in the queue")
	}
	resp, body := post(t, c, s.URL()+"/console/requests/"+rq.ID, url.Values{"status": {"done"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-response-`+rq.ID+`-err"`) {
		t.Fatalf("closing without a response: %d", resp.StatusCode)
	}
	resp, body = post(t, c, s.URL()+"/console/requests/"+rq.ID, url.Values{"status": {"in-progress"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, msg("console.requests.status.in-progress")) {
		t.Fatalf("in progress: %d", resp.StatusCode)
	}
	resp, body = post(t, c, s.URL()+"/console/requests/"+rq.ID, url.Values{"status": {"done"}, "response": {"Corrected on 25 November."}})
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `id="req-`+rq.ID+`"`) {
		t.Fatalf("done: %d, want it gone from the queue", resp.StatusCode)
	}
}

// P-5.1: a threat to life or health is documented first; its record is
// then the basis of a transfer to the police, without consent.
//
// covers R-TRANSFER-2 (threat to life or health)
func TestLifeHealthForm(t *testing.T) {
	s := start(t)
	police, err := s.Service.CreateRecipient(sys(), store.Recipient{Kind: "police", Country: "KZ", Channel: "hand-delivery",
		Names: map[string]string{"kk": "Полиция", "ru": "Полиция", "en": "Almaty Police Department"}})
	if err != nil {
		t.Fatal(err)
	}
	c := client(t)
	english(t, s, c)
	subj := s.URL() + "/console/subjects/" + s.subject
	resp, body := post(t, c, subj+"/life-health", url.Values{"recipientId": {police.ID}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="f-lh-justification-err"`) {
		t.Fatalf("without a justification: %d", resp.StatusCode)
	}
	resp, _ = post(t, noRedirect(c), subj+"/life-health", url.Values{"recipientId": {police.ID}, "justification": {"Missing since 20 November; the family reported it."}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Query().Get("record") == "" {
		t.Fatalf("record: %d %v", resp.StatusCode, loc)
	}
	_, body = get(t, c, s.URL()+loc.String())
	record := loc.Query().Get("record")
	if !strings.Contains(body, `value="`+record+`"`) || !strings.Contains(body, `<option value="`+police.ID+`" selected>`) {
		t.Fatal("the transfer form is not filled with the record and the recipient")
	}
	resp, body = post(t, c, subj+"/transfer", url.Values{"purpose": {"p5.1"}, "recipientId": {police.ID}, "channel": {"hand-delivery"},
		"basis": {"life-health"}, "basisRef": {record}, "categories": {"full_name", "phone"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Almaty Police Department") || !strings.Contains(body, msg("console.transfers.basis.life-health")) {
		t.Fatalf("transfer: %d", resp.StatusCode)
	}
}
