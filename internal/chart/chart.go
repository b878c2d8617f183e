// Package chart renders bar charts as inline SVG on the server, for the
// staff console's statistics page (R-RETAIN-2), which runs no JavaScript.
//
// The console's Content-Security-Policy allows no inline styles, so a
// chart has no style attribute and no <style> element: it uses SVG
// presentation attributes (fill, stroke, font-size, text-anchor) as
// defaults, which any CSS rule overrides, and classes for the stylesheet to
// theme: chart-hbar and chart-grouped on the <svg>, chart-bar on every bar
// (with chart-series-N in a grouped chart), chart-label, chart-value,
// chart-note, chart-axis, chart-legend, chart-swatch, chart-empty.
//
// Every caller string (title, labels, notes, unit, empty text) is escaped
// for XML, so labels may hold any text, in any script. The output is the
// same for the same input. Values are shown rounded to two decimals without
// trailing zeros ("12", "87.5"); text widths are estimated from rune counts
// since the server knows no font metrics.
package chart

import (
	"html/template"
	"strconv"
)

// Bar is one bar of [HBar].
type Bar struct {
	Label string
	Value float64
	Note  string // optional text after the value, e.g. "92 % on time"
}

// Options are what [HBar] and [Grouped] share.
type Options struct {
	Title string  // rendered as <title> and aria-label (role="img")
	Unit  string  // appended to values, e.g. " %"; empty for counts
	Max   float64 // the value of a full-width bar; 0 = the largest value
	Width int     // in pixels; default 640, at least 240
	Empty string  // text shown when there is nothing to chart (e.g. translated "no data")
}

// Bar rows of HBar.
const (
	rowHeight = 28.0
	barHeight = 18.0
)

// HBar renders horizontal bars, one row per bar: the label at the left
// (longer than 28 runes, it is cut with an ellipsis and the full label
// kept in a <title> child), the bar, and the value and note at its end.
// A bar of o.Max or more has the full width; a bar of a negative or
// non-finite value has none, and a non-finite value is shown as "–". With
// no bars the chart shows o.Empty.
func HBar(bars []Bar, o Options) template.HTML {
	if len(bars) == 0 {
		return empty("chart-hbar", o)
	}
	labels := make([]string, len(bars))
	texts := make([]string, len(bars))
	values := make([]float64, len(bars))
	for i, b := range bars {
		labels[i] = truncate(b.Label)
		texts[i] = formatValue(b.Value, o.Unit)
		if b.Note != "" {
			texts[i] += "  " + b.Note
		}
		values[i] = b.Value
	}
	w := width(o)
	labelW, valueW := min(textWidth(labels)+pad, 0.4*w), min(max(textWidth(texts), 40), 0.4*w)
	area := w - labelW - valueW
	m := scale(o, values)
	h := float64(len(bars))*rowHeight + 2*pad

	var s svg
	s.open("chart-hbar", o, w, h)
	for i, b := range bars {
		y := pad + float64(i)*rowHeight
		bw := barWidth(b.Value, m, area)
		s.b.WriteString(`<g class="chart-row">`)
		s.label(b.Label, labelW-6, y+rowHeight/2)
		s.bar("", palette[0], "", labelW, y+(rowHeight-barHeight)/2, bw, barHeight)
		s.value(formatValue(b.Value, o.Unit), b.Note, labelW+bw+6, y+rowHeight/2)
		s.b.WriteString(`</g>`)
	}
	s.axis(labelW, pad, h-pad)
	return s.close()
}

// Bars of Grouped.
const (
	groupedBar = 14.0
	groupedGap = 3.0
	groupGap   = 12.0
	legendRow  = 20.0
	swatch     = 12.0
)

// Grouped renders grouped horizontal bars: for each group, one bar per
// series, values[g][s] long, the group's label at the left of its bars and
// each bar's value at its end; a legend above names the series. Labels and
// series names longer than 28 runes are cut with an ellipsis, the full text
// kept in a <title> child. A value missing from values (a short or missing
// row) or not finite draws no bar and no value. Each bar has a <title>
// naming its group, series and value. With no group or no series the chart
// shows o.Empty.
func Grouped(groups []string, series []string, values [][]float64, o Options) template.HTML {
	if len(groups) == 0 || len(series) == 0 {
		return empty("chart-grouped", o)
	}
	value := func(g, s int) (float64, bool) {
		if g >= len(values) || s >= len(values[g]) {
			return 0, false
		}
		v := values[g][s]
		return v, finite(v)
	}
	labels := make([]string, len(groups))
	var texts []string
	var all []float64
	for g, name := range groups {
		labels[g] = truncate(name)
		for s := range series {
			if v, ok := value(g, s); ok {
				texts = append(texts, formatValue(v, o.Unit))
				all = append(all, v)
			}
		}
	}
	w := width(o)
	labelW, valueW := min(textWidth(labels)+pad, 0.4*w), min(max(textWidth(texts), 40), 0.4*w)
	area := w - labelW - valueW
	m := scale(o, all)

	var s svg
	legend, legendH := legendItems(series, w)
	block := float64(len(series))*(groupedBar+groupedGap) - groupedGap + groupGap
	top := pad + legendH
	h := top + float64(len(groups))*block - groupGap + pad
	s.open("chart-grouped", o, w, h)
	s.legend(series, legend)
	for g, name := range groups {
		y0 := top + float64(g)*block
		s.b.WriteString(`<g class="chart-group">`)
		s.label(name, labelW-6, y0+(block-groupGap)/2)
		for i, sname := range series {
			v, ok := value(g, i)
			if !ok {
				continue
			}
			y := y0 + float64(i)*(groupedBar+groupedGap)
			bw := barWidth(v, m, area)
			text := formatValue(v, o.Unit)
			s.bar("chart-series-"+strconv.Itoa(i), palette[i%len(palette)], name+" · "+sname+": "+text,
				labelW, y, bw, groupedBar)
			s.value(text, "", labelW+bw+6, y+groupedBar/2)
		}
		s.b.WriteString(`</g>`)
	}
	s.axis(labelW, top, h-pad)
	return s.close()
}

type legendItem struct{ x, y float64 }

// legend writes the legend of series at the positions of items.
func (s *svg) legend(series []string, items []legendItem) {
	s.b.WriteString(`<g class="chart-legend">`)
	for i, name := range series {
		it := items[i]
		s.b.WriteString(`<rect class="chart-swatch chart-series-` + strconv.Itoa(i) + `" x="` + num(it.x) +
			`" y="` + num(it.y+(legendRow-swatch)/2) + `" width="` + num(swatch) + `" height="` + num(swatch) +
			`" fill="` + palette[i%len(palette)] + `"/>`)
		s.b.WriteString(`<text class="chart-legend-label" x="` + num(it.x+swatch+4) + `" y="` + num(it.y+legendRow/2) +
			`" dominant-baseline="central" fill="` + textColour + `">`)
		if short := truncate(name); short != name {
			s.b.WriteString(`<title>` + esc(name) + `</title>`)
		}
		s.b.WriteString(esc(truncate(name)) + `</text>`)
	}
	s.b.WriteString(`</g>`)
}

// legendItems places the legend entries of series in rows across width w
// and returns their positions and the legend's height.
func legendItems(series []string, w float64) ([]legendItem, float64) {
	items := make([]legendItem, len(series))
	x, y := pad, pad
	for i, name := range series {
		iw := swatch + 4 + textWidth([]string{truncate(name)}) + 12
		if x > pad && x+iw > w-pad {
			x, y = pad, y+legendRow
		}
		items[i] = legendItem{x, y}
		x += iw
	}
	return items, y + legendRow
}
