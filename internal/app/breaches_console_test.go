package app

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
)

// covers R-OPS-3: the incident register in the console. A bad form names
// the field and records nothing; a breach detected on a Friday evening is
// due on Monday and, that day passed, shows as overdue; statuses move
// forward only; the notice downloads as a PDF; the auditor reads the
// register but records nothing.
func TestBreachRegisterConsole(t *testing.T) {
	a := start(t, dbtest.SQLite)
	ctx := derbes.WithPrincipal(context.Background(), service.System("test"))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(sess, method, path string, form url.Values) (*http.Response, string) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, a.URL()+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.AddCookie(&http.Cookie{Name: "derbes_session", Value: sess})
		req.AddCookie(&http.Cookie{Name: "derbes_lang", Value: "en"})
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	count := func() []service.BreachView {
		list, err := a.Service.Breaches(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	resp := staffSession(t, a, service.RoleResponsible, 0)
	auditor := staffSession(t, a, service.RoleAuditor, 1)

	good := url.Values{"detectedAt": {"2026-11-20T21:30"}, "description": {"Misdirected e-mail with an applicant list"},
		"personal": {"yes"}, "categories": {"phone", "iin"}, "subjects": {"s1 s2"}, "measures": {"Recipient asked to delete"}}
	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("description", " ")
	r, page := do(resp, "POST", "/console/breaches", bad)
	if r.StatusCode != http.StatusBadRequest && r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a blank description: %d", r.StatusCode)
	}
	if !strings.Contains(page, `id="f-description-err"`) || !strings.Contains(page, "Recipient asked to delete") {
		t.Fatalf("the error is not next to the description, or the form lost what was typed:\n%s", page)
	}
	bad.Set("description", good.Get("description"))
	bad.Set("detectedAt", "2099-01-01T10:00")
	if _, page := do(resp, "POST", "/console/breaches", bad); !strings.Contains(page, `id="f-detectedAt-err"`) && !strings.Contains(page, `id="f-detectedat-err"`) {
		t.Fatalf("a detection in the future is not refused at its field:\n%s", page)
	}
	if n := len(count()); n != 0 {
		t.Fatalf("refused forms recorded %d incidents", n)
	}
	if r, _ := do(auditor, "POST", "/console/breaches", good); r.StatusCode != http.StatusForbidden || len(count()) != 0 {
		t.Fatalf("the auditor recorded an incident: %d", r.StatusCode)
	}

	if r, _ := do(resp, "POST", "/console/breaches", good); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d", r.StatusCode)
	}
	list := count()
	if len(list) != 1 || len(list[0].Subjects) != 2 || len(list[0].Categories) != 2 {
		t.Fatalf("recorded %+v", list)
	}
	b := list[0]
	if due := b.DueAt.In(time.FixedZone("KZ", 5*3600)).Format(time.DateOnly); due != "2026-11-23" {
		t.Fatalf("detected Friday 21:30, due %s, want Monday 2026-11-23", due)
	}
	_, page = do(auditor, "GET", "/console/breaches", nil)
	_, row, ok := strings.Cut(page, `id="b-`+b.ID+`"`)
	if !ok || strings.Contains(page, `id="breach-form"`) || strings.Contains(row[:min(len(row), 3000)], `name="status"`) {
		t.Fatalf("the auditor's register: row %v, or a form/button shown:\n%s", ok, page)
	}
	if b.Overdue && !strings.Contains(row[:min(len(row), 3000)], "Overdue") {
		t.Fatalf("an overdue notice is not marked:\n%s", row)
	}

	if r, _ := do(resp, "POST", "/console/breaches/"+b.ID+"/status", url.Values{"status": {"authority-notified"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("move: %d", r.StatusCode)
	}
	if r, _ := do(resp, "POST", "/console/breaches/"+b.ID+"/status", url.Values{"status": {"open"}}); r.StatusCode != http.StatusConflict {
		t.Fatalf("moving back: %d", r.StatusCode)
	}
	if st := count()[0]; st.Status != "authority-notified" || st.AuthorityNotifiedAt == nil {
		t.Fatalf("after the moves: %+v", st)
	}
	r, doc := do(auditor, "GET", "/console/breaches/"+b.ID+"/notice", nil)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(doc, "%PDF-") {
		t.Fatalf("notice: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
}
