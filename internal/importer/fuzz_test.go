package importer

import "testing"

// FuzzReadCSV feeds untrusted bytes to the CSV reader: it never panics,
// and a table it returns has a header and rows whose lines increase.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"ФИО;ИИН\nА;1\n", "\xef\xbb\xbfa,b\n1,2\n", "\xd4\xc8\xce;\xc8\xc8\xcd\n\xc0;1\n", "a\t\"b\nc\"\n1\t2", "", "\n\n\n", "\"unterminated"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadCSV(data)
		if err != nil {
			return
		}
		if len(tab.Header) == 0 {
			t.Fatal("a table without a header")
		}
		last := 1
		for _, r := range tab.Rows {
			if r.Line <= last {
				t.Fatalf("line %d after %d", r.Line, last)
			}
			last = r.Line
		}
	})
}
