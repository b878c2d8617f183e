package web

import "github.com/derbes-kz/derbes/internal/htmlkit"

// The form model is htmlkit's: every control the console renders is a
// field, so every one has its <label for>.
type (
	field  = htmlkit.Field
	option = htmlkit.Option
	form   = htmlkit.Form
	issue  = htmlkit.Issue
)

// fieldID is the HTML id of the control named name.
func fieldID(name string) string { return htmlkit.FieldID(name) }

// place shows err next to the field it names, with an entry in the page's
// error summary; an error that names no field of the form is shown at the
// top of the page.
func (c *Console) place(p *page, f *form, err error) {
	msg := c.errText(p.Lang, err)
	if fl := f.Target(err, ""); fl != nil {
		c.mark(p, fl, msg)
		return
	}
	p.Error = msg
}

// mark puts msg next to fl and in the error summary.
func (c *Console) mark(p *page, fl *field, msg string) { htmlkit.Mark(&p.Issues, fl, msg) }

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
