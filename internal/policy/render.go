package policy

import (
	"html"
	"html/template"
	"strconv"
	"strings"
)

// Render turns the small Markdown subset the policy texts use into HTML:
//
//   - "# " and "## " (and "### ") headings;
//   - paragraphs of consecutive lines, ended by a blank line;
//   - "- " bullet items and "1. " numbered items, nested by indentation
//     (two spaces per level in the texts; any deeper indent nests), with
//     indented continuation lines joining the item;
//   - **bold**.
//
// Every line is HTML-escaped before any markup is added, so the result
// holds no HTML but what Render writes: no raw HTML, no links, no
// attributes but a numbered item's value.
func Render(md string) template.HTML {
	r := renderer{}
	for line := range strings.SplitSeq(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		r.line(strings.TrimRight(line, " \t\r"))
	}
	r.closeAll()
	return template.HTML(r.b.String())
}

type openList struct {
	indent  int
	ordered bool
}

type renderer struct {
	b     strings.Builder
	lists []openList // open lists, innermost last; each has an open <li>
	para  bool       // a <p> is open
}

func (r *renderer) line(s string) {
	trimmed := strings.TrimLeft(s, " \t")
	indent := len(s) - len(trimmed)
	switch {
	case trimmed == "":
		r.closeAll()
	case indent == 0 && heading(trimmed) > 0:
		r.closeAll()
		n := heading(trimmed)
		tag := "h" + strconv.Itoa(n)
		r.b.WriteString("<" + tag + ">" + inline(strings.TrimSpace(trimmed[n+1:])) + "</" + tag + ">\n")
	default:
		if ordered, num, text, ok := item(trimmed); ok {
			r.item(indent, ordered, num, text)
			return
		}
		switch {
		case len(r.lists) > 0 && indent > 0:
			r.b.WriteString(" " + inline(trimmed)) // continues the open item
		case r.para:
			r.b.WriteString("\n" + inline(trimmed))
		default:
			r.closeAll()
			r.b.WriteString("<p>" + inline(trimmed))
			r.para = true
		}
	}
}

// heading returns the level (1–3) of a heading line, or 0.
func heading(s string) int {
	for n := 3; n >= 1; n-- {
		if strings.HasPrefix(s, strings.Repeat("#", n)+" ") {
			return n
		}
	}
	return 0
}

// item recognises "- text" and "12. text".
func item(s string) (ordered bool, num int, text string, ok bool) {
	if t, found := strings.CutPrefix(s, "- "); found {
		return false, 0, t, true
	}
	digits := 0
	for digits < len(s) && digits < 4 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits == 0 || !strings.HasPrefix(s[digits:], ". ") {
		return false, 0, "", false
	}
	n, _ := strconv.Atoi(s[:digits])
	return true, n, s[digits+2:], true
}

func (r *renderer) item(indent int, ordered bool, num int, text string) {
	r.closePara()
	for len(r.lists) > 0 && r.lists[len(r.lists)-1].indent > indent {
		r.closeList()
	}
	if n := len(r.lists); n > 0 && r.lists[n-1].indent == indent && r.lists[n-1].ordered != ordered {
		r.closeList()
	}
	if n := len(r.lists); n > 0 && r.lists[n-1].indent == indent {
		r.b.WriteString("</li>\n")
	} else {
		// A new list: at the top, or nested in the open item.
		if ordered {
			r.b.WriteString("<ol>\n")
		} else {
			r.b.WriteString("<ul>\n")
		}
		r.lists = append(r.lists, openList{indent: indent, ordered: ordered})
	}
	if ordered {
		r.b.WriteString(`<li value="` + strconv.Itoa(num) + `">`)
	} else {
		r.b.WriteString("<li>")
	}
	r.b.WriteString(inline(text))
}

func (r *renderer) closeList() {
	l := r.lists[len(r.lists)-1]
	r.lists = r.lists[:len(r.lists)-1]
	if l.ordered {
		r.b.WriteString("</li>\n</ol>\n")
	} else {
		r.b.WriteString("</li>\n</ul>\n")
	}
}

func (r *renderer) closePara() {
	if r.para {
		r.b.WriteString("</p>\n")
		r.para = false
	}
}

func (r *renderer) closeAll() {
	r.closePara()
	for len(r.lists) > 0 {
		r.closeList()
	}
}

// inline escapes s and then turns each matched pair of ** into <strong>.
// An unmatched ** stays as it is.
func inline(s string) string {
	parts := strings.Split(html.EscapeString(s), "**")
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i == 0:
		case i%2 == 1 && i < len(parts)-1:
			b.WriteString("<strong>")
		case i%2 == 0:
			b.WriteString("</strong>")
		default: // the last, unmatched **
			b.WriteString("**")
		}
		b.WriteString(p)
	}
	return b.String()
}
