package web

import (
	"net/http"
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

// ControlReportPDF runs the check and sends its report as a PDF in the
// page's language.
func (c *Console) ControlReportPDF(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.control.title")
	rep, err := c.svc.RunControlReport(r.Context())
	if err != nil {
		return err
	}
	doc, err := c.svc.ControlReportPDF(rep, string(p.Lang))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="derbes-control-`+rep.At.Format("20060102-1504")+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(doc)
	return err
}
