package htmlkit

import (
	"net/url"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
)

// Field is one labelled form control. Every control a UI renders is a
// field, so every one has its <label for>.
type Field struct {
	Name      string
	ID        string
	Label     string
	Type      string // text, email, tel, date, password, select, textarea, file
	Value     string
	Values    []string // the chosen options of a multiple select
	Multiple  bool     // a select of several options
	Accept    string   // the file types a file input takes
	Options   []Option
	Hint      string
	Err       string
	Required  bool
	Auto      string // the autocomplete attribute
	InputMode string // the inputmode attribute
}

// Option is one choice of a select or a group of checkboxes.
type Option struct {
	Value, Label string
}

// Described is the aria-describedby of the control: its hint and error.
func (f *Field) Described() string {
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
func (f *Field) Selected(v string) bool {
	if f.Multiple {
		return slices.Contains(f.Values, v)
	}
	return v == f.Value
}

// Size is the number of rows a multiple select shows: all its options,
// between 3 and 8.
func (f *Field) Size() int { return min(max(len(f.Options), 3), 8) }

// FieldID is the HTML id of the control named name.
func FieldID(name string) string {
	return "f-" + strings.NewReplacer(".", "-", "_", "-", " ", "-").Replace(name)
}

// NewField is a control of the given name, label and type, with its id.
func NewField(name, label, typ string) *Field {
	return &Field{Name: name, ID: FieldID(name), Label: label, Type: typ}
}

// Form is a form's fields in order, found by name when an error names one.
type Form struct {
	Fields []*Field
}

// Add appends fl to the form and returns it.
func (f *Form) Add(fl *Field) *Field {
	f.Fields = append(f.Fields, fl)
	return fl
}

// Get is the field named name, or nil.
func (f *Form) Get(name string) *Field {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl
		}
	}
	return nil
}

// Fill sets each field's value from the submitted form (passwords and
// files never).
func (f *Form) Fill(get func(string) string) {
	for _, fl := range f.Fields {
		if fl.Type != "password" && fl.Type != "file" {
			fl.Value = get(fl.Name)
		}
	}
}

// FillAll sets each field's value, and a multiple select's values, from a
// submitted form.
func (f *Form) FillAll(vals url.Values) {
	f.Fill(vals.Get)
	for _, fl := range f.Fields {
		if fl.Multiple {
			fl.Values = vals[fl.Name]
		}
	}
}

// Target is the field of f that err names, or else the field named
// fallback; nil when f (which may be nil) has no such field, and the
// error belongs at the top of the page.
func (f *Form) Target(err error, fallback string) *Field {
	if f == nil {
		return nil
	}
	name := fallback
	if e := derbes.AsError(err); e != nil && e.Field != "" {
		name = e.Field
	}
	return f.Get(name)
}

// Issue is one entry of a form's error summary, linked to its field.
type Issue struct {
	ID, Label, Message string
}

// Mark puts msg next to fl and in the error summary issues.
func Mark(issues *[]Issue, fl *Field, msg string) {
	fl.Err = msg
	*issues = append(*issues, Issue{ID: fl.ID, Label: fl.Label, Message: msg})
}
