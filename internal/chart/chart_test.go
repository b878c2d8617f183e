package chart

import (
	"encoding/xml"
	"html/template"
	"math"
	"strconv"
	"strings"
	"testing"
)

// node is a parsed XML element.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) num(t *testing.T, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(name), 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.XMLName.Local, name, n.attr(name), err)
	}
	return v
}

func (n node) hasClass(c string) bool {
	for _, f := range strings.Fields(n.attr("class")) {
		if f == c {
			return true
		}
	}
	return false
}

// all returns the elements under n (n included) named name with class c.
func (n node) all(name, c string) []node {
	var out []node
	if n.XMLName.Local == name && (c == "" || n.hasClass(c)) {
		out = append(out, n)
	}
	for _, ch := range n.Children {
		out = append(out, ch.all(name, c)...)
	}
	return out
}

// parse parses a chart and checks what every chart must be: well-formed
// SVG with no inline style, script or event handler, and only chart-
// classes.
func parse(t *testing.T, h template.HTML) node {
	t.Helper()
	var root node
	if err := xml.Unmarshal([]byte(h), &root); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, h)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" || root.attr("role") != "img" {
		t.Fatalf("root is %v role=%q", root.XMLName, root.attr("role"))
	}
	var walk func(n node)
	walk = func(n node) {
		if l := n.XMLName.Local; l == "style" || l == "script" || l == "foreignObject" {
			t.Errorf("<%s> element", l)
		}
		for _, a := range n.Attrs {
			if a.Name.Local == "style" || strings.HasPrefix(a.Name.Local, "on") {
				t.Errorf("<%s %s=...>", n.XMLName.Local, a.Name.Local)
			}
		}
		for _, c := range strings.Fields(n.attr("class")) {
			if !strings.HasPrefix(c, "chart-") {
				t.Errorf("class %q", c)
			}
		}
		for _, ch := range n.Children {
			walk(ch)
		}
	}
	walk(root)
	return root
}

const evil = `<script>x</script> & Co`

func TestHBar(t *testing.T) {
	long := "Казахский национальный университет имени аль-Фараби"
	bars := []Bar{
		{Label: "Қазақстан", Value: 40},
		{Label: "Россия", Value: 87.5, Note: "92 % on time"},
		{Label: evil, Value: 10},
		{Label: long, Value: 0},
		{Label: "negative", Value: -5},
	}
	o := Options{Title: "Заявки & " + evil, Unit: " %"}
	out := HBar(bars, o)
	if out != HBar(bars, o) {
		t.Error("two calls differ")
	}
	raw := string(out)
	if strings.Contains(raw, "<script") || !strings.Contains(raw, "&lt;script&gt;") || !strings.Contains(raw, "&amp; Co") {
		t.Errorf("label not escaped:\n%s", raw)
	}
	root := parse(t, out)
	if root.attr("width") != "640" || root.attr("aria-label") != o.Title || !root.hasClass("chart-hbar") {
		t.Errorf("svg width=%q aria-label=%q class=%q", root.attr("width"), root.attr("aria-label"), root.attr("class"))
	}
	if titles := root.all("title", ""); len(titles) == 0 || titles[0].Text != o.Title {
		t.Errorf("no <title> %q", o.Title)
	}

	rects := root.all("rect", "chart-bar")
	if len(rects) != len(bars) {
		t.Fatalf("%d bars, want %d", len(rects), len(bars))
	}
	full := rects[1].num(t, "width") // 87.5, the largest
	if full < 0.2*640 || rects[1].num(t, "x")+full > 640 {
		t.Errorf("largest bar %v wide at x %v", full, rects[1].num(t, "x"))
	}
	for i, b := range bars {
		want := math.Max(b.Value, 0) / 87.5 * full
		if got := rects[i].num(t, "width"); math.Abs(got-want) > 0.02 {
			t.Errorf("bar %d is %v wide, want %v", i, got, want)
		}
	}

	labels := root.all("text", "chart-label")
	if len(labels) != len(bars) || labels[2].Text != evil || labels[0].Text != "Қазақстан" {
		t.Fatalf("labels %+v", labels)
	}
	if got := labels[3].Text; got != "Казахский национальный унив…" {
		t.Errorf("long label shown as %q", got)
	}
	if titles := labels[3].all("title", ""); len(titles) != 1 || titles[0].Text != long {
		t.Errorf("long label has no <title> with the full label: %+v", titles)
	}
	if len(labels[0].all("title", "")) != 0 {
		t.Error("a short label has a <title>")
	}

	values := root.all("text", "chart-value")
	if len(values) != len(bars) || values[1].Text != "87.5 %" || values[0].Text != "40 %" || values[4].Text != "-5 %" {
		t.Fatalf("values %+v", values)
	}
	if notes := values[1].all("tspan", "chart-note"); len(notes) != 1 || notes[0].Text != "92 % on time" {
		t.Errorf("note %+v", notes)
	}
	if values[1].num(t, "x") > 640 {
		t.Error("value text beyond the chart")
	}
}

func TestHBarMax(t *testing.T) {
	bars := []Bar{{Label: "a", Value: 50}, {Label: "b", Value: 100}, {Label: "c", Value: 150}}
	full := parse(t, HBar([]Bar{{Label: "a", Value: 1}}, Options{})).all("rect", "chart-bar")[0].num(t, "width")
	rects := parse(t, HBar(bars, Options{Max: 100})).all("rect", "chart-bar")
	for i, want := range []float64{full / 2, full, full} {
		if got := rects[i].num(t, "width"); math.Abs(got-want) > 0.02 {
			t.Errorf("Max 100: bar %d is %v wide, want %v", i, got, want)
		}
	}
	rects = parse(t, HBar([]Bar{{"a", 0, ""}, {"b", math.NaN(), ""}}, Options{Width: 100})).all("rect", "chart-bar")
	for _, r := range rects {
		if r.num(t, "width") != 0 {
			t.Error("a bar of 0 or NaN has a width")
		}
	}
}

func TestEmpty(t *testing.T) {
	for name, out := range map[string]template.HTML{
		"HBar":               HBar(nil, Options{Empty: "Деректер жоқ <нет>", Width: 500}),
		"Grouped":            Grouped(nil, []string{"a"}, nil, Options{Empty: "Деректер жоқ <нет>", Width: 500}),
		"Grouped, no series": Grouped([]string{"a"}, nil, nil, Options{Empty: "Деректер жоқ <нет>", Width: 500}),
	} {
		root := parse(t, out)
		texts := root.all("text", "chart-empty")
		if len(texts) != 1 || texts[0].Text != "Деректер жоқ <нет>" {
			t.Errorf("%s: empty text %+v", name, texts)
		}
		if n := len(root.all("rect", "")); n != 0 {
			t.Errorf("%s: %d rects", name, n)
		}
		if root.attr("width") != "500" {
			t.Errorf("%s: width %q", name, root.attr("width"))
		}
	}
}

func TestGrouped(t *testing.T) {
	groups := []string{"2025/2026", evil, "Алматы"}
	series := []string{"KZ", "Шетелдік азаматтар"}
	values := [][]float64{{120, 30}, {60, 15}, {240}} // the last group lacks a value
	o := Options{Title: "Applicants", Width: 720}
	out := Grouped(groups, series, values, o)
	if out != Grouped(groups, series, values, o) {
		t.Error("two calls differ")
	}
	if strings.Contains(string(out), "<script") {
		t.Error("label not escaped")
	}
	root := parse(t, out)
	if !root.hasClass("chart-grouped") || root.attr("width") != "720" {
		t.Errorf("svg class=%q width=%q", root.attr("class"), root.attr("width"))
	}
	rects := root.all("rect", "chart-bar")
	if len(rects) != 5 {
		t.Fatalf("%d bars, want 5", len(rects))
	}
	full := rects[4].num(t, "width") // 240, the largest
	for i, v := range []float64{120, 30, 60, 15, 240} {
		if got := rects[i].num(t, "width"); math.Abs(got-v/240*full) > 0.02 {
			t.Errorf("bar %d is %v wide, want %v", i, got, v/240*full)
		}
		if want := "chart-series-" + strconv.Itoa(i%2); !rects[i].hasClass(want) {
			t.Errorf("bar %d class %q, want %s", i, rects[i].attr("class"), want)
		}
	}
	if full < 0.2*720 || rects[4].num(t, "x")+full > 720 {
		t.Errorf("largest bar %v wide", full)
	}
	if titles := rects[2].all("title", ""); len(titles) != 1 || titles[0].Text != evil+" · KZ: 60" {
		t.Errorf("bar title %+v", titles)
	}
	if n := len(root.all("rect", "chart-swatch")); n != len(series) {
		t.Errorf("%d legend swatches, want %d", n, len(series))
	}
	legend := root.all("text", "chart-legend-label")
	if len(legend) != 2 || legend[1].Text != series[1] {
		t.Errorf("legend %+v", legend)
	}
	labels := root.all("text", "chart-label")
	if len(labels) != len(groups) || labels[1].Text != evil {
		t.Errorf("group labels %+v", labels)
	}
	if n := len(root.all("text", "chart-value")); n != 5 {
		t.Errorf("%d values, want 5", n)
	}
	// Each group's bars lie below the legend and the previous group's.
	for i := 1; i < len(rects); i++ {
		if rects[i].num(t, "y") <= rects[i-1].num(t, "y") {
			t.Errorf("bar %d is not below bar %d", i, i-1)
		}
	}
	if rects[0].num(t, "y") < root.all("rect", "chart-swatch")[0].num(t, "y")+swatch {
		t.Error("the first bar overlaps the legend")
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{12, "12"}, {87.5, "87.5"}, {0.1 + 0.2, "0.3"}, {1.0 / 3, "0.33"}, {math.Copysign(0, -1), "0"},
		{-2.5, "-2.5"}, {1e6, "1000000"}, {99.999, "100"},
	}
	for _, tt := range tests {
		if got := num(tt.v); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := formatValue(math.Inf(1), " %"); got != "–" {
		t.Errorf("formatValue(+Inf) = %q", got)
	}
}
