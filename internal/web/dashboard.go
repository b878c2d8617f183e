package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

// panel is one box of the dashboard. Shown is false when the member's role
// may not see it; Err holds a message when it could not be computed.
type panel struct {
	Shown bool
	Err   string
}

type dashboardData struct {
	Responsible *service.Appointment
	RespFrom    time.Time
	RespErr     string
	Legacy      panel
	LegacyCount int
	Audit       panel
	Chain       *service.VerifyReport
	Staff       panel
	Unacked     []service.StaffView
	Requests    panel
	Open        int
	Overdue     int
	Next        []service.RequestView  // the nearest deadlines
	Control     *service.ControlReport // the newest kept report; nil when none
	Breaches    panel
	Incidents   []service.BreachView // not closed, the overdue first
	Backup      panel
	BackupAt    time.Time // zero when no backup has been verified
	BackupStale bool      // older than two days: the schedule is not working
}

// Dashboard is the responsible person's overview: their appointment, data
// kept without a basis, the audit chain, staff who have not acknowledged
// the instructions, and the panels of later features as empty states.
func (c *Console) Dashboard(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	role := derbes.PrincipalFrom(ctx).Role
	p := c.page(w, r, "dashboard.title")
	d := &dashboardData{}
	var err error
	if d.Responsible, err = c.svc.Responsible(ctx); err != nil {
		d.RespErr = c.errText(p.Lang, err)
	} else if d.Responsible != nil {
		d.RespFrom, _ = time.Parse(time.DateOnly, d.Responsible.FromDate)
	}
	if role.AllowsAny(derbes.ActAudit, "*") {
		d.Legacy.Shown, d.Audit.Shown = true, true
		legacy, err := c.svc.LegacyReport(ctx)
		if err != nil {
			d.Legacy.Err = c.userText(p, err)
		}
		d.LegacyCount = len(legacy)
		if d.Chain, err = c.svc.VerifyAudit(ctx); err != nil {
			d.Audit.Err = c.userText(p, err)
		}
		if d.Control, err = c.svc.LatestControlReport(ctx); err != nil {
			d.Audit.Err = c.userText(p, err)
		}
	}
	if role.AllowsAny(derbes.ActAdminister, "*") || role.AllowsAny(derbes.ActApprove, "*") {
		d.Staff.Shown = true
		staff, err := c.svc.Staff(ctx)
		if err != nil {
			d.Staff.Err = c.userText(p, err)
		}
		for _, s := range staff {
			if s.Active && !s.Acknowledged {
				d.Unacked = append(d.Unacked, s)
			}
		}
	}
	if role.AllowsAny(derbes.ActRead, rightsPurpose) {
		d.Requests.Shown = true
		list, err := c.svc.Requests(ctx, "")
		if err != nil {
			d.Requests.Err = c.userText(p, err)
		}
		d.Open = len(list)
		for _, rq := range list {
			if rq.Overdue {
				d.Overdue++
			}
		}
		d.Next = list[:min(3, len(list))]
	}
	if role.AllowsAny(derbes.ActApprove, "*") || role.AllowsAny(derbes.ActAdminister, "*") || role.AllowsAny(derbes.ActAudit, "*") {
		// The same roles as the register itself (R-OPS-3): an incident whose
		// notice to the authorised body is due is the loudest thing here.
		d.Breaches.Shown = true
		list, err := c.svc.Breaches(ctx)
		if err != nil {
			d.Breaches.Err = c.userText(p, err)
		}
		for _, b := range list {
			if b.Status != "closed" {
				d.Incidents = append(d.Incidents, b)
			}
		}
		slices.SortStableFunc(d.Incidents, func(a, b service.BreachView) int {
			if a.Overdue != b.Overdue {
				if a.Overdue {
					return -1
				}
				return 1
			}
			return a.DueAt.Compare(b.DueAt)
		})
	}
	if role.AllowsAny(derbes.ActAdminister, "*") || role.AllowsAny(derbes.ActAudit, "*") {
		d.Backup.Shown = true
		at, ok, err := c.svc.LastBackup(ctx)
		if err != nil {
			d.Backup.Err = c.userText(p, err)
		} else if ok {
			d.BackupAt, d.BackupStale = at, time.Since(at) > 48*time.Hour
		}
	}
	p.Data = d
	return c.render(w, http.StatusOK, "dashboard", p)
}

// userText is err's message for a panel; an internal error is logged.
func (c *Console) userText(p *page, err error) string {
	if derbes.CodeOf(err) == derbes.EInternal {
		c.log.Error("console panel", "err", err)
	}
	return c.errText(p.Lang, err)
}
