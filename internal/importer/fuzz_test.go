package importer

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

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

// FuzzReadXLSX feeds untrusted bytes to the XLSX reader (an uploaded
// workbook): it never panics, and a table it returns has a header.
func FuzzReadXLSX(f *testing.F) {
	for _, s := range []string{"", "PK\x03\x04", "PK\x05\x06" + string(make([]byte, 18)), "not a zip"} {
		f.Add([]byte(s))
	}
	// A real workbook, for the fuzzer to mutate.
	wb := excelize.NewFile()
	wb.SetSheetRow("Sheet1", "A1", &[]string{"ФИО", "ИИН"})
	wb.SetSheetRow("Sheet1", "A2", &[]string{"Серікқызы Айгерім", "980514301233"})
	var b bytes.Buffer
	wb.Write(&b)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadXLSX(bytes.NewReader(data), "")
		if err == nil && len(tab.Header) == 0 {
			t.Fatal("a table without a header")
		}
	})
}
