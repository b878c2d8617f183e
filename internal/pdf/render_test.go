package pdf_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// consentKK is a Kazakh consent form with every block type.
func consentKK() pdf.Document {
	return pdf.Document{
		Title:    "Дербес деректерді өңдеуге келісім",
		Subtitle: "«Мысал Сервис» ЖШС, БСН 980540001234",
		Lang:     "kk",
		Footer:   "Құжат № КЛС-2024-0001",
		Blocks: []pdf.Block{
			pdf.Heading{Text: "1. Дербес деректер субъектісі"},
			pdf.Fields{Rows: [][2]string{
				{"Тегі, аты, әкесінің аты", "Әлиева Гүлнұр Қайратқызы"},
				{"ЖСН", "980514301233"},
				{"Мекенжайы", "Алматы қ., Абай даңғылы, 10"},
			}},
			pdf.Paragraph{Text: "Мен, төменде қол қоюшы, ұйымға өзімнің дербес деректерімді " +
				"жинауға және өңдеуге келісім беремін. Һ әрпі мен і әрпі де дұрыс басылады."},
			// Words, not spaced letters: pdftotext -layout joins "a b c" into "abc".
			pdf.List{Items: []string{"ұйым", "һ", "і", "әке ғалым қала таң өзен ұл үй һәм іс",
				"ӘКЕ ҒАЛЫМ ҚАЛА ТАҢ ӨЗЕН ҰЛ ҮЙ ҺӘМ ІС"}},
			pdf.Table{
				Header: []string{"Санат", "Мақсат", "Мерзімі"},
				Rows: [][]string{
					{"Байланыс деректері", "Шартты орындау", "5 жыл"},
					{"Төлқұжат деректері", "Сәйкестендіру", "3 жыл"},
				},
			},
			pdf.Signature{Lines: []string{"Субъект: ____________  Күні: ________"}},
		},
	}
}

// consentRU is a Russian consent form with every block type.
func consentRU() pdf.Document {
	return pdf.Document{
		Title:    "Согласие на обработку персональных данных",
		Subtitle: "ТОО «Пример Сервис», БИН 980540001234",
		Lang:     "ru",
		Footer:   "Документ № СГЛ-2024-0001",
		Blocks: []pdf.Block{
			pdf.Heading{Text: "1. Субъект персональных данных"},
			pdf.Fields{Rows: [][2]string{
				{"Фамилия, имя, отчество", "Ёлкина Юлия Эдуардовна"},
				{"ИИН", "980514301233"},
			}},
			pdf.Paragraph{Text: "Я, нижеподписавшаяся, даю согласие на сбор и обработку " +
				"моих персональных данных. Съешь же ещё этих мягких французских булок."},
			pdf.List{Items: []string{"ёлка", "ЁЛКА ЙОД ОБЪЁМ СЫН ЭХО ЮГ ЯМА", "щи объём мы конь эхо юла яма"}},
			pdf.Table{
				Header: []string{"Категория", "Цель", "Срок"},
				Rows:   [][]string{{"Контактные данные", "Исполнение договора", "5 лет"}},
			},
			pdf.Signature{Lines: []string{"Субъект: ____________  Дата: ________"}},
		},
	}
}

// strings returns every text of d, as it should be found in the PDF.
func texts(d pdf.Document) []string {
	out := []string{d.Title, d.Subtitle, d.Footer}
	for _, b := range d.Blocks {
		switch b := b.(type) {
		case pdf.Heading:
			out = append(out, b.Text)
		case pdf.Paragraph:
			out = append(out, b.Text)
		case pdf.Fields:
			for _, r := range b.Rows {
				out = append(out, r[0], r[1])
			}
		case pdf.List:
			out = append(out, b.Items...)
		case pdf.Table:
			out = append(out, b.Header...)
			for _, r := range b.Rows {
				out = append(out, r...)
			}
		case pdf.Signature:
			out = append(out, b.Lines...)
		}
	}
	return out
}

// words splits s on white space and joins it again with single spaces:
// pdftotext's layout may change the spacing and the line breaks.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func render(t *testing.T, d pdf.Document) []byte {
	t.Helper()
	b, err := pdf.Render(d)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b
}

// covers R-BASIS-4: consent forms print in Kazakh and Russian (and English)
// with every letter intact, every block type included.
func TestRenderLanguages(t *testing.T) {
	en := pdf.Document{
		Title: "Consent to the processing of personal data", Lang: "en", Footer: "Doc CNS-1",
		Blocks: []pdf.Block{
			pdf.Heading{Text: "Data subject"},
			pdf.Fields{Rows: [][2]string{{"Name", "Aliyeva Gulnur"}}},
			pdf.Paragraph{Text: "I consent."},
			pdf.List{Items: []string{"contact details"}},
			pdf.Table{Header: []string{"Category"}, Rows: [][]string{{"Contacts"}}},
			pdf.Signature{Lines: []string{"Subject: ____________  Date: ________"}},
		},
	}
	for _, tc := range []struct {
		doc  pdf.Document
		page string
	}{
		{consentKK(), "1 беттің 1-беті"},
		{consentRU(), "Страница 1 из 1"},
		{en, "Page 1 of 1"},
	} {
		t.Run(tc.doc.Lang, func(t *testing.T) {
			got := words(pdftest.ExtractText(t, render(t, tc.doc)))
			for _, want := range append(texts(tc.doc), tc.page) {
				if !strings.Contains(got, words(want)) {
					t.Errorf("text %q not found in the PDF's text:\n%s", want, got)
				}
			}
			info := pdftest.Info(t, render(t, tc.doc))
			if !strings.Contains(info, "Pages:           1\n") {
				t.Errorf("want 1 page; pdfinfo:\n%s", info)
			}
		})
	}
}

func TestRenderPageBreaks(t *testing.T) {
	d := pdf.Document{Title: "Отчёт субъекту", Lang: "ru", Footer: "Отчёт № 7"}
	for i := 1; i <= 40; i++ {
		d.Blocks = append(d.Blocks, pdf.Paragraph{Text: fmt.Sprintf("Абзац %d. %s", i,
			strings.Repeat("Дербес деректерді өңдеу туралы мәтін. ", 6))})
	}
	table := pdf.Table{Header: []string{"№", "Операция", "Дата"}}
	for i := 1; i <= 60; i++ {
		table.Rows = append(table.Rows, []string{fmt.Sprint(i), fmt.Sprintf("Запись журнала %d", i), "2024-05-14"})
	}
	// A row taller than a page is split across pages, not cut off.
	table.Rows = append(table.Rows, []string{"61", strings.Repeat("очень длинная ячейка ", 400), "конец"})
	d.Blocks = append(d.Blocks, pdf.Heading{Text: "Журнал"}, table, pdf.Paragraph{Text: "Последний абзац."})

	b := render(t, d)
	pages := strings.Split(strings.TrimRight(pdftest.ExtractText(t, b), "\f"), "\f")
	n := len(pages)
	if n < 4 {
		t.Fatalf("got %d pages, want the document to span at least 4", n)
	}
	if info := pdftest.Info(t, b); !strings.Contains(info, fmt.Sprintf("Pages:           %d\n", n)) {
		t.Fatalf("pdftotext found %d pages; pdfinfo says:\n%s", n, info)
	}
	headers := 0
	for i, p := range pages {
		p = words(p)
		if want := fmt.Sprintf("Страница %d из %d", i+1, n); !strings.Contains(p, want) {
			t.Errorf("page %d: footer %q not found in:\n%s", i+1, want, p)
		}
		if !strings.Contains(p, "Отчёт № 7") {
			t.Errorf("page %d: footer text not found", i+1)
		}
		if strings.Contains(p, "№ Операция Дата") {
			headers++
		}
	}
	if headers < 2 {
		t.Errorf("table header printed on %d pages, want it repeated on every page of the table", headers)
	}
	all := words(strings.Join(pages, " "))
	for i := 1; i <= 40; i++ {
		if !strings.Contains(all, fmt.Sprintf("Абзац %d.", i)) {
			t.Errorf("paragraph %d missing", i)
		}
	}
	for i := 1; i <= 60; i++ {
		if !strings.Contains(all, fmt.Sprintf("%d Запись журнала %d 2024-05-14", i, i)) {
			t.Errorf("table row %d missing", i)
		}
	}
	if got := strings.Count(all, "очень длинная ячейка"); got != 400 {
		t.Errorf("the tall row's text appears %d times, want 400", got)
	}
	if !strings.Contains(words(pages[n-1]), "Последний абзац.") {
		t.Errorf("last paragraph not on the last page")
	}
}

// Personal data must not reach the PDF's metadata, nor any other place a
// PDF reader shows without rendering a page.
func TestRenderMetadata(t *testing.T) {
	for _, d := range []pdf.Document{consentKK(), consentRU()} {
		t.Run(d.Lang, func(t *testing.T) {
			b := render(t, d)
			info := pdftest.Info(t, b)
			for _, line := range []string{
				"Title:           derbes document\n",
				"Subject:         derbes document\n",
				"Creator:         derbes\n",
				"Producer:        derbes\n",
				"CreationDate:    Thu Jan  1 00:00:00 1970 UTC\n",
			} {
				if !strings.Contains(info, line) {
					t.Errorf("pdfinfo lacks %q:\n%s", line, info)
				}
			}
			if strings.Contains(info, "Author:") || strings.Contains(info, "Keywords:") {
				t.Errorf("pdfinfo shows an author or keywords:\n%s", info)
			}
			for _, s := range texts(d) {
				if strings.Contains(info, s) {
					t.Errorf("pdfinfo shows %q:\n%s", s, info)
				}
				// The raw file, in any encoding a PDF string may use. A
				// string of a few bytes (a single letter) occurs by chance
				// in compressed streams.
				for _, enc := range [][]byte{[]byte(s), utf16be(s)} {
					if len(enc) >= 6 && bytes.Contains(b, enc) {
						t.Errorf("the file's bytes contain %q", s)
					}
				}
			}
		})
	}
}

func utf16be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestRenderDeterministic(t *testing.T) {
	want := render(t, consentKK())
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			b, err := pdf.Render(consentKK())
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	for i, b := range got {
		if !bytes.Equal(b, want) {
			t.Fatalf("render %d differs from the first (%d and %d bytes)", i+1, len(b), len(want))
		}
	}
	if bytes.Equal(want, render(t, consentRU())) {
		t.Fatal("different documents gave the same bytes")
	}
}

func TestRenderEmpty(t *testing.T) {
	b := render(t, pdf.Document{})
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 16)])
	}
	if info := pdftest.Info(t, b); !strings.Contains(info, "Pages:           1\n") {
		t.Errorf("want 1 page; pdfinfo:\n%s", info)
	}
	if got := words(pdftest.ExtractText(t, b)); got != "Page 1 of 1" {
		t.Errorf("text %q, want only the page number", got)
	}
	// Empty blocks print nothing and do not fail.
	empty := pdf.Document{Lang: "kk", Blocks: []pdf.Block{
		pdf.Heading{}, pdf.Paragraph{}, pdf.Fields{}, pdf.List{}, pdf.Table{},
		pdf.Table{Rows: [][]string{{}}}, pdf.Signature{Lines: []string{""}},
	}}
	if got := words(pdftest.ExtractText(t, render(t, empty))); got != "1 беттің 1-беті" {
		t.Errorf("text %q, want only the page number", got)
	}
}

// Text that the font or the PDF library cannot take is replaced, never a
// panic or an error.
func TestRenderOddText(t *testing.T) {
	long := strings.Repeat("ә", 300) // one word wider than the page
	d := pdf.Document{Blocks: []pdf.Block{
		&pdf.Paragraph{Text: "emoji 😀 nul \x00 bad \xff tab\tend"},
		pdf.Paragraph{Text: "line one\r\nline two\rline three"},
		pdf.Paragraph{Text: long},
		pdf.Table{Header: []string{"a"}, Rows: [][]string{{"1", "extra cell", "more"}}},
	}}
	got := pdftest.ExtractText(t, render(t, d))
	for _, want := range []string{"emoji \uFFFD nul bad \uFFFD tab end", "line one", "line two", "line three", "extra cell", "more"} {
		if !strings.Contains(words(got), want) {
			t.Errorf("%q not found in:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "ә"); n != 300 {
		t.Errorf("the long word has %d letters in the PDF, want 300", n)
	}
}

type foreignBlock struct{ pdf.Heading }

func TestRenderErrors(t *testing.T) {
	for name, d := range map[string]pdf.Document{
		"nil block":     {Blocks: []pdf.Block{pdf.Paragraph{}, nil}},
		"nil pointer":   {Blocks: []pdf.Block{(*pdf.Table)(nil)}},
		"foreign block": {Blocks: []pdf.Block{foreignBlock{}}},
	} {
		if _, err := pdf.Render(d); !errors.Is(err, pdf.ErrBlock) {
			t.Errorf("%s: got %v, want ErrBlock", name, err)
		}
	}
	for _, lang := range []string{"de", "kk-KZ", "en) /Evil (x"} {
		if _, err := pdf.Render(pdf.Document{Lang: lang}); !errors.Is(err, pdf.ErrLang) {
			t.Errorf("Lang %q: got %v, want ErrLang", lang, err)
		}
	}
}
