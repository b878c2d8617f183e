package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// Mapping says how a file's columns become a subject: the purpose the data
// was collected for, the kind and citizenship status of the subjects, and
// each column's category. Data without a recorded consent is legacy data
// (R-BASIS-5): stored, usable for nothing else until a basis is recorded.
type Mapping struct {
	Purpose     string            `json:"purpose"`
	Kind        string            `json:"kind"`
	Citizenship string            `json:"citizenship"`
	Columns     map[string]string `json:"columns"` // header → category key
	// Consent, when the operator holds the subjects' consents (on paper,
	// under a contract): the purposes and the form recorded. Without it
	// the import is legacy.
	Consent *struct {
		Purposes []string           `json:"purposes"`
		Form     derbes.ConsentForm `json:"form"`
	} `json:"consent,omitempty"`
}

// ParseMapping reads a mapping file strictly (unknown fields refused).
func ParseMapping(data []byte) (*Mapping, error) {
	var m Mapping
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("importer: mapping: %w", err)
	}
	switch {
	case m.Purpose == "" || m.Kind == "" || m.Citizenship == "":
		return nil, fmt.Errorf("importer: mapping: purpose, kind and citizenship are required")
	case len(m.Columns) == 0:
		return nil, fmt.Errorf("importer: mapping: map at least one column")
	}
	return &m, nil
}

// ReadMapping reads a mapping file from disk.
func ReadMapping(path string) (*Mapping, error) {
	data, err := readAll(path)
	if err != nil {
		return nil, err
	}
	return ParseMapping(data)
}

func readAll(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	return data, nil
}

// Rejection is a row that was not imported: its line, the column at
// fault (when one is), the rule and the reason in the operator's language.
type Rejection struct {
	Line    int
	Column  string
	Rule    string
	Message string
	Cells   []string // the row as it was, to be fixed and imported again
}

// Result counts what an import did.
type Result struct {
	Imported   int // new subjects
	Existing   int // already there (a re-run after an interruption): skipped
	Rejected   int
	Rejections []Rejection // by line
}

// Options tune a run.
type Options struct {
	Workers  int       // concurrent rows (group-committed together); 8 when 0
	Lang     i18n.Lang // the report's language
	Progress func(done int)
}

// Run imports every row of t under m as the principal in ctx. Each row is
// atomic (its subject, values, consent and audit entries, or nothing) and
// rows are group-committed together; a row whose IIN or document number
// is already a subject's is counted as existing, so a run interrupted at
// any point can be run again to the end without duplicates.
// It fails only on an error that is not a row's (a mapping naming an
// unknown column, a database failure); rows' errors go to the report.
func Run(ctx context.Context, svc *service.Service, t *Table, m *Mapping, opt Options) (*Result, error) {
	msgs, err := i18n.Default()
	if err != nil {
		return nil, err
	}
	cols := map[int]string{} // column index → category
	for header, cat := range m.Columns {
		i := slices.Index(t.Header, header)
		if i < 0 {
			return nil, fmt.Errorf("importer: the file has no column %q (columns: %s)", header, strings.Join(t.Header, ", "))
		}
		if svc.Catalogue().Category(cat) == nil {
			return nil, fmt.Errorf("importer: column %q maps to %q, which is not a category of the catalogue", header, cat)
		}
		cols[i] = cat
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = 8
	}
	res := &Result{}
	var mu sync.Mutex
	var fatal error
	next := make(chan Row)
	var wg sync.WaitGroup
	done := 0
	for range workers {
		wg.Go(func() {
			for row := range next {
				rej, existed, err := importRow(ctx, svc, m, cols, t.Header, row, msgs, opt.Lang)
				mu.Lock()
				switch {
				case err != nil && fatal == nil:
					fatal = err
				case rej != nil:
					res.Rejected++
					res.Rejections = append(res.Rejections, *rej)
				case existed:
					res.Existing++
				case err == nil:
					res.Imported++
				}
				done++
				if opt.Progress != nil {
					opt.Progress(done)
				}
				mu.Unlock()
			}
		})
	}
	for _, row := range t.Rows {
		mu.Lock()
		stop := fatal != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		next <- row
	}
	close(next)
	wg.Wait()
	sort.Slice(res.Rejections, func(i, j int) bool { return res.Rejections[i].Line < res.Rejections[j].Line })
	if fatal == nil {
		fatal = ctx.Err()
	}
	return res, fatal
}

// importRow creates one subject; a domain error is the row's rejection.
func importRow(ctx context.Context, svc *service.Service, m *Mapping, cols map[int]string, header []string, row Row,
	msgs *i18n.Catalog, lang i18n.Lang) (*Rejection, bool, error) {
	vals := map[string]json.RawMessage{}
	column := map[string]string{}
	for i, cat := range cols {
		v := row.Cell(i)
		if v == "" {
			continue
		}
		column[cat] = header[i]
		if svc.Catalogue().Category(cat).Type == derbes.TypeKV {
			vals[cat] = kvJSON(v)
			continue
		}
		vals[cat], _ = json.Marshal(v)
	}
	in := service.NewSubject{Kind: m.Kind, Citizenship: m.Citizenship, Purpose: m.Purpose, Values: vals,
		Source: derbes.Source{Kind: derbes.SourceImport, Ref: fmt.Sprintf("line %d", row.Line)}}
	if m.Consent != nil {
		in.Consent = &service.NewConsent{Purposes: m.Consent.Purposes, Form: m.Consent.Form}
	} else {
		in.Legacy = true
	}
	_, err := svc.CreateSubject(ctx, in)
	if err == nil {
		return nil, false, nil
	}
	de := derbes.AsError(err)
	if de == nil || de.Code == derbes.EInternal {
		return nil, false, fmt.Errorf("importer: line %d: %w", row.Line, err)
	}
	if de.Rule == "duplicate-subject" {
		return nil, true, nil
	}
	rej := &Rejection{Line: row.Line, Rule: de.Rule, Message: msgs.T(lang, "errors."+de.Rule), Cells: row.Cells}
	if !msgs.Has(lang, "errors."+de.Rule) {
		rej.Message = msgs.T(lang, "errors."+string(de.Code))
	}
	if cat, ok := strings.CutPrefix(de.Field, "values."); ok {
		rej.Column = column[cat]
	}
	return rej, false, nil
}

// kvJSON turns "key: value" lines (or "key: value; key: value") into the
// JSON object a key-value category takes.
func kvJSON(s string) json.RawMessage {
	out := map[string]string{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ';' }) {
		k, v, ok := strings.Cut(part, ":")
		if ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		} else {
			out[strings.TrimSpace(part)] = ""
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// WriteReport writes the rejections as CSV: line, column, rule and reason,
// then the row as it was under the file's own header, so that the report
// can be corrected and imported again with the same mapping.
func WriteReport(w io.Writer, header []string, rs []Rejection) error {
	cw := csv.NewWriter(w)
	cw.Write(append([]string{"line", "column", "rule", "reason"}, header...))
	for _, r := range rs {
		cw.Write(append([]string{fmt.Sprint(r.Line), r.Column, r.Rule, r.Message}, r.Cells...))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("importer: report: %w", err)
	}
	return nil
}
