package pdf

import "strings"

// Cell padding inside tables, in millimetres.
const (
	padH = 1.5
	padV = 1.2
)

// grid is a bordered table of wrapped cells: the shape shared by Fields and
// Table.
type grid struct {
	widths []float64 // of the columns; they add up to bodyW
	bold   []bool    // columns set in bold (the labels of Fields)
	header []string  // a header row, repeated on each page; nil for none
}

// fields prints f as a two-column grid of bold labels and values.
func (r *renderer) fields(b Fields) {
	if len(b.Rows) == 0 {
		return
	}
	r.use(boldStyle)
	label := 0.0
	rows := make([][]string, len(b.Rows))
	for i, row := range b.Rows {
		rows[i] = row[:]
		for _, l := range strings.Split(clean(row[0]), "\n") {
			label = max(label, r.f.GetStringWidth(l)+2*padH)
		}
	}
	label = min(max(label, 0.25*bodyW), 0.4*bodyW)
	r.grid(grid{widths: []float64{label, bodyW - label}, bold: []bool{true, false}}, rows)
}

// table prints t as a grid with a shaded header row.
func (r *renderer) table(t Table) {
	n := len(t.Header)
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	if n == 0 {
		return
	}
	g := grid{widths: r.columnWidths(t.Header, t.Rows, n), bold: make([]bool, n)}
	if len(t.Header) > 0 {
		g.header = t.Header
	}
	r.grid(g, t.Rows)
}

// columnWidths shares bodyW among n columns. When every column fits on one
// line, the widths are proportional to the content; otherwise the columns
// narrower than an equal share keep their width and the wider ones share
// the rest in proportion to how much more they need.
func (r *renderer) columnWidths(header []string, rows [][]string, n int) []float64 {
	natural := make([]float64, n)
	measure := func(cells []string) {
		for i, c := range cells {
			for _, l := range strings.Split(clean(c), "\n") {
				natural[i] = max(natural[i], r.f.GetStringWidth(l)+2*padH)
			}
		}
	}
	r.use(boldStyle)
	measure(header)
	r.use(bodyStyle)
	for _, row := range rows {
		measure(row)
	}
	sum := 0.0
	for _, w := range natural {
		sum += w
	}
	widths := make([]float64, n)
	switch {
	case sum == 0:
		for i := range widths {
			widths[i] = bodyW / float64(n)
		}
	case sum <= bodyW:
		for i, w := range natural {
			widths[i] = w * bodyW / sum
		}
	default:
		share := bodyW / float64(n)
		rest, excess := bodyW, 0.0
		for i, w := range natural {
			widths[i] = min(w, share)
			rest -= widths[i]
			excess += w - widths[i]
		}
		for i, w := range natural {
			widths[i] += rest * (w - widths[i]) / excess
		}
	}
	return widths
}

// grid prints rows under g's header. A row that does not fit on this page
// goes to the next, with the header repeated above it; a row taller than a
// page is split between pages.
func (r *renderer) grid(g grid, rows [][]string) {
	f := r.f
	f.SetDrawColor(150, 150, 150)
	f.SetLineWidth(0.2)
	if g.header != nil {
		h := r.rowHeight(r.cells(g, g.header, true))
		if len(rows) > 0 {
			h += r.rowHeight(r.cells(g, rows[0], false))
		}
		r.need(h)
		r.row(g, g.header, true)
		r.onPage = func() {
			f.SetDrawColor(150, 150, 150)
			f.SetLineWidth(0.2)
			r.row(g, g.header, true)
		}
		defer func() { r.onPage = nil }()
	}
	for _, row := range rows {
		r.row(g, row, false)
	}
	r.space(blockGap)
}

// cells wraps each cell of row to its column, in its column's font.
func (r *renderer) cells(g grid, row []string, head bool) [][]string {
	cols := make([][]string, len(g.widths))
	for i, w := range g.widths {
		if i >= len(row) {
			continue
		}
		if head || g.bold[i] {
			r.use(boldStyle)
		} else {
			r.use(bodyStyle)
		}
		cols[i] = r.split(row[i], w-2*padH)
	}
	return cols
}

// lineCount is the number of lines of the tallest cell, at least 1.
func lineCount(cols [][]string) int {
	n := 1
	for _, c := range cols {
		n = max(n, len(c))
	}
	return n
}

// rowHeight is the height of a row of cols.
func (r *renderer) rowHeight(cols [][]string) float64 {
	return float64(lineCount(cols))*bodyStyle.lh + 2*padV
}

// row prints one row of the grid. A header row is printed where it is
// (grid and newPage have made room for it).
func (r *renderer) row(g grid, row []string, head bool) {
	cols := r.cells(g, row, head)
	n := lineCount(cols)
	if head {
		r.rowPart(g, cols, 0, n, true)
		return
	}
	r.need(r.rowHeight(cols))
	for start := 0; start < n; {
		fit := int((r.bottom - r.f.GetY() - 2*padV) / bodyStyle.lh)
		if fit < 1 {
			if r.f.GetY() > r.freshY+0.01 {
				r.newPage()
				continue
			}
			fit = 1 // a header taller than the page: overflow, never loop
		}
		k := min(n-start, fit)
		r.rowPart(g, cols, start, k, false)
		start += k
		if start < n {
			r.newPage()
		}
	}
}

// rowPart prints lines start to start+k of each cell of a row, with the
// cells' borders, and moves below them.
func (r *renderer) rowPart(g grid, cols [][]string, start, k int, head bool) {
	f := r.f
	y := f.GetY()
	h := float64(k)*bodyStyle.lh + 2*padV
	x := margin
	for i, w := range g.widths {
		if head {
			f.SetFillColor(232, 232, 232)
			f.Rect(x, y, w, h, "FD")
		} else {
			f.Rect(x, y, w, h, "D")
		}
		if head || g.bold[i] {
			r.use(boldStyle)
		} else {
			r.use(bodyStyle)
		}
		for j := start; j < start+k && j < len(cols[i]); j++ {
			f.SetXY(x+padH, y+padV+float64(j-start)*bodyStyle.lh)
			f.CellFormat(w-2*padH, bodyStyle.lh, cols[i][j], "", 0, "L", false, 0, "")
		}
		x += w
	}
	f.SetXY(margin, y+h)
}
