package pdf

// Vertical spacing between blocks, in millimetres.
const (
	blockGap     = 3.0  // after a paragraph, list, table or fields
	headingAbove = 3.0  // before a heading, on top of the previous block's gap
	headingBelow = 1.5  // between a heading and what follows
	itemGap      = 1.0  // between list items
	bulletIndent = 6.0  // list text starts this far right of the margin
	signRoom     = 12.0 // blank space above each signature line, to sign in
)

// header prints the title and subtitle, and a rule under them.
func (r *renderer) header(title, subtitle string) {
	f := r.f
	r.use(titleStyle)
	t := r.split(title, bodyW)
	r.use(subtitleStyle)
	s := r.split(subtitle, bodyW)
	if len(t) == 0 && len(s) == 0 {
		return
	}
	f.SetTextColor(0, 0, 0)
	r.text(t, titleStyle, margin, bodyW)
	if len(t) > 0 && len(s) > 0 {
		f.SetXY(margin, f.GetY()+1)
	}
	f.SetTextColor(70, 70, 70)
	r.text(s, subtitleStyle, margin, bodyW)
	f.SetTextColor(0, 0, 0)
	y := f.GetY() + 2
	f.SetDrawColor(120, 120, 120)
	f.SetLineWidth(0.3)
	f.Line(margin, y, pageW-margin, y)
	f.SetXY(margin, y+5)
}

// heading prints h in bold, on a new page if it and two lines of what
// follows would not fit on this one.
func (r *renderer) heading(h Heading) {
	r.use(headingStyle)
	lines := r.split(h.Text, bodyW)
	if len(lines) == 0 {
		return
	}
	r.space(headingAbove)
	r.need(float64(len(lines))*headingStyle.lh + headingBelow + 2*bodyStyle.lh)
	r.text(lines, headingStyle, margin, bodyW)
	r.f.SetXY(margin, r.f.GetY()+headingBelow)
}

// paragraph prints p wrapped to the width of the page.
func (r *renderer) paragraph(p Paragraph) {
	r.use(bodyStyle)
	lines := r.split(p.Text, bodyW)
	if len(lines) == 0 {
		return
	}
	r.text(lines, bodyStyle, margin, bodyW)
	r.space(blockGap)
}

// list prints each item after a bullet, wrapped under itself.
func (r *renderer) list(l List) {
	if len(l.Items) == 0 {
		return
	}
	f := r.f
	for i, item := range l.Items {
		r.use(bodyStyle)
		lines := r.split(item, bodyW-bulletIndent)
		if len(lines) == 0 {
			lines = []string{""}
		}
		if i > 0 {
			r.space(itemGap)
		}
		r.need(bodyStyle.lh)
		y := f.GetY()
		f.SetXY(margin+1.5, y)
		f.CellFormat(bulletIndent-1.5, bodyStyle.lh, "•", "", 0, "L", false, 0, "")
		f.SetXY(margin, y)
		r.text(lines, bodyStyle, margin+bulletIndent, bodyW-bulletIndent)
	}
	r.space(blockGap)
}

// signature prints each line below room to sign, all on one page if they
// fit on one.
func (r *renderer) signature(s Signature) {
	r.use(bodyStyle)
	var lines [][]string
	h := 0.0
	for _, l := range s.Lines {
		w := r.split(l, bodyW)
		if len(w) == 0 {
			continue
		}
		lines = append(lines, w)
		h += signRoom + float64(len(w))*bodyStyle.lh
	}
	if len(lines) == 0 {
		return
	}
	r.need(h)
	for _, w := range lines {
		r.need(signRoom + bodyStyle.lh)
		r.f.SetXY(margin, r.f.GetY()+signRoom)
		r.text(w, bodyStyle, margin, bodyW)
	}
	r.space(blockGap)
}
