package web

import (
	"net/http"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

type retentionData struct {
	Plan     *service.RetentionPlan
	At       string         // the preview date, YYYY-MM-DD
	Items    []retentionRow // the first maxPlanRows of the plan
	More     int            // items not shown (the CLI and API list them all)
	Acts     []service.RetentionAct
	Holds    []service.HoldView
	Auto     bool
	Manage   bool  // the responsible person: run, approve, holds, mode
	HoldForm *form // nil unless Manage
}

// maxPlanRows bounds the preview table: a page of a few thousand rows
// helps nobody; the summary counts them all.
const maxPlanRows = 50

type retentionRow struct {
	service.RetentionItem
	Labels []string
}

// mayManageRetention: destroy and approve on every purpose (the
// responsible person); auditors only read the page.
func mayManageRetention(role derbes.Role) bool {
	return role.AllowsAny(derbes.ActDestroy, "*") && role.AllowsAny(derbes.ActApprove, "*")
}

// RetentionPage shows storage periods at work (R-RETAIN-1): what a run on
// a chosen date would do, the acts with their PDF and approval, legal
// holds, and whether runs wait for approval.
func (c *Console) RetentionPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.retention.title")
	d, err := c.retentionData(p, r, r.URL.Query().Get("at"))
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "retention", p)
}

func (c *Console) retentionData(p *page, r *http.Request, at string) (*retentionData, error) {
	ctx := r.Context()
	d := &retentionData{At: at, Manage: mayManageRetention(derbes.PrincipalFrom(ctx).Role)}
	when := time.Now()
	if at != "" {
		t, err := time.ParseInLocation(time.DateOnly, at, almaty)
		if err != nil {
			return nil, c.svc.Refuse(ctx, "retention.preview", "", "", nil, derbes.Invalid("at", "date", "the date is YYYY-MM-DD"))
		}
		when = t
	}
	d.At = when.In(almaty).Format(time.DateOnly)
	var err error
	if d.Plan, err = c.svc.RetentionPreview(ctx, when); err != nil {
		return nil, err
	}
	for i, it := range d.Plan.Items {
		if i == maxPlanRows {
			d.More = len(d.Plan.Items) - i
			break
		}
		row := retentionRow{RetentionItem: it}
		for _, k := range it.Categories {
			if cat := c.svc.Catalogue().Category(k); cat != nil {
				row.Labels = append(row.Labels, p.In(cat.Label))
			}
		}
		d.Items = append(d.Items, row)
	}
	if d.Acts, err = c.svc.RetentionActs(ctx, 20); err != nil {
		return nil, err
	}
	if d.Holds, err = c.svc.Holds(ctx); err != nil {
		return nil, err
	}
	if d.Auto, err = c.svc.RetentionAuto(ctx); err != nil {
		return nil, err
	}
	if d.Manage {
		d.HoldForm = &form{}
		subj := d.HoldForm.Add(htmlkit.NewField("subjectId", p.T("console.retention.hold_subject"), "text"))
		subj.Required, subj.Hint = true, p.T("console.retention.hold_subject_hint")
		reason := d.HoldForm.Add(htmlkit.NewField("reason", p.T("console.retention.hold_reason"), "text"))
		reason.Required, reason.Hint = true, p.T("console.retention.hold_reason_hint")
	}
	return d, nil
}

// RunRetention runs retention now from the page.
func (c *Console) RunRetention(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	act, _, err := c.svc.RunRetention(r.Context())
	if err != nil {
		return err
	}
	key := "console.retention.flash.nothing"
	if act != nil {
		key = "console.retention.flash.act"
	}
	c.flash(w, r, key)
	htmlkit.Redirect(w, r, "/console/retention#acts")
	return nil
}

// ApproveRetentionAct approves a pending act and carries it out.
func (c *Console) ApproveRetentionAct(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if _, err := c.svc.ApproveRetentionAct(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	c.flash(w, r, "console.retention.flash.approved")
	htmlkit.Redirect(w, r, "/console/retention#acts")
	return nil
}

// RetentionActPDF sends an act in the page's language.
func (c *Console) RetentionActPDF(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.retention.title")
	doc, err := c.svc.RetentionActPDF(r.Context(), r.PathValue("id"), string(p.Lang))
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "application/pdf", "derbes-retention-act.pdf", doc)
}

// SetRetentionMode switches runs between waiting for approval and automatic.
func (c *Console) SetRetentionMode(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if err := c.svc.SetRetentionAuto(r.Context(), r.PostForm.Get("auto") == "true"); err != nil {
		return err
	}
	c.flash(w, r, "console.retention.flash.mode")
	htmlkit.Redirect(w, r, "/console/retention")
	return nil
}

// PlaceHold places a legal hold from the form; errors stay at their field.
func (c *Console) PlaceHold(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	p := c.page(w, r, "console.retention.title")
	p.Here = "/console/retention"
	d, err := c.retentionData(p, r, "")
	if err != nil {
		return err
	}
	if d.HoldForm == nil {
		return c.svc.Refuse(ctx, "hold.place", "", "", nil, derbes.Forbidden("", "permission", "your role may not place legal holds"))
	}
	f := r.PostForm
	if _, err := c.svc.PlaceHold(ctx, f.Get("subjectId"), f.Get("reason")); err != nil {
		if !userError(err) {
			return err
		}
		if derbes.CodeOf(err) == derbes.ENotFound {
			err = derbes.Invalid("subjectId", "subject-unknown", "no subject has this id")
		}
		d.HoldForm.FillAll(f)
		c.place(p, d.HoldForm, err)
		p.Data = d
		return c.render(w, formStatus(err), "retention", p)
	}
	c.flash(w, r, "console.retention.flash.held")
	htmlkit.Redirect(w, r, "/console/retention#holds")
	return nil
}

// ReleaseHold releases a legal hold.
func (c *Console) ReleaseHold(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if err := c.svc.ReleaseHold(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	c.flash(w, r, "console.retention.flash.released")
	htmlkit.Redirect(w, r, "/console/retention#holds")
	return nil
}
