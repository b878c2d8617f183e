// Package pdf renders derbes' printable documents (consent forms, consent
// receipts, transfer cover letters, destruction acts, breach notices, subject
// reports) in Kazakh, Russian and English.
//
// The rest of derbes fills a [Document], a small model of headings,
// paragraphs, label/value tables, lists, tables and signature lines, and
// calls [Render]; no other package imports the PDF library
// (codeberg.org/go-pdf/fpdf). The text is set in DejaVu Sans, embedded in
// the binary (see fonts/LICENSE), which has every Kazakh and Russian letter.
//
// Personal data appears only on the pages, never in what a PDF reader shows
// without rendering them:
//
//   - The document information dictionary holds generic values only
//     ("derbes document"), never the title, which may hold a name, and no
//     author.
//   - The creation and modification dates are fixed at the Unix epoch, so
//     the same Document always gives the same bytes: a stored PDF can be
//     checked by rendering it again, and the file does not tell when it was
//     made.
//
// Tests read the text back with package pdftest, which runs pdftotext from
// Debian's poppler-utils.
package pdf

import "errors"

// Document is one printable document. Its text is plain UTF-8: no markup is
// interpreted. Line breaks ("\n") in any text are kept; long lines wrap.
type Document struct {
	// Title is printed at the top of the first page in bold. It may hold a
	// personal name: it is never copied into the PDF's metadata.
	Title string
	// Subtitle is printed under the title, e.g. the operator's name and BIN.
	Subtitle string
	// Lang is the document's language, "kk", "ru" or "en" (or empty for
	// none): it becomes the PDF's /Lang, for screen readers, and chooses
	// the words of the page numbers in the footer.
	Lang string
	// Blocks are the body, top to bottom.
	Blocks []Block
	// Footer is printed at the bottom of every page, next to "page N of M"
	// (in Lang), e.g. a document number.
	Footer string
}

// Block is one element of a Document's body: a Heading, Paragraph, Fields,
// List, Table or Signature.
type Block interface{ isBlock() }

// Heading is a section heading, in bold. It is kept on the same page as the
// first lines that follow it.
type Heading struct{ Text string }

// Paragraph is a wrapped paragraph of text.
type Paragraph struct{ Text string }

// Fields is a two-column table of labels (in bold) and their values, e.g.
// "Full name | Әлиева Гүлнұр Қайратқызы". Both columns wrap.
type Fields struct{ Rows [][2]string }

// List is a bulleted list; each item wraps under itself.
type List struct{ Items []string }

// Table is a table with a header row (repeated on every page the table
// spans) and rows of cells. Column widths follow the content; cells wrap.
// Rows shorter than the widest row are padded with empty cells.
type Table struct {
	Header []string
	Rows   [][]string
}

// Signature is a group of signature lines, e.g.
// "Subject: ____________  Date: ________", printed with room above each to
// sign and kept together on one page.
type Signature struct{ Lines []string }

func (Heading) isBlock()   {}
func (Paragraph) isBlock() {}
func (Fields) isBlock()    {}
func (List) isBlock()      {}
func (Table) isBlock()     {}
func (Signature) isBlock() {}

// ErrLang reports a Document.Lang other than "kk", "ru", "en" or "".
var ErrLang = errors.New("pdf: unsupported document language")

// ErrBlock reports a nil block, or a block type this package does not know
// (a type of another package that embeds one of the block types here).
var ErrBlock = errors.New("pdf: unsupported block")
