package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/store"
)

// Control thresholds.
const (
	consentExpiryHorizon = 30 * 24 * time.Hour // consents ending within this are listed
	unusualFactor        = 3                   // a day's reads above this many times one's own daily mean
	unusualMinimum       = 50                  // … and at least this many
)

// UnusualAccess is a staff member whose reads in the last day far exceed
// their own daily mean over the 30 days before.
type UnusualAccess struct {
	Actor     string  `json:"actor"`
	LastDay   int     `json:"lastDay"`
	DailyMean float64 `json:"dailyMean"`
}

// ControlReport is the internal control check for the responsible person
// (R-AUDIT-3, P-7.2.7): the state of compliance, dated.
type ControlReport struct {
	ID                     string          `json:"id"`
	At                     time.Time       `json:"at"`
	Responsible            *Appointment    `json:"responsible,omitempty"`
	LegacyWithoutBasis     int             `json:"legacyWithoutBasis"`
	RequestsOpen           int             `json:"requestsOpen"`
	RequestsNearDeadline   int             `json:"requestsNearDeadline"` // due within one working day
	RequestsOverdue        int             `json:"requestsOverdue"`
	ConsentsExpiring       int             `json:"consentsExpiring"`
	StaffWithoutAck        int             `json:"staffWithoutAck"`
	UnusualAccess          []UnusualAccess `json:"unusualAccess"`
	AuditChainOK           bool            `json:"auditChainOk"`
	AuditEntries           int64           `json:"auditEntries"`
	BreachesOpen           int             `json:"breachesOpen"`
	BreachNoticesOverdue   int             `json:"breachNoticesOverdue"`
	TransferNoticesPending int             `json:"transferNoticesPending"`
	LastBackup             string          `json:"lastBackup"`           // "none" until backups record one
	StoragePeriodsPassed   string          `json:"storagePeriodsPassed"` // from the retention plan (R-RETAIN-1), in words
	StorageDue             int             `json:"storageDue"`           // subjects with data past its period
	StorageHeld            int             `json:"storageHeld"`          // of which under a legal hold
	StoragePending         int             `json:"storagePending"`       // subjects in acts awaiting approval
}

// LatestControlReport returns the newest kept report, or nil when none has
// been run: the dashboard shows its figures without re-running the whole
// check on every visit. Needs audit permission under every purpose.
// Errors: EForbidden.
func (s *Service) LatestControlReport(ctx context.Context) (*ControlReport, error) {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, "report.control.read", "", "", nil, s.denied(ctx, "", "your role may not read the internal control report"))
	}
	_, body, ok, err := s.db.Read().LatestControlReport(ctx)
	if err != nil || !ok {
		return nil, err
	}
	var rep ControlReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		return nil, fmt.Errorf("service: read control report: %w", err)
	}
	return &rep, nil
}

// RunControlReport runs the internal control check, keeps the dated
// report and returns it. Needs audit permission under every purpose.
// Errors: EForbidden.
func (s *Service) RunControlReport(ctx context.Context) (*ControlReport, error) {
	const action = "report.control"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not run the internal control check"))
	}
	now := s.now().UTC()
	rep := &ControlReport{ID: newID(), At: now, LastBackup: "none", StoragePeriodsPassed: "not yet computed"}
	var err error
	if rep.Responsible, err = s.Responsible(ctx); err != nil {
		return nil, err
	}
	legacy, err := s.LegacyReport(ctx)
	if err != nil {
		return nil, err
	}
	rep.LegacyWithoutBasis = len(legacy)
	if err := s.controlRequests(ctx, rep, now); err != nil {
		return nil, err
	}
	if err := s.controlPeople(ctx, rep, now); err != nil {
		return nil, err
	}
	if err := s.controlIncidents(ctx, rep); err != nil {
		return nil, err
	}
	v, err := s.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	rep.AuditChainOK, rep.AuditEntries = v.OK, v.Entries
	plan, err := s.plan(ctx, s.db.Read(), now)
	if err != nil {
		return nil, err
	}
	held := 0
	for _, it := range plan.Items {
		if it.Action == RetainRestrict {
			held++
		}
	}
	rep.StorageDue, rep.StorageHeld, rep.StoragePending = len(plan.Items), held, plan.Pending
	rep.StoragePeriodsPassed = fmt.Sprintf("%d subjects with data past its storage period (%d under a legal hold); %d in acts awaiting approval",
		len(plan.Items), held, plan.Pending)
	if t, ok, _ := s.db.Read().Setting(ctx, "last-backup-verified"); ok {
		rep.LastBackup = t
	}
	body, _ := json.Marshal(rep)
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "report:"+rep.ID)}, c.InsertControlReport(ctx, rep.ID, now.UnixMicro(), string(body))
	})
	return rep, err
}

func (s *Service) controlRequests(ctx context.Context, rep *ControlReport, now time.Time) error {
	rows, err := s.db.Read().OpenRequests(ctx, "", 100000)
	if err != nil {
		return err
	}
	soon := s.cal.AddWorkingDays(now, 1).UnixMicro()
	for _, r := range rows {
		rep.RequestsOpen++
		switch {
		case r.DueAt < now.UnixMicro():
			rep.RequestsOverdue++
		case r.DueAt <= soon:
			rep.RequestsNearDeadline++
		}
	}
	return nil
}

// controlPeople counts consents expiring, staff without acknowledgement,
// and unusual access by staff compared with their own history.
func (s *Service) controlPeople(ctx context.Context, rep *ControlReport, now time.Time) error {
	r := s.db.Read()
	for after := ""; ; {
		ids, err := r.ConsentSubjectIDs(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, id := range ids {
			ks, err := r.Consents(ctx, id)
			if err != nil {
				return err
			}
			for _, k := range ks {
				if k.Live(now) && k.ExpiresAt != nil && k.ExpiresAt.Sub(now) < consentExpiryHorizon {
					rep.ConsentsExpiring++
				}
			}
			after = id
		}
		if len(ids) < 500 {
			break
		}
	}
	staff, err := r.AllStaff(ctx)
	if err != nil {
		return err
	}
	cur, have, err := r.LatestInstructions(ctx)
	if err != nil {
		return err
	}
	for _, st := range staff {
		if ok, err := r.Acknowledged(ctx, st.ID, cur.Version); err != nil {
			return err
		} else if have && !ok && st.Active {
			rep.StaffWithoutAck++
		}
	}
	day := now.Add(-24 * time.Hour).UnixMicro()
	last, err := r.ReadsByActor(ctx, day, now.UnixMicro())
	if err != nil {
		return err
	}
	before, err := r.ReadsByActor(ctx, now.Add(-31*24*time.Hour).UnixMicro(), day-1)
	if err != nil {
		return err
	}
	mean := map[string]float64{}
	for _, a := range before {
		mean[a.Actor] = float64(a.Count) / 30
	}
	rep.UnusualAccess = []UnusualAccess{}
	for _, a := range last {
		if a.Count >= unusualMinimum && float64(a.Count) > unusualFactor*mean[a.Actor] {
			rep.UnusualAccess = append(rep.UnusualAccess, UnusualAccess{Actor: a.Actor, LastDay: a.Count, DailyMean: mean[a.Actor]})
		}
	}
	return nil
}

func (s *Service) controlIncidents(ctx context.Context, rep *ControlReport) error {
	bs, err := s.Breaches(ctx)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if b.Status != "closed" {
			rep.BreachesOpen++
		}
		if b.Overdue {
			rep.BreachNoticesOverdue++
		}
	}
	ns, err := s.db.Read().PendingTransferNotices(ctx, 100000)
	rep.TransferNoticesPending = len(ns)
	return err
}

// ControlReportPDF renders a control report for the responsible person.
func (s *Service) ControlReportPDF(rep *ControlReport, lang string) ([]byte, error) {
	title := map[string]string{"kk": "Ішкі бақылау есебі", "ru": "Отчёт внутреннего контроля", "en": "Internal control report"}[lang]
	if title == "" {
		return nil, derbes.Invalid("lang", "language", "the language is kk, ru or en")
	}
	responsible := "—"
	if rep.Responsible != nil {
		responsible = rep.Responsible.Name + " (" + rep.Responsible.OrderRef + ")"
	}
	n := strconv.Itoa
	rows := [][2]string{
		{"Responsible person", responsible},
		{"Legacy data without a basis", n(rep.LegacyWithoutBasis)},
		{"Requests open / near deadline / overdue", fmt.Sprintf("%d / %d / %d", rep.RequestsOpen, rep.RequestsNearDeadline, rep.RequestsOverdue)},
		{"Consents expiring within 30 days", n(rep.ConsentsExpiring)},
		{"Staff without acknowledgement", n(rep.StaffWithoutAck)},
		{"Unusual access (staff)", n(len(rep.UnusualAccess))},
		{"Audit chain", fmt.Sprintf("%v, %d entries", rep.AuditChainOK, rep.AuditEntries)},
		{"Breaches open / notices overdue", fmt.Sprintf("%d / %d", rep.BreachesOpen, rep.BreachNoticesOverdue)},
		{"Transfer notices pending", n(rep.TransferNoticesPending)},
		{"Last verified backup", rep.LastBackup},
		{"Storage periods passed", rep.StoragePeriodsPassed},
	}
	var unusual []string
	for _, u := range rep.UnusualAccess {
		unusual = append(unusual, fmt.Sprintf("%s: %d reads in a day (mean %.1f)", u.Actor, u.LastDay, u.DailyMean))
	}
	return pdf.Render(pdf.Document{Title: title, Subtitle: s.operator.Name + " · BIN " + s.operator.BIN + " · " + rep.At.Format("2006-01-02 15:04 UTC"),
		Lang: lang, Footer: rep.ID, Blocks: []pdf.Block{pdf.Fields{Rows: rows}, pdf.List{Items: unusual}}})
}

// RunScheduled runs the periodic jobs whose lease this node wins: the
// daily internal control report, and hourly the escalation of overdue
// requests and the transfer notices owed. With several nodes on one
// database, a lease in the database lets one node run each job per period.
// It returns the jobs it ran.
func (s *Service) RunScheduled(ctx context.Context) ([]string, error) {
	ctx = derbes.WithPrincipal(ctx, System("scheduler"))
	jobs := []struct {
		name  string
		every time.Duration
		run   func(context.Context) error
	}{
		{"control-report", 24 * time.Hour, func(ctx context.Context) error { _, err := s.RunControlReport(ctx); return err }},
		{"escalate-requests", time.Hour, func(ctx context.Context) error { _, err := s.EscalateOverdue(ctx); return err }},
		{"transfer-notices", time.Hour, func(ctx context.Context) error { _, err := s.SendTransferNotices(ctx); return err }},
		{"retention", 24 * time.Hour, func(ctx context.Context) error { _, _, err := s.RunRetention(ctx); return err }},
		{"application-drafts", 15 * time.Minute, func(ctx context.Context) error { _, err := s.PurgeDrafts(ctx); return err }},
		{"statistics", 24 * time.Hour, func(ctx context.Context) error { _, err := s.MakeStatsExtract(ctx, s.statsK); return err }},
	}
	var ran []string
	for _, j := range jobs {
		mine, err := s.ClaimJob(ctx, j.name, j.every)
		if err != nil {
			return ran, err
		}
		if !mine {
			continue
		}
		err = j.run(ctx)
		if s.observer != nil {
			s.observer.JobRun(j.name, err)
		}
		if err != nil {
			return ran, fmt.Errorf("job %s: %w", j.name, err)
		}
		ran = append(ran, j.name)
	}
	return ran, nil
}
