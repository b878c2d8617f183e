package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// auditPage is the number of entries shown at once.
const auditPage = 50

type auditData struct {
	Filter   *form
	Entries  []derbes.AuditEntry
	Older    string
	Verified *service.VerifyReport
}

// AuditPage shows the audit trail, newest first, filtered by actor, action,
// subject and outcome: ids and codes only, so the filters are a GET query
// that holds no personal value.
func (c *Console) AuditPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "audit.title")
	d, err := c.auditData(p, r, r.URL.Query())
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "audit", p)
}

func (c *Console) auditFilter(p *page, q url.Values) *form {
	f := &form{}
	for _, n := range []struct{ name, key, hint string }{
		{"actor", "audit.filter.actor", "console.audit.actor_hint"},
		{"action", "audit.filter.action", "console.audit.action_hint"},
		{"subject", "audit.filter.subject", "console.audit.subject_hint"},
	} {
		fl := f.Add(htmlkit.NewField(n.name, p.T(n.key), "text"))
		fl.Hint, fl.Value, fl.Auto = p.T(n.hint), strings.TrimSpace(q.Get(n.name)), "off"
	}
	out := f.Add(htmlkit.NewField("outcome", p.T("audit.filter.outcome"), "select"))
	out.Value = q.Get("outcome")
	out.Options = []option{{Value: "", Label: p.T("common.all")}}
	for _, o := range []string{derbes.OutcomeOK, derbes.OutcomeRefused, derbes.OutcomeError} {
		out.Options = append(out.Options, option{Value: o, Label: p.T("audit.outcome." + o)})
	}
	return f
}

func (c *Console) auditData(p *page, r *http.Request, q url.Values) (*auditData, error) {
	d := &auditData{Filter: c.auditFilter(p, q)}
	get := func(n string) string { return d.Filter.Get(n).Value }
	f := store.AuditFilter{Actor: get("actor"), Action: get("action"), SubjectID: get("subject"), Outcome: get("outcome"), Limit: auditPage}
	f.BeforeSeq, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := c.svc.AuditTrail(r.Context(), f)
	if err != nil {
		return nil, err
	}
	d.Entries = entries
	if len(entries) == auditPage {
		older := url.Values{}
		for _, n := range []string{"actor", "action", "subject", "outcome"} {
			if v := get(n); v != "" {
				older.Set(n, v)
			}
		}
		older.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		d.Older = "/console/audit?" + older.Encode()
	}
	return d, nil
}

// VerifyAudit recomputes the audit chain and shows the result above the
// trail.
func (c *Console) VerifyAudit(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	p := c.page(w, r, "audit.title")
	p.Here = "/console/audit"
	rep, err := c.svc.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	d, err := c.auditData(p, r, url.Values{})
	if err != nil {
		return err
	}
	d.Verified = rep
	p.Data = d
	return c.render(w, http.StatusOK, "audit", p)
}
