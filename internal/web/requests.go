package web

import (
	"net/http"
	"net/url"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// handleStatuses are the statuses staff move a request to.
var handleStatuses = []string{"in-progress", "done", "refused"}

type requestsData struct {
	Rows []*requestRow
}

type requestRow struct {
	service.RequestView
	KindLabel, ChannelLabel, StatusLabel, SubjectHref, Anchor, Assignee string
	Form                                                                *form
}

// RequestsPage is the queue of open subject requests, by deadline
// (R-RIGHTS-2, R-RIGHTS-3), each with the form to handle it.
func (c *Console) RequestsPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.requests.title")
	d, err := c.requestsData(p, r)
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "requests", p)
}

func (c *Console) requestsData(p *page, r *http.Request) (*requestsData, error) {
	ctx := r.Context()
	list, err := c.svc.Requests(ctx, "")
	if err != nil {
		return nil, err
	}
	kinds, err := service.RequestKinds()
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for _, k := range kinds {
		labels[k.Kind] = p.In(k.Label)
	}
	s := sessionFrom(ctx)
	write := derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, rightsPurpose)
	d := &requestsData{}
	for _, v := range list {
		row := &requestRow{RequestView: v, KindLabel: labels[v.Kind], ChannelLabel: p.T("console.requests.channel." + v.Channel),
			StatusLabel: p.T("console.requests.status." + v.Status), SubjectHref: subjectHref(v.SubjectID, rightsPurpose),
			Anchor: "req-" + v.ID}
		if row.KindLabel == "" {
			row.KindLabel = v.Kind
		}
		if v.Assignee != "" {
			row.Assignee = p.Short(v.Assignee)
			if s != nil && v.Assignee == s.who.ID {
				row.Assignee = s.me.Name
			}
		}
		if write {
			row.Form = &form{}
			st := row.Form.Add(htmlkit.NewField("status", p.T("console.requests.new_status"), "select"))
			st.ID, st.Required, st.Value = "f-status-"+v.ID, true, "in-progress"
			if v.Status == "in-progress" {
				st.Value = "done"
			}
			for _, x := range handleStatuses {
				st.Options = append(st.Options, option{Value: x, Label: p.T("console.requests.status." + x)})
			}
			resp := row.Form.Add(htmlkit.NewField("response", p.T("console.requests.response"), "textarea"))
			resp.ID, resp.Hint = "f-response-"+v.ID, p.T("console.requests.response_hint")
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// UpdateRequest moves a request: in progress (assigned to the member who
// takes it), or closed as done or refused with the response.
func (c *Console) UpdateRequest(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	id, f := r.PathValue("id"), r.PostForm
	status := f.Get("status")
	assignee := ""
	if status == "in-progress" {
		assignee = derbes.PrincipalFrom(ctx).ID
	}
	err := c.svc.UpdateRequest(ctx, id, status, assignee, f.Get("response"))
	if err != nil {
		if !userError(err) {
			return err
		}
		p := c.page(w, r, "console.requests.title")
		p.Here = "/console/requests"
		d, derr := c.requestsData(p, r)
		if derr != nil {
			return derr
		}
		placed := false
		for _, row := range d.Rows {
			if row.ID == id && row.Form != nil {
				row.Form.Fill(f.Get)
				c.place(p, row.Form, err)
				placed = true
			}
		}
		if !placed {
			p.Error = c.errText(p.Lang, err)
		}
		p.Data = d
		return c.render(w, formStatus(err), "requests", p)
	}
	c.flash(w, r, "console.requests.flash.updated")
	htmlkit.Redirect(w, r, "/console/requests#req-"+url.PathEscape(id))
	return nil
}
