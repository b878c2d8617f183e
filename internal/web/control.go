package web

import (
	"net/http"

	"github.com/derbes-kz/derbes/internal/htmlkit"
)

// ControlReportPage runs the internal control check (R-AUDIT-3, P-7.2.7)
// and shows the dated report it keeps; the same as GET
// /api/v1/reports/control. Auditors and the responsible person only.
func (c *Console) ControlReportPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.control.title")
	rep, err := c.svc.RunControlReport(r.Context())
	if err != nil {
		return err
	}
	p.Data = rep
	return c.render(w, http.StatusOK, "control", p)
}

// ControlReportPDF sends the newest kept report (the one the page just
// showed) as a PDF in the page's language; it runs the check only when no
// report was ever kept, so a download does not check twice.
func (c *Console) ControlReportPDF(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.control.title")
	rep, err := c.svc.LatestControlReport(r.Context())
	if err == nil && rep == nil {
		rep, err = c.svc.RunControlReport(r.Context())
	}
	if err != nil {
		return err
	}
	doc, err := c.svc.ControlReportPDF(rep, string(p.Lang))
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "application/pdf", "derbes-control-"+rep.At.Format("20060102-1504")+".pdf", doc)
}
