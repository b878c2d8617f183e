package portal

import "github.com/derbes-kz/derbes/internal/htmlkit"

// The form model is htmlkit's: every control the portal renders is a
// field, so every one has its <label for>.
type (
	field  = htmlkit.Field
	form   = htmlkit.Form
	issue  = htmlkit.Issue
	option = htmlkit.Option
)

// place shows err next to the field it names (or the field named
// fallback), with an entry in the page's error summary; an error that
// names no field of the form is shown at the top of the page.
func (p *Portal) place(pg *page, f *form, err error, fallback string) {
	msg := p.errText(pg.Lang, err)
	if fl := f.Target(err, fallback); fl != nil {
		mark(pg, fl, msg)
		return
	}
	pg.Error = msg
}

// mark puts msg next to fl and in the error summary.
func mark(pg *page, fl *field, msg string) { htmlkit.Mark(&pg.Issues, fl, msg) }
