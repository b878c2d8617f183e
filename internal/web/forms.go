package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
)

// field is one labelled form control. Every control the console renders is
// a field, so every one has its <label for>.
type field struct {
	Name     string
	ID       string
	Label    string
	Type     string // text, email, tel, date, password, select, textarea, file
	Value    string
	Values   []string // the chosen options of a multiple select
	Multiple bool     // a select of several options
	Accept   string   // the file types a file input takes
	Options  []option
	Hint     string
	Err      string
	Required bool
	Auto     string // the autocomplete attribute
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

// Selected reports whether option v is chosen.
func (f *field) Selected(v string) bool {
	if f.Multiple {
		return slices.Contains(f.Values, v)
	}
	return v == f.Value
}

// Size is the number of rows a multiple select shows: all its options,
// between 3 and 8.
func (f *field) Size() int { return min(max(len(f.Options), 3), 8) }

// fieldID is the HTML id of the control named name.
func fieldID(name string) string {
	return "f-" + strings.NewReplacer(".", "-", "_", "-", " ", "-").Replace(name)
}

func newField(name, label, typ string) *field {
	return &field{Name: name, ID: fieldID(name), Label: label, Type: typ}
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

// fill sets each field's value from the submitted form (passwords and
// files never).
func (f *form) fill(get func(string) string) {
	for _, fl := range f.Fields {
		if fl.Type != "password" && fl.Type != "file" {
			fl.Value = get(fl.Name)
		}
	}
}

// fillAll sets each field's value, and a multiple select's values, from a
// submitted form.
func (f *form) fillAll(vals url.Values) {
	f.fill(vals.Get)
	for _, fl := range f.Fields {
		if fl.Multiple {
			fl.Values = vals[fl.Name]
		}
	}
}

// place shows err next to the field it names, with an entry in the page's
// error summary; an error that names no field of the form is shown at the
// top of the page.
func (c *Console) place(p *page, f *form, err error) {
	msg := c.errText(p.Lang, err)
	if e := derbes.AsError(err); e != nil && f != nil {
		if fl := f.get(e.Field); fl != nil {
			c.mark(p, fl, msg)
			return
		}
	}
	p.Error = msg
}

// mark puts msg next to fl and in the error summary.
func (c *Console) mark(p *page, fl *field, msg string) {
	fl.Err = msg
	p.Issues = append(p.Issues, issue{ID: fl.ID, Label: fl.Label, Message: msg})
}

// checks is a group of checkboxes sharing one name.
type checks struct {
	Name, ID, Label, Hint, Err string
	Options                    []option
	Values                     []string
}

// Has reports whether v is checked.
func (c *checks) Has(v string) bool {
	for _, x := range c.Values {
		if x == v {
			return true
		}
	}
	return false
}

// Many reports whether the group is long enough to show in columns.
func (c *checks) Many() bool { return len(c.Options) > 6 }

// Described is the aria-describedby of the group.
func (c *checks) Described() string {
	f := field{ID: c.ID, Hint: c.Hint, Err: c.Err}
	return f.Described()
}
