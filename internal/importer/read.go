// Package importer brings applicants kept in spreadsheets into derbes
// (R-OPS-5, P-1.2): CSV in UTF-8 or Windows-1251 and XLSX, mapped column by
// column to catalogue categories, every row through the same validators
// and purpose checks as the API, resumable without duplicates, with a
// report of every rejected row (line, column, reason).
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// MaxRows bounds one file: larger imports are split.
const MaxRows = 1_000_000

// Table is a file's header and rows, each with its line (1-based, the
// header being line 1) for the report.
type Table struct {
	Header []string
	Rows   []Row
}

// Row is one data row.
type Row struct {
	Line  int
	Cells []string
}

// Cell returns the row's value in column i ("" past its end).
func (r Row) Cell(i int) string {
	if i < len(r.Cells) {
		return strings.TrimSpace(r.Cells[i])
	}
	return ""
}

// ErrFormat is a file that is not a readable table.
var ErrFormat = errors.New("importer: not a readable table")

// ReadFile reads a .csv or .xlsx file (sheet: the XLSX sheet, "" for the
// first). Errors wrap ErrFormat.
func ReadFile(path, sheet string) (*Table, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		f, err := excelize.OpenFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		defer f.Close()
		return readXLSX(f, sheet)
	case ".csv", ".txt":
		data, err := readAll(path)
		if err != nil {
			return nil, err
		}
		return ReadCSV(data)
	}
	return nil, fmt.Errorf("%w: the file must be .csv or .xlsx", ErrFormat)
}

// ReadXLSX reads a workbook from r.
func ReadXLSX(r io.Reader, sheet string) (*Table, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer f.Close()
	return readXLSX(f, sheet)
}

func readXLSX(f *excelize.File, sheet string) (*Table, error) {
	if sheet == "" {
		sheet = f.GetSheetName(0)
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%w: sheet %q: %v", ErrFormat, sheet, err)
	}
	return table(rows)
}

// ReadCSV reads CSV data: UTF-8 (with or without a byte-order mark) or,
// when the bytes are not valid UTF-8, Windows-1251, the encoding Excel
// uses for Cyrillic; the delimiter is the header's most frequent of ; , and tab.
func ReadCSV(data []byte) (*Table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := charmap.Windows1251.NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		data = dec
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	delim := ','
	best := bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(d))); n > best {
			delim, best = d, n
		}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, r.FieldsPerRecord, r.LazyQuotes = delim, -1, true
	var rows [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		rows = append(rows, rec)
		if len(rows) > MaxRows+1 {
			return nil, fmt.Errorf("%w: more than %d rows: split the file", ErrFormat, MaxRows)
		}
	}
	return table(rows)
}

// table turns raw rows into a Table, skipping wholly empty rows but
// keeping line numbers.
func table(rows [][]string) (*Table, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrFormat)
	}
	t := &Table{}
	for _, h := range rows[0] {
		t.Header = append(t.Header, strings.TrimSpace(h))
	}
	for i, rec := range rows[1:] {
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		t.Rows = append(t.Rows, Row{Line: i + 2, Cells: rec})
	}
	if len(t.Rows) > MaxRows {
		return nil, fmt.Errorf("%w: more than %d rows: split the file", ErrFormat, MaxRows)
	}
	return t, nil
}
