package app

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// covers R-BASIS-4, R-BASIS-2: over HTTP, a recorded consent's printable
// form comes out in Kazakh and Russian with the subject's name and the
// operator's BIN; the signed scan attaches back to the record, checked by
// content.
func TestConsentFormAndScanOverHTTP(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			var created struct{ ID string }
			if resp, body := a.do(t, "POST", "/api/v1/subjects", withField("kind", "applicant"), &created); resp.StatusCode != 201 {
				t.Fatalf("create: %s", body)
			}
			var k struct{ ID string }
			resp, body := a.do(t, "POST", "/api/v1/subjects/"+created.ID+"/consents", map[string]any{"purposes": []string{"p4.2b1"},
				"thirdParty": true, "crossBorder": true, "countries": []string{"RU"}, "form": "document", "language": "kk",
				"recipients": []map[string]string{{"id": "edu-ru-1", "kind": "education-org", "country": "RU"}}}, &k)
			if resp.StatusCode != 201 {
				t.Fatalf("consent: %d %s", resp.StatusCode, body)
			}
			for lang, want := range map[string][]string{
				"kk": {"Серікқызы Айгерім Нұрланқызы", ExampleBIN, "Ресей"},
				"ru": {"Серікқызы Айгерім Нұрланқызы", ExampleBIN, "Росси"},
			} {
				resp, doc := a.do(t, "GET", "/api/v1/subjects/"+created.ID+"/consents/"+k.ID+"/form?lang="+lang, nil, nil)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
					t.Fatalf("form %s: %d", lang, resp.StatusCode)
				}
				text := strings.Join(strings.Fields(pdftest.ExtractText(t, doc)), " ")
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s form lacks %q", lang, w)
					}
				}
			}
			put := func(data []byte) (*http.Response, string) {
				req, _ := http.NewRequest("PUT", a.URL()+"/api/v1/subjects/"+created.ID+"/consents/"+k.ID+"/scan", bytes.NewReader(data))
				req.Header.Set("Authorization", "Bearer "+a.token)
				req.Header.Set("Content-Type", "application/octet-stream")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, string(b)
			}
			if resp, body := put([]byte("just text, named scan.pdf")); resp.StatusCode != 400 || !strings.Contains(body, "scan-type") {
				t.Errorf("a text file as scan: %d %s", resp.StatusCode, body)
			}
			scan := []byte("%PDF-1.4\n% a synthetic signed form\n")
			if resp, body := put(scan); resp.StatusCode != 201 {
				t.Fatalf("scan: %d %s", resp.StatusCode, body)
			}
			var list struct {
				Consents []struct {
					ID    string
					Terms struct{ Evidence struct{ ScanSha256 string } }
				}
			}
			a.do(t, "GET", "/api/v1/subjects/"+created.ID+"/consents", nil, &list)
			last := list.Consents[len(list.Consents)-1]
			if last.ID != k.ID || len(last.Terms.Evidence.ScanSha256) != 64 {
				t.Errorf("scan not attached: %+v", last)
			}
			if bytes.Contains(a.rawFile(t), scan[9:]) {
				t.Error("the scan is stored in plaintext")
			}
		})
	}
}

// rawFile returns the SQLite database file's bytes (empty on PostgreSQL).
func (a *testApp) rawFile(t *testing.T) []byte {
	b, _ := os.ReadFile(a.dir + "/derbes.db")
	w, _ := os.ReadFile(a.dir + "/derbes.db-wal")
	return append(b, w...)
}
