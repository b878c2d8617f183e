package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// The fonts: DejaVu Sans, Bitstream Vera licence (fonts/LICENSE).
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// Page geometry, in millimetres: A4 with 20 mm margins.
const (
	pageW  = 210.0
	pageH  = 297.0
	margin = 20.0
	bodyW  = pageW - 2*margin

	family = "dejavu"

	// The footer's last line ends this far above the bottom edge, and the
	// body stops at least footerGap above the footer's first line.
	footerBottom = 10.0
	footerGap    = 4.0
)

// genericMeta is the title and subject written into every PDF's metadata in
// place of anything from the Document, which may hold personal data.
const genericMeta = "derbes document"

// epoch is the creation and modification date of every PDF: a fixed date
// keeps the output deterministic and says nothing about when it was made.
var epoch = time.Unix(0, 0).UTC()

// style is a font, its size in points and its line height in millimetres.
type style struct {
	bold bool
	size float64
	lh   float64
}

var (
	titleStyle    = style{bold: true, size: 16, lh: 7.5}
	subtitleStyle = style{size: 10, lh: 5}
	headingStyle  = style{bold: true, size: 12.5, lh: 6.5}
	bodyStyle     = style{size: 10.5, lh: 5.2}
	boldStyle     = style{bold: true, size: 10.5, lh: 5.2}
	footerStyle   = style{size: 8, lh: 3.6}
)

// Render lays d out on A4 pages with 20 mm margins, wrapping text and
// breaking pages where needed, and returns the PDF. The same d always gives
// the same bytes. An empty Document gives one page with only the page
// number.
//
// Render returns ErrLang for an unsupported d.Lang and ErrBlock (wrapped,
// naming the block's index) for a nil or foreign block; any other error is
// the PDF library's and means a bug here.
func Render(d Document) ([]byte, error) {
	blocks, err := check(d)
	if err != nil {
		return nil, err
	}
	// Two passes: the first counts the pages, which the second prints in
	// every footer. The footer never changes the body's layout, so both
	// passes break pages at the same places.
	first, err := layout(d, blocks, 0)
	if err != nil {
		return nil, err
	}
	f, err := layout(d, blocks, first.PageCount())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: render: %w", err)
	}
	return buf.Bytes(), nil
}

// check validates d and returns its blocks with pointers replaced by the
// values they point to.
func check(d Document) ([]Block, error) {
	switch d.Lang {
	case "", "kk", "ru", "en":
	default:
		return nil, ErrLang
	}
	blocks := make([]Block, len(d.Blocks))
	for i, b := range d.Blocks {
		v := deref(b)
		if v == nil {
			return nil, fmt.Errorf("%w: block %d is %T", ErrBlock, i, b)
		}
		blocks[i] = v
	}
	return blocks, nil
}

// deref returns b as a value of one of the block types, or nil.
func deref(b Block) Block {
	switch b := b.(type) {
	case Heading, Paragraph, Fields, List, Table, Signature:
		return b
	case *Heading:
		if b != nil {
			return *b
		}
	case *Paragraph:
		if b != nil {
			return *b
		}
	case *Fields:
		if b != nil {
			return *b
		}
	case *List:
		if b != nil {
			return *b
		}
	case *Table:
		if b != nil {
			return *b
		}
	case *Signature:
		if b != nil {
			return *b
		}
	}
	return nil
}

// renderer lays out one Document on one fpdf.Fpdf. The body is placed by
// hand (fpdf's automatic page break is off) so that tables can repeat
// their header and keep rows whole.
type renderer struct {
	f      *fpdf.Fpdf
	bottom float64 // the body ends above this y
	freshY float64 // where the body starts on the current page
	onPage func()  // called after each page break, e.g. to repeat a header
}

// layout renders d's pages, with total as M in "page N of M".
func layout(d Document, blocks []Block, total int) (*fpdf.Fpdf, error) {
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	f.SetMargins(margin, margin, margin)
	f.SetCellMargin(0)
	f.SetCompression(true)
	f.SetCatalogSort(true)
	f.SetCreationDate(epoch)
	f.SetModificationDate(epoch)
	f.SetTitle(genericMeta, false)
	f.SetSubject(genericMeta, false)
	f.SetCreator("derbes", false)
	f.SetProducer("derbes", false)
	if d.Lang != "" {
		f.SetLang(d.Lang) // validated by check: nothing to escape
	}
	f.AddUTF8FontFromBytes(family, "", fontRegular)
	f.AddUTF8FontFromBytes(family, "B", fontBold)
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: load fonts: %w", err)
	}

	r := &renderer{f: f}
	foot := r.footerLines(d.Footer)
	r.bottom = pageH - footerBottom - float64(max(len(foot), 1))*footerStyle.lh - footerGap
	r.bottom = min(r.bottom, pageH-margin)
	f.SetAutoPageBreak(false, pageH-r.bottom)
	f.SetFooterFunc(func() { r.footer(foot, d.Lang, total) })

	f.AddPage()
	r.freshY = margin
	r.header(d.Title, d.Subtitle)
	for _, b := range blocks {
		r.block(b)
	}
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: render: %w", err)
	}
	return f, nil
}

// block renders one block (a value, as check returns them).
func (r *renderer) block(b Block) {
	switch b := b.(type) {
	case Heading:
		r.heading(b)
	case Paragraph:
		r.paragraph(b)
	case Fields:
		r.fields(b)
	case List:
		r.list(b)
	case Table:
		r.table(b)
	case Signature:
		r.signature(b)
	}
}

// pageLabel is "page n of m" in lang.
func pageLabel(lang string, n, m int) string {
	switch lang {
	case "kk":
		return fmt.Sprintf("%d беттің %d-беті", m, n)
	case "ru":
		return fmt.Sprintf("Страница %d из %d", n, m)
	default:
		return fmt.Sprintf("Page %d of %d", n, m)
	}
}

// labelW is the width kept free for the page label, in footer style: the
// same for every total, so that both passes of Render wrap the footer text
// alike.
func (r *renderer) labelW() float64 {
	r.use(footerStyle)
	w := 0.0
	for _, lang := range []string{"kk", "ru", "en"} {
		w = max(w, r.f.GetStringWidth(pageLabel(lang, 8888, 8888)))
	}
	return w
}

// footerLines wraps the footer text beside the page label.
func (r *renderer) footerLines(text string) []string {
	r.use(footerStyle)
	return r.split(text, bodyW-r.labelW()-footerGap)
}

// footer draws the footer of the current page; fpdf calls it when a page
// is done and restores the font and colours afterwards.
func (r *renderer) footer(lines []string, lang string, total int) {
	f := r.f
	lh := footerStyle.lh
	y := pageH - footerBottom - float64(max(len(lines), 1))*lh
	f.SetDrawColor(160, 160, 160)
	f.SetLineWidth(0.2)
	f.Line(margin, y-1.5, pageW-margin, y-1.5)
	r.use(footerStyle)
	f.SetTextColor(90, 90, 90)
	for i, l := range lines {
		f.SetXY(margin, y+float64(i)*lh)
		f.CellFormat(bodyW-r.labelW()-footerGap, lh, l, "", 0, "L", false, 0, "")
	}
	r.use(footerStyle)
	lw := r.labelW()
	f.SetXY(pageW-margin-lw, y+float64(max(len(lines), 1)-1)*lh)
	f.CellFormat(lw, lh, pageLabel(lang, f.PageNo(), total), "", 0, "R", false, 0, "")
}

// use selects the font of s.
func (r *renderer) use(s style) {
	if s.bold {
		r.f.SetFont(family, "B", s.size)
	} else {
		r.f.SetFont(family, "", s.size)
	}
}

// clean makes text printable: CR and CRLF become LF, a tab a space, other
// control characters are dropped, and characters outside the Basic
// Multilingual Plane (emoji, rare CJK), which the PDF library cannot embed,
// become U+FFFD, as do invalid UTF-8 bytes.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(c rune) rune {
		switch {
		case c == '\n':
			return c
		case c == '\r':
			return '\n'
		case c == '\t':
			return ' '
		case unicode.IsControl(c):
			return -1
		case c > 0xFFFF:
			return unicode.ReplacementChar
		}
		return c
	}, s)
}

// split wraps text in the current font to lines of at most width w.
func (r *renderer) split(text string, w float64) []string {
	text = clean(text)
	if strings.TrimSpace(text) == "" {
		return nil
	}
	return r.f.SplitText(text, w)
}

// newPage starts a new page and calls onPage.
func (r *renderer) newPage() {
	r.f.AddPage()
	r.f.SetXY(margin, margin)
	if r.onPage != nil {
		r.onPage()
	}
	r.freshY = r.f.GetY()
}

// need starts a new page unless h more millimetres fit above the bottom or
// the current page is still empty (so that something taller than a page
// does not leave blank pages behind).
func (r *renderer) need(h float64) {
	if y := r.f.GetY(); y+h > r.bottom && y > r.freshY+0.01 {
		r.newPage()
	}
}

// space moves down by h, unless at the top of a page.
func (r *renderer) space(h float64) {
	if y := r.f.GetY(); y > r.freshY+0.01 {
		r.f.SetXY(margin, min(y+h, r.bottom))
	}
}

// text prints lines in style s at x, each on a new page if it no longer
// fits.
func (r *renderer) text(lines []string, s style, x, w float64) {
	r.use(s)
	for _, l := range lines {
		r.need(s.lh)
		y := r.f.GetY()
		r.f.SetXY(x, y)
		r.f.CellFormat(w, s.lh, l, "", 0, "L", false, 0, "")
		r.f.SetXY(margin, y+s.lh)
	}
}
