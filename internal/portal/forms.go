package portal

import (
	"strings"

	"github.com/derbes-kz/derbes"
)

// field is one labelled form control. Every control the portal renders is
// a field, so every one has its <label for>.
type field struct {
	Name      string
	ID        string
	Label     string
	Type      string // text, email, tel, select, textarea
	Value     string
	Options   []option
	Hint      string
	Err       string
	Required  bool
	Auto      string // the autocomplete attribute
	InputMode string // the inputmode attribute
}

type option struct {
	Value, Label string
}

// Described is the aria-describedby of the control: its hint and error.
func (f *field) Described() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Err != "" {
		ids = append(ids, f.ID+"-err")
	}
	return strings.Join(ids, " ")
}

func newField(name, label, typ string) *field {
	return &field{Name: name, ID: "f-" + name, Label: label, Type: typ}
}

// form is a form's fields in order, found by name when an error names one.
type form struct {
	Fields []*field
}

func (f *form) add(fl *field) *field {
	f.Fields = append(f.Fields, fl)
	return fl
}

func (f *form) get(name string) *field {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl
		}
	}
	return nil
}

// place shows err next to the field it names (or the field named
// fallback), with an entry in the page's error summary; an error that
// names no field of the form is shown at the top of the page.
func (p *Portal) place(pg *page, f *form, err error, fallback string) {
	msg := p.errText(pg.Lang, err)
	name := fallback
	if e := derbes.AsError(err); e != nil && e.Field != "" {
		name = e.Field
	}
	if fl := f.get(name); fl != nil {
		mark(pg, fl, msg)
		return
	}
	pg.Error = msg
}

// mark puts msg next to fl and in the error summary.
func mark(pg *page, fl *field, msg string) {
	fl.Err = msg
	pg.Issues = append(pg.Issues, issue{ID: fl.ID, Label: fl.Label, Message: msg})
}
