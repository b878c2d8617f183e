package app

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// covers R-OPS-5 (import from the console, with a mapping chosen on the
// page and its progress followed): the administrator uploads a CSV, maps
// its columns (the likely category is chosen for a column named like one),
// runs the import, follows the page until it ends, and downloads the
// rejected rows; another role cannot reach it; a bad file is refused at
// its field.
func TestImportFromTheConsole(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			admin := staffSession(t, a, service.RoleResponsible, 0) // the responsible person imports
			other := staffSession(t, a, service.RoleAdmissions, 1)
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			send := func(sess string, req *http.Request) (*http.Response, string) {
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
			upload := func(sess, name string, data []byte) (*http.Response, string) {
				var b bytes.Buffer
				mw := multipart.NewWriter(&b)
				fw, _ := mw.CreateFormFile("file", name)
				fw.Write(data)
				mw.Close()
				req, _ := http.NewRequest("POST", a.URL()+"/console/import", &b)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				return send(sess, req)
			}
			get := func(sess, path string) (*http.Response, string) {
				req, _ := http.NewRequest("GET", a.URL()+path, nil)
				return send(sess, req)
			}
			if resp, _ := get(other, "/console/import"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("the admissions manager reaches the import: %d", resp.StatusCode)
			}
			if resp, body := upload(admin, "x.csv", []byte("")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "cannot be read") {
				t.Errorf("an empty file: %d", resp.StatusCode)
			}
			csv := "Full name;IIN;Phone\nСерікқызы Айгерім Нұрланқызы;980514301233;+77011234567\nИванов Иван;980514301234;\n"
			resp, _ := upload(admin, "applicants.csv", []byte(csv))
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/import/") {
				t.Fatalf("upload: %d %s", resp.StatusCode, loc)
			}
			if resp, _ := get(other, loc); resp.StatusCode == http.StatusOK {
				t.Error("another member opens someone's upload")
			}
			_, page := get(admin, loc)
			if !strings.Contains(page, `id="import-mapping"`) || !regexp.MustCompile(`value="full_name" selected`).MatchString(page) {
				t.Fatalf("mapping page does not guess the name column:\n%s", page)
			}
			form := url.Values{"purpose": {"p4.1b"}, "kind": {"applicant"}, "citizenship": {"kz-citizen"}, "basis": {"legacy"},
				htmlkit.FieldID("col.0"): {"full_name"}, htmlkit.FieldID("col.1"): {"iin"}, htmlkit.FieldID("col.2"): {"phone"}}
			req, _ := http.NewRequest("POST", a.URL()+loc+"/run", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, _ := send(admin, req); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("run: %d", resp.StatusCode)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				_, page = get(admin, loc)
				if strings.Contains(page, `id="import-counts"`) || time.Now().After(deadline) {
					break
				}
				if !strings.Contains(page, `http-equiv="refresh"`) {
					t.Fatal("the running import's page does not refresh itself")
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !strings.Contains(page, "Imported: 1; already there: 0; rejected: 1.") || !strings.Contains(page, "IIN: the check digit is wrong.") {
				t.Fatalf("result page:\n%s", page)
			}
			var n int
			a.raw.Raw().QueryRow(`SELECT COUNT(*) FROM subjects WHERE legacy`).Scan(&n)
			if n != 1 {
				t.Errorf("%d legacy subjects imported, want 1", n)
			}
			_, rep := get(admin, loc+"/report.csv")
			if !strings.HasPrefix(rep, "line,column,rule,reason,Full name,IIN,Phone\n3,IIN,iin-checksum,") {
				t.Errorf("report %q", rep)
			}
		})
	}
}
