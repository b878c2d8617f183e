package catalogue

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/derbes-kz/derbes"
)

// FuzzParse checks that Parse never panics, refuses only with an EInvalid
// *derbes.Error, and that whatever it accepts passes Check and survives a
// marshal → Parse → marshal round trip unchanged. The seed corpus is in
// testdata/fuzz/FuzzParse (the default catalogue, a minimal catalogue and
// near misses); run it with
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./internal/catalogue/
//
// covers R-CAT-4, N-4
func FuzzParse(f *testing.F) {
	f.Add(DefaultJSON())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("a catalogue returned with an error")
			}
			if derbes.CodeOf(err) != derbes.EInvalid {
				t.Fatalf("error of code %s: %v", derbes.CodeOf(err), err)
			}
			return
		}
		if err := c.Check(); err != nil {
			t.Fatalf("Parse accepted a catalogue that Check refuses: %v", err)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		c2, err := Parse(b)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
		b2, err := json.Marshal(c2)
		if err != nil {
			t.Fatalf("re-marshal: %v", err)
		}
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the catalogue:\n%s\n%s", b, b2)
		}
	})
}
