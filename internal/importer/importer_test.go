package importer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

var header = []string{"ФИО", "ИИН", "Паспорт", "Телефон", "Образование"}

const mappingJSON = `{"purpose": "p4.1b", "kind": "applicant", "citizenship": "kz-citizen",
  "columns": {"ФИО": "full_name", "ИИН": "iin", "Паспорт": "passport_number", "Телефон": "phone", "Образование": "education"}}`

// rows are n good synthetic applicants and three bad rows (a wrong IIN
// check digit at line 3, a malformed phone, a name with digits), in file order.
func rows(n int) ([][]string, []int) {
	var out [][]string
	var bad []int
	for i, p := range demo.People(11, n) {
		if p.Citizenship != "kz-citizen" {
			continue
		}
		out = append(out, []string{p.Values["full_name"], p.Values["iin"], p.Values["passport_number"], p.Values["phone"], p.Values["education"]})
		switch i {
		case 1:
			iin := []byte(out[len(out)-1][1])
			iin[11] = '0' + (iin[11]-'0'+1)%10
			out[len(out)-1][1] = string(iin)
			bad = append(bad, len(out)+1)
		case 4:
			out[len(out)-1][3] = "+7 12"
			bad = append(bad, len(out)+1)
		case 7:
			out[len(out)-1][0] = "Иванов 2 Иван"
			bad = append(bad, len(out)+1)
		}
	}
	return out, bad
}

func csvBytes(t *testing.T, recs [][]string, cp1251 bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.Write(header)
	w.WriteAll(recs)
	if !cp1251 {
		return b.Bytes()
	}
	// Windows-1251 has no Kazakh letters: files kept in it write them
	// with their Russian look-alikes.
	ru := strings.NewReplacer("Ә", "А", "ә", "а", "Ғ", "Г", "ғ", "г", "Қ", "К", "қ", "к", "Ң", "Н", "ң", "н", "Ө", "О", "ө", "о",
		"Ұ", "У", "ұ", "у", "Ү", "У", "ү", "у", "Һ", "Х", "һ", "х", "І", "И", "і", "и")
	enc, err := charmap.Windows1251.NewEncoder().Bytes([]byte(ru.Replace(b.String())))
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

func newService(t testing.TB, engine string) (*service.Service, *store.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbtest.URL(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	master, _ := vault.NewLocalMaster(key)
	cat, _ := catalogue.Default()
	svc, err := service.New(ctx, db, master, cat, service.Options{Operator: service.Operator{Name: "Test", BIN: "180340021791", Location: "KZ"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return svc, db
}

func count(t testing.TB, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Raw().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// covers R-OPS-5, R-BASIS-5 (done-when: a CSV in Windows-1251 and an XLSX
// with good and bad rows: good rows land, bad rows are reported with line
// and reason, nothing half-written; an import killed midway and run again
// ends with each applicant exactly once), on both engines.
func TestImport(t *testing.T) {
	recs, bad := rows(40)
	m, err := ParseMapping([]byte(mappingJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range dbtest.Engines() {
		t.Run(engine+"/csv-windows-1251", func(t *testing.T) {
			svc, db := newService(t, engine)
			data := csvBytes(t, recs, true)
			if bytes.Contains(data, []byte("ИИН")) {
				t.Fatal("the test file is not in Windows-1251")
			}
			tab, err := ReadCSV(data)
			if err != nil || tab.Header[1] != "ИИН" || len(tab.Rows) != len(recs) {
				t.Fatalf("read: %v %v", tab, err)
			}
			// Killed midway: the context ends after ten rows.
			ctx, cancel := context.WithCancel(derbes.WithPrincipal(context.Background(), service.System("import")))
			res, err := Run(ctx, svc, tab, m, Options{Workers: 4, Lang: i18n.RU, Progress: func(done int) {
				if done == 10 {
					cancel()
				}
			}})
			if err == nil || res.Imported+res.Rejected+res.Existing >= len(recs) {
				t.Fatalf("the interrupted run: %+v %v", res, err)
			}
			// Run again to the end: each applicant once.
			ctx = derbes.WithPrincipal(context.Background(), service.System("import"))
			res2, err := Run(ctx, svc, tab, m, Options{Workers: 4, Lang: i18n.RU})
			if err != nil {
				t.Fatal(err)
			}
			good := len(recs) - len(bad)
			if n := count(t, db, `SELECT COUNT(*) FROM subjects`); n != good {
				t.Errorf("%d subjects, want %d (each good row once)", n, good)
			}
			if res2.Imported+res2.Existing != good || res2.Existing != res.Imported || res2.Rejected != len(bad) {
				t.Errorf("second run %+v after %+v", res2, res)
			}
			var lines []int
			for _, r := range res2.Rejections {
				lines = append(lines, r.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(bad) {
				t.Errorf("rejected lines %v, want %v", lines, bad)
			}
			first := res2.Rejections[0]
			if first.Column != "ИИН" || first.Rule != "iin-checksum" || !strings.Contains(first.Message, "ИИН") {
				t.Errorf("first rejection %+v", first)
			}
			if res2.Rejections[1].Column != "Телефон" || res2.Rejections[2].Column != "ФИО" {
				t.Errorf("rejections %+v", res2.Rejections)
			}
			// Nothing half-written: every subject has all its values and its
			// audit entry; none without values.
			if n := count(t, db, `SELECT COUNT(*) FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM pd_values v WHERE v.subject_id = s.id)`); n != 0 {
				t.Errorf("%d subjects without values", n)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'subject.create' AND outcome = 'ok'`); n != good {
				t.Errorf("%d create entries, want %d", n, good)
			}
			// Without a consent in the mapping the data is legacy (R-BASIS-5).
			if n := count(t, db, `SELECT COUNT(*) FROM subjects WHERE legacy`); n != good {
				t.Errorf("%d legacy subjects, want %d", n, good)
			}
			// The report is a file that can be fixed and imported again.
			var rep bytes.Buffer
			if err := WriteReport(&rep, tab.Header, res2.Rejections); err != nil {
				t.Fatal(err)
			}
			back, err := ReadCSV(rep.Bytes())
			if err != nil || len(back.Rows) != len(bad) || back.Header[4] != "ФИО" || back.Rows[0].Cell(0) != fmt.Sprint(bad[0]) {
				t.Errorf("report %q: %v", rep.String(), err)
			}
		})
		t.Run(engine+"/xlsx", func(t *testing.T) {
			svc, db := newService(t, engine)
			f := excelize.NewFile()
			f.SetSheetRow("Sheet1", "A1", &header)
			for i, r := range recs {
				row := r
				f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+2), &row)
			}
			var b bytes.Buffer
			if err := f.Write(&b); err != nil {
				t.Fatal(err)
			}
			tab, err := ReadXLSX(&b, "")
			if err != nil || len(tab.Rows) != len(recs) {
				t.Fatalf("read: %v", err)
			}
			res, err := Run(derbes.WithPrincipal(context.Background(), service.System("import")), svc, tab, m, Options{Lang: i18n.KK})
			if err != nil || res.Imported != len(recs)-len(bad) || res.Rejected != len(bad) {
				t.Fatalf("xlsx import %+v %v", res, err)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM subjects`); n != res.Imported {
				t.Errorf("%d subjects, want %d", n, res.Imported)
			}
		})
	}
}

// covers R-OPS-5: bad files and mappings are refused before anything is
// written, naming what is wrong.
func TestImportRefusals(t *testing.T) {
	if _, err := ParseMapping([]byte(`{"purpose": "p4.1b", "kind": "applicant", "citizenship": "kz-citizen", "columns": {}, "x": 1}`)); err == nil {
		t.Error("a mapping with an unknown field was accepted")
	}
	if _, err := ReadCSV(nil); err == nil {
		t.Error("an empty file was accepted")
	}
	svc, db := newService(t, dbtest.SQLite)
	tab, _ := ReadCSV([]byte("Name;IIN\nА;1\n"))
	m, _ := ParseMapping([]byte(mappingJSON))
	_, err := Run(derbes.WithPrincipal(context.Background(), service.System("import")), svc, tab, m, Options{})
	if err == nil || !strings.Contains(err.Error(), "no column") {
		t.Errorf("a mapping naming a missing column: %v", err)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM subjects`); n != 0 {
		t.Errorf("%d subjects after a refused import", n)
	}
	// A consent-less import needs an administrator: it stores legacy data.
	tab2, _ := ReadCSV(csvBytes(t, [][]string{{"Серікқызы Айгерім", "980514301233", "", "", ""}}, false))
	res, err := Run(derbes.WithPrincipal(context.Background(), derbes.Principal{ID: "staff:x", Role: derbes.Role{Name: "admissions-manager",
		Permissions: []derbes.Permission{{Action: derbes.ActWrite, Purpose: "p4.1b", Category: "*"}}}}), svc, tab2, m, Options{})
	if err != nil || res.Rejected != 1 || res.Rejections[0].Rule != "permission" {
		t.Errorf("legacy import by a non-administrator: %+v %v", res, err)
	}
}

// covers R-OPS-5: the delimiter and a UTF-8 byte-order mark are handled.
func TestReadCSVForms(t *testing.T) {
	for name, data := range map[string]string{
		"bom-comma": "\xef\xbb\xbfФИО,ИИН\nА,1\n",
		"tab":       "ФИО\tИИН\nА\t1\n",
		"semicolon": "ФИО;ИИН\n\n;\nА;1\n",
	} {
		tab, err := ReadCSV([]byte(data))
		if err != nil || len(tab.Header) != 2 || tab.Header[0] != "ФИО" || len(tab.Rows) != 1 || tab.Rows[0].Cell(1) != "1" {
			t.Errorf("%s: %+v %v", name, tab, err)
		}
	}
}

// BenchmarkImport imports DERBES_IMPORT_BENCH_N synthetic applicants (2,000
// by default) from a CSV per iteration into a fresh database, reporting
// rows per second; run once with 100000 for the figure in the notes.
func BenchmarkImport(b *testing.B) {
	n := 2000
	if s := os.Getenv("DERBES_IMPORT_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	var recs [][]string
	for _, p := range demo.People(5, n*10/9+10) {
		if p.Citizenship == "kz-citizen" && len(recs) < n {
			recs = append(recs, []string{p.Values["full_name"], p.Values["iin"], p.Values["passport_number"], p.Values["phone"], p.Values["education"]})
		}
	}
	m, _ := ParseMapping([]byte(mappingJSON))
	for _, engine := range dbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			var b0 bytes.Buffer
			w := csv.NewWriter(&b0)
			w.Write(header)
			w.WriteAll(recs)
			tab, err := ReadCSV(b0.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				b.StopTimer()
				svc, _ := newService(b, engine)
				b.StartTimer()
				res, err := Run(derbes.WithPrincipal(context.Background(), service.System("import")), svc, tab, m, Options{})
				// Random passport numbers may repeat among 100,000 people:
				// such a row counts as already there, not as a failure.
				if err != nil || res.Rejected != 0 || res.Imported+res.Existing != len(recs) {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
