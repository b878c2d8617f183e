package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/derbes-kz/derbes"
)

// FuzzDecode feeds untrusted request bodies to the strict JSON decoder
// every handler uses: it never panics, a refusal is a domain error naming
// a rule, and no refusal echoes the body (it may be personal data).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"kind":"applicant","values":{"iin":"980514301233"}}`, `{"kind":1}`, `{}{}`, `{"x":1}`, `[`, ``, `{"values":{"other":{"a":"b"}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/subjects", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v createSubjectBody
		err := decode(httptest.NewRecorder(), r, &v)
		if err == nil {
			return
		}
		e := derbes.AsError(err)
		if e == nil || e.Rule == "" {
			t.Fatalf("a refusal without a rule: %v", err)
		}
		// The message is one of the decoder's fixed texts (a Go type name at
		// most): nothing of the body reaches it. A containment check would
		// flag a body that happens to spell part of a fixed text.
		if !fixedDecodeMessage.MatchString(e.Message) {
			t.Fatalf("the refusal is not a fixed text: %q", e.Message)
		}
	})
}

var fixedDecodeMessage = regexp.MustCompile(`^(the body is not well-formed JSON|the body holds more than one JSON value|` +
	`the field is not part of this request|the body does not match the request schema|the request body is larger than 1 MiB|` +
	`the request body could not be read|the field has the wrong JSON type \(expected [\w.\[\]*]+\))$`)

// FuzzAuditQuery feeds untrusted query strings to the audit listing's
// parser: it never panics, and whatever it accepts is a bounded listing.
func FuzzAuditQuery(f *testing.F) {
	for _, s := range []string{"limit=10", "before=5&limit=1000", "limit=0", "limit=99999999999999999999", "before=-1", "subject=%zz", "action=subject.read&outcome=ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := auditFilter(q)
		if err != nil {
			if derbes.AsError(err) == nil {
				t.Fatalf("not a domain error: %v", err)
			}
			return
		}
		if fl.Limit < 1 || fl.Limit > 1000 || fl.BeforeSeq < 0 {
			t.Fatalf("an unbounded listing accepted: %+v", fl)
		}
	})
}
