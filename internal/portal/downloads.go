package portal

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/pdf"
)

// JSON downloads everything derbes holds about the subject as
// machine-readable JSON (service.MyData), free of charge.
func (p *Portal) JSON(w http.ResponseWriter, r *http.Request) error {
	d, err := p.myData(r)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return htmlkit.Download(w, "application/json; charset=utf-8", "my-personal-data-"+p.svc.Now().UTC().Format("2006-01-02")+".json", b)
}

// PDF downloads the same as a report in the subject's language.
func (p *Portal) PDF(w http.ResponseWriter, r *http.Request) error {
	d, err := p.myData(r)
	if err != nil {
		return err
	}
	l := p.lang(r)
	doc := p.report(l, p.view(r.Context(), l, d))
	b, err := pdf.Render(doc)
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "application/pdf", "my-personal-data-"+p.svc.Now().UTC().Format("2006-01-02")+".pdf", b)
}

// report is the PDF report of v: the values with sources and dates, the
// purposes with their periods, the consents, transfers and requests, and
// where to complain.
func (p *Portal) report(l i18n.Lang, v *view) pdf.Document {
	T := func(key string, args ...any) string { return p.msgs.T(l, key, args...) }
	empty := func(key string) pdf.Block { return pdf.Paragraph{Text: T(key)} }
	doc := pdf.Document{Title: T("portal.pdf.title"), Lang: string(l),
		Subtitle: v.Operator + "\n" + T("portal.pdf.made", "date", i18n.FormatDateTime(l, p.svc.Now())),
		Footer:   T("portal.pdf.footer")}
	add := func(b ...pdf.Block) { doc.Blocks = append(doc.Blocks, b...) }
	add(pdf.Paragraph{Text: T("portal.pdf.intro")})

	add(pdf.Heading{Text: T("portal.values.title")})
	if len(v.Values) == 0 {
		add(empty("portal.values.empty"))
	} else {
		// Label and value, with the source and date under the value: two
		// columns leave a long value (an e-mail address) room on one line.
		f := pdf.Fields{}
		for _, x := range v.Values {
			f.Rows = append(f.Rows, [2]string{x.Label, x.Value + "\n" +
				T("portal.values.source") + ": " + x.Source + "; " + T("portal.values.date") + ": " + x.Date})
		}
		add(f)
	}

	add(pdf.Heading{Text: T("portal.purposes.title")})
	if len(v.Purposes) == 0 {
		add(empty("portal.purposes.empty"))
	} else {
		t := pdf.Table{Header: []string{T("portal.purposes.purpose"), T("portal.purposes.basis"), T("portal.purposes.processing"), T("portal.purposes.storage")}}
		for _, x := range v.Purposes {
			t.Rows = append(t.Rows, []string{x.Title, x.Basis, x.Processing, x.Storage})
		}
		add(t)
	}

	add(pdf.Heading{Text: T("portal.my_consents")})
	if len(v.Consents) == 0 {
		add(empty("consents.empty"))
	} else {
		t := pdf.Table{Header: []string{T("consents.purposes"), T("consents.given"), T("portal.consents.until"), T("common.status")}}
		for _, x := range v.Consents {
			until := x.Until
			if until == "" {
				until = T("portal.consents.until_achieved")
			}
			t.Rows = append(t.Rows, []string{strings.Join(x.Purposes, "\n"), x.Given, until, x.Status})
		}
		add(t)
	}

	add(pdf.Heading{Text: T("portal.transfers.title")})
	if len(v.Transfers) == 0 {
		add(empty("portal.transfers.empty"))
	} else {
		t := pdf.Table{Header: []string{T("portal.transfers.recipient"), T("portal.transfers.date"), T("portal.transfers.categories"), T("portal.transfers.basis")}}
		for _, x := range v.Transfers {
			t.Rows = append(t.Rows, []string{x.Recipient + " (" + x.Country + ")", x.Date, strings.Join(x.Categories, "\n"), x.Basis})
		}
		add(t)
	}

	add(pdf.Heading{Text: T("portal.my_requests")})
	if len(v.Requests) == 0 {
		add(empty("portal.requests.empty"))
	} else {
		t := pdf.Table{Header: []string{T("requests.kind"), T("requests.received"), T("requests.due"), T("common.status")}}
		for _, x := range v.Requests {
			status := x.Status
			if x.Response != "" {
				status += "\n" + x.Response
			}
			t.Rows = append(t.Rows, []string{x.Kind, x.Received, x.Due, status})
		}
		add(t)
	}

	add(pdf.Heading{Text: T("portal.authority.title")},
		pdf.Paragraph{Text: T("portal.authority.text")},
		pdf.Paragraph{Text: v.Authority.Name + "\n" + v.Authority.Contact})
	return doc
}
