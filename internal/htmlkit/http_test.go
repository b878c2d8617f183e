package htmlkit

import (
	"net/http/httptest"
	"testing"
)

// A download's name cannot break out of its quoted header value, and
// documents holding personal data are never cached.
func TestDownload(t *testing.T) {
	w := httptest.NewRecorder()
	if err := Download(w, "application/pdf", "a\"; filename=evil.exe\r\nX: y/../b.pdf", []byte("%PDF-1")); err != nil {
		t.Fatal(err)
	}
	h := w.Result().Header
	if got := h.Get("Content-Disposition"); got != `attachment; filename="afilenameevil.exeXy..b.pdf"` {
		t.Errorf("Content-Disposition %q", got)
	}
	if h.Get("Cache-Control") != "no-store" || h.Get("Content-Length") != "6" || h.Get("Content-Type") != "application/pdf" || w.Body.String() != "%PDF-1" {
		t.Errorf("headers %v body %q", h, w.Body.String())
	}
}
