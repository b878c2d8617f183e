package service

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/vault"
)

// MaxExportRows bounds one export; larger ones are split by purpose.
const MaxExportRows = 50_000

// Export is chosen categories of every subject the purpose may use now:
// a live basis, the categories its consents cover, nothing blocked.
type Export struct {
	Purpose    string
	Categories []string
	Header     []string   // "subject" and the categories' labels
	Rows       [][]string // subject id, then the values (masked as the purpose sees them)
}

// CheckExport checks an export before it is queued: the purpose, the
// categories, the role's export permission on each; a refusal is audited.
// Errors: EInvalid (purpose, categories), EForbidden.
func (s *Service) CheckExport(ctx context.Context, purpose string, categories []string) (*derbes.Purpose, error) {
	const action = "subject.export"
	p, err := s.cat.PurposeFor("purpose", purpose)
	role := derbes.PrincipalFrom(ctx).Role
	switch {
	case err != nil:
	case !role.AllowsAny(derbes.ActExport, p.Code):
		err = s.denied(ctx, "purpose", "your role may not export under this purpose")
	case len(categories) == 0:
		err = derbes.Invalid("categories", "required", "choose the categories to export")
	}
	for _, k := range categories {
		if err != nil {
			break
		}
		if _, err = s.cat.CheckCollect("categories", p, k); err == nil && !role.Allows(derbes.ActExport, p.Code, k) {
			err = s.denied(ctx, "categories", "your role may not export this category")
		}
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", purpose, categories, err)
	}
	return p, nil
}

// ExportSubjects exports categories under purpose (R-OPS-5): the role must
// be allowed to export each category under it; every exported subject is
// recorded in the audit trail like a read (subject.export, with the
// categories and the basis). Transfers to third parties go through
// Transfer, never through here. Errors: EInvalid (purpose, categories), EForbidden.
func (s *Service) ExportSubjects(ctx context.Context, purpose string, categories []string, lang string) (*Export, error) {
	const action = "subject.export"
	p, err := s.CheckExport(ctx, purpose, categories)
	if err != nil {
		return nil, err
	}
	x := &Export{Purpose: p.Code, Categories: categories, Header: []string{"subject"}}
	for _, k := range categories {
		x.Header = append(x.Header, s.cat.Category(k).Label.In(lang))
	}
	c := s.db.Read()
	for after := ""; len(x.Rows) < MaxExportRows; {
		ids, err := c.SubjectIDs(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			row, basis, cats, err := s.exportRow(ctx, id, p, categories)
			if err != nil {
				return nil, err
			}
			if row == nil {
				continue
			}
			e := s.entry(ctx, action, id, p.Code, cats, derbes.OutcomeOK, "")
			e.Basis = basis
			if err := s.db.Audit(ctx, e); err != nil {
				return nil, err
			}
			x.Rows = append(x.Rows, row)
			if len(x.Rows) == MaxExportRows {
				break
			}
		}
	}
	return x, nil
}

// exportRow is one subject's row, or nil when the purpose may not use the
// subject's data now (no live basis, blocked, nothing covered).
func (s *Service) exportRow(ctx context.Context, id string, p *derbes.Purpose, categories []string) ([]string, string, []string, error) {
	c := s.db.Read()
	consents, err := c.Consents(ctx, id)
	if err != nil {
		return nil, "", nil, err
	}
	basis, err := derbes.ResolveBasis(p, consents, s.now())
	if err != nil {
		return nil, "", nil, nil
	}
	blocked, err := s.blockedCategories(ctx, c, id, p)
	if err != nil {
		return nil, "", nil, nil // the whole subject is blocked
	}
	covered := derbes.CoveredCategories(p, consents, s.now())
	var want []string
	for _, k := range categories {
		if slices.Contains(covered, k) && !blocked[k] {
			want = append(want, k)
		}
	}
	if len(want) == 0 {
		return nil, "", nil, nil
	}
	rows, err := c.CurrentValues(ctx, id, want)
	if err != nil {
		return nil, "", nil, err
	}
	keys, err := c.SubjectKeys(ctx, id)
	if err != nil {
		return nil, "", nil, err
	}
	vals := map[string]string{}
	opened := map[string]*vault.SubjectKey{}
	var read []string
	for _, r := range rows {
		plain, err := s.open(keys, opened, r)
		if err != nil {
			return nil, "", nil, err
		}
		v := shown(s.cat.Category(r.Category), p, plain, r)
		switch t := v.Value.(type) {
		case string:
			vals[r.Category] = t
		case map[string]string:
			var parts []string
			for _, k := range sortedKeys(t) {
				parts = append(parts, k+": "+t[k])
			}
			vals[r.Category] = strings.Join(parts, "; ")
		}
		read = append(read, r.Category)
	}
	if len(read) == 0 {
		return nil, "", nil, nil
	}
	row := []string{id}
	for _, k := range categories {
		row = append(row, vals[k])
	}
	return row, basis.String(), read, nil
}

// CSV is the export as CSV (UTF-8 with a byte-order mark, so that Excel
// reads Cyrillic and Kazakh right).
func (x *Export) CSV() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Write(x.Header)
	w.WriteAll(x.Rows)
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return b.Bytes(), nil
}

// XLSX is the export as a workbook of one sheet.
func (x *Export) XLSX() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	all := append([][]string{x.Header}, x.Rows...)
	for i, r := range all {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return b.Bytes(), nil
}
