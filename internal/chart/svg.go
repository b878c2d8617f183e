package chart

import (
	"encoding/xml"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Layout, in SVG user units. Text widths are estimated, not measured: the
// server has no font metrics, so a rune counts as charWidth.
const (
	defaultWidth  = 640
	minWidth      = 240
	pad           = 8.0
	charWidth     = 7.0
	fontSize      = 13
	maxLabelRunes = 28
	textColour    = "#333333"
	noteColour    = "#666666"
	axisColour    = "#999999"
)

// palette gives the default fill of each series (cycled); the console's
// stylesheet may override it through the chart-series-N classes.
var palette = [...]string{"#3b6ea5", "#e08a2c", "#4f9d69", "#b5485d", "#7a5ea8", "#8c7a3e"}

// svg builds one SVG element. Every string that comes from the caller goes
// through esc, in text and in attributes alike.
type svg struct {
	b strings.Builder
}

// esc returns s escaped for XML text and attribute values; characters XML
// cannot hold become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// num formats v for output, rounded to two decimals without trailing
// zeros: "12", "87.5", "0.33".
func num(v float64) string {
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	if s == "-0" {
		return "0"
	}
	return s
}

// width returns the chart width of o.
func width(o Options) float64 {
	switch {
	case o.Width <= 0:
		return defaultWidth
	case o.Width < minWidth:
		return minWidth
	}
	return float64(o.Width)
}

// open writes the <svg> start tag and its title.
func (s *svg) open(class string, o Options, w, h float64) {
	s.b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="` + class + `" role="img"`)
	if o.Title != "" {
		s.b.WriteString(` aria-label="` + esc(o.Title) + `"`)
	}
	s.b.WriteString(` width="` + num(w) + `" height="` + num(h) + `" viewBox="0 0 ` + num(w) + ` ` + num(h) +
		`" font-family="sans-serif" font-size="` + strconv.Itoa(fontSize) + `">`)
	if o.Title != "" {
		s.b.WriteString(`<title>` + esc(o.Title) + `</title>`)
	}
}

// close writes the </svg> end tag and returns the chart.
func (s *svg) close() template.HTML {
	s.b.WriteString(`</svg>`)
	return template.HTML(s.b.String()) // every caller string was escaped by esc
}

// empty returns a chart that shows only o.Empty.
func empty(class string, o Options) template.HTML {
	var s svg
	w, h := width(o), 40.0
	s.open(class, o, w, h)
	s.b.WriteString(`<text class="chart-empty" x="` + num(w/2) + `" y="` + num(h/2) +
		`" text-anchor="middle" dominant-baseline="central" fill="` + noteColour + `">` + esc(o.Empty) + `</text>`)
	return s.close()
}

// label writes a text element of class chart-label ending at x, truncated
// to maxLabelRunes with an ellipsis and then holding the full label in a
// <title> child.
func (s *svg) label(text string, x, y float64) {
	s.b.WriteString(`<text class="chart-label" x="` + num(x) + `" y="` + num(y) +
		`" text-anchor="end" dominant-baseline="central" fill="` + textColour + `">`)
	if short := truncate(text); short != text {
		s.b.WriteString(`<title>` + esc(text) + `</title>` + esc(short))
	} else {
		s.b.WriteString(esc(text))
	}
	s.b.WriteString(`</text>`)
}

// bar writes a rect of class chart-bar (and extra, if any) with an
// optional <title> child.
func (s *svg) bar(extra, fill, title string, x, y, w, h float64) {
	class := "chart-bar"
	if extra != "" {
		class += " " + extra
	}
	s.b.WriteString(`<rect class="` + class + `" x="` + num(x) + `" y="` + num(y) + `" width="` + num(w) +
		`" height="` + num(h) + `" fill="` + fill + `"`)
	if title == "" {
		s.b.WriteString(`/>`)
		return
	}
	s.b.WriteString(`><title>` + esc(title) + `</title></rect>`)
}

// value writes a text element of class chart-value starting at x, with the
// note, if any, in a tspan of class chart-note.
func (s *svg) value(text, note string, x, y float64) {
	s.b.WriteString(`<text class="chart-value" x="` + num(x) + `" y="` + num(y) +
		`" dominant-baseline="central" fill="` + textColour + `">` + esc(text))
	if note != "" {
		s.b.WriteString(`<tspan class="chart-note" dx="8" fill="` + noteColour + `">` + esc(note) + `</tspan>`)
	}
	s.b.WriteString(`</text>`)
}

// axis writes the vertical line the bars start from.
func (s *svg) axis(x, y1, y2 float64) {
	s.b.WriteString(`<line class="chart-axis" x1="` + num(x) + `" y1="` + num(y1) + `" x2="` + num(x) +
		`" y2="` + num(y2) + `" stroke="` + axisColour + `"/>`)
}

// truncate shortens s to maxLabelRunes runes, the last an ellipsis.
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxLabelRunes {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:maxLabelRunes-1])) + "…"
}

// textWidth estimates the width of the longest of texts, plus pad; 0 when
// they are all empty.
func textWidth(texts []string) float64 {
	longest := 0
	for _, t := range texts {
		longest = max(longest, utf8.RuneCountInString(t))
	}
	if longest == 0 {
		return 0
	}
	return float64(longest)*charWidth + pad
}

// formatValue is how a value is shown: the number and the unit, or "–"
// when it is not a finite number.
func formatValue(v float64, unit string) string {
	if !finite(v) {
		return "–"
	}
	return num(v) + unit
}

// scale returns the value that fills the bar area: o.Max if positive, else
// the largest finite value (0 if there is none above 0).
func scale(o Options, values []float64) float64 {
	if o.Max > 0 && !math.IsInf(o.Max, 0) {
		return o.Max
	}
	largest := 0.0
	for _, v := range values {
		if finite(v) {
			largest = max(largest, v)
		}
	}
	return largest
}

// barWidth returns the width of a bar of v in an area of width area for
// the scale m: proportional, clamped to [0, area].
func barWidth(v, m, area float64) float64 {
	if m <= 0 || !finite(v) || v <= 0 {
		return 0
	}
	return area * min(v/m, 1)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
