package consentdoc

import (
	"fmt"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/pdf"
)

// Form returns the printable consent form in lang ("kk", "ru" or "en"; ""
// means in.Terms.Language) as a PDF, to be signed and its scan attached to
// the consent record (R-BASIS-4). Kazakh and Russian are the primary
// languages, English is on request.
//
// The form has the title; the operator's name and BIN; the subject's full
// name and IIN (when given) and, when a legal representative signs, the
// representative's name and relationship; the consent text ([Text]); the
// eight items of Law 94-V Art. 8 p.4 as label/value rows, item 2 naming
// the subject; the text's version and SHA-256; and signature lines for the
// subject (or the representative) and the operator's representative, with
// dates. ConsentID, when given, is printed in the footer.
//
// Errors: those of [Text], and "consent-subject-name" (SubjectName empty),
// the IIN rules of package ident for a SubjectIIN that is not a valid IIN
// (field "subjectIin") and "consent-representative-name" (a representative
// consents, by relationship or by the terms, but RepresentativeName is
// empty). An error of pdf.Render is returned as it is.
func Form(in Input, lang string) ([]byte, error) {
	m, err := prepare(&in, lang)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.SubjectName)
	if name == "" {
		return nil, derbes.Invalid("subjectName", "consent-subject-name",
			"the form names the subject (Art. 8 p.4 item 2)")
	}
	if in.SubjectIIN != "" {
		if _, err := ident.IIN(in.SubjectIIN); err != nil {
			return nil, refield(err, "subjectIin")
		}
	}
	repName := strings.TrimSpace(in.RepresentativeName)
	if m.rep && repName == "" {
		return nil, derbes.Invalid("representativeName", "consent-representative-name",
			"a consent given by a legal representative names the representative")
	}
	w := m.w
	text := m.text()

	subject := [][2]string{{w.fullName, name}}
	if in.SubjectIIN != "" {
		subject = append(subject, [2]string{w.iin, in.SubjectIIN})
	}
	if m.rep {
		subject = append(subject,
			[2]string{w.representative, repName},
			[2]string{w.relationship, m.rel.Label.In(m.lang)})
	}
	item2 := name
	if in.SubjectIIN != "" {
		item2 += ", " + w.iin + " " + in.SubjectIIN
	}
	sign := w.signSubject
	if m.rep {
		sign = w.signRep
	}

	blocks := []pdf.Block{
		pdf.Heading{Text: w.subjectHeading},
		pdf.Fields{Rows: subject},
		pdf.Heading{Text: w.textHeading},
	}
	blocks = append(blocks, textBlocks(text)...)
	blocks = append(blocks,
		pdf.Heading{Text: w.itemsHeading},
		pdf.Fields{Rows: m.itemRows(item2)},
		pdf.Fields{Rows: [][2]string{{w.textVersion, TextVersion}, {w.textHash, TextSHA256(text)}}},
		pdf.Heading{Text: w.signHeading},
		pdf.Signature{Lines: []string{sign, w.signDate, w.signOperator, w.signDate}},
	)
	return pdf.Render(pdf.Document{
		Title:    w.title,
		Subtitle: m.operator(),
		Lang:     m.lang,
		Blocks:   blocks,
		Footer:   m.footer(),
	})
}

// itemRows returns the eight items of Art. 8 p.4 as label/value rows, with
// item2 as the subject.
func (m *model) itemRows(item2 string) [][2]string {
	rows := make([][2]string, 0, 8)
	for i, v := range m.items(item2) {
		rows = append(rows, [2]string{fmt.Sprintf("%d) %s", i+1, m.w.items[i]), v})
	}
	return rows
}

// footer is the documents' footer: the consent's number, when known, and
// the text version.
func (m *model) footer() string {
	if id := strings.TrimSpace(m.in.ConsentID); id != "" {
		return m.w.consentNo + ": " + id + " · " + TextVersion
	}
	return TextVersion
}

// textBlocks lays out a consent text: a paragraph per line, and the
// purposes ("– " lines) as a list.
func textBlocks(text string) []pdf.Block {
	var out []pdf.Block
	var list []string
	flush := func() {
		if len(list) > 0 {
			out = append(out, pdf.List{Items: list})
			list = nil
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		if item, ok := strings.CutPrefix(line, "– "); ok {
			list = append(list, item)
			continue
		}
		flush()
		out = append(out, pdf.Paragraph{Text: line})
	}
	flush()
	return out
}
