package service

import (
	"context"
	"slices"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
)

// Retention actions: what an item of an act does to a subject's due data.
const (
	RetainDestroy        = "destroy"         // the due categories are destroyed
	RetainDestroySubject = "destroy-subject" // everything is due: the subject is destroyed (keys shredded, ledger)
	RetainDepersonalise  = "depersonalise"   // as destroy-subject, keeping a depersonalised record first (Art. 17)
	RetainRestrict       = "restrict"        // under a legal hold: blocked instead of destroyed
)

// retentionModeKey is the setting that lets runs carry out their acts
// without waiting for the responsible person's approval.
const retentionModeKey = "retention.auto"

// RetentionItem is what a run does, or would do, to one subject's data.
type RetentionItem struct {
	SubjectID  string     `json:"subjectId"`
	Action     string     `json:"action"`
	Categories []string   `json:"categories"`
	Purposes   []string   `json:"purposes"` // whose storage periods ended
	DueSince   time.Time  `json:"dueSince"`
	Hold       string     `json:"hold,omitempty"` // the legal hold that restricts instead
	Outcome    string     `json:"outcome,omitempty"`
	DoneAt     *time.Time `json:"doneAt,omitempty"`
}

// RetentionPlan is what a run at At would do (R-RETAIN-1 preview).
type RetentionPlan struct {
	At       time.Time       `json:"at"`
	Subjects int             `json:"subjects"` // subjects examined
	Items    []RetentionItem `json:"items"`
	// Upcoming counts subjects whose next storage period ends within 30
	// and within 90 days of At.
	Upcoming30 int `json:"upcoming30"`
	Upcoming90 int `json:"upcoming90"`
	// Pending: subjects already in an act that waits for approval.
	Pending int `json:"pending"`
}

// RetentionAct is an act of destruction (Law 94-V Art. 18) for a run's items.
type RetentionAct struct {
	ID         string          `json:"id"`
	CreatedAt  time.Time       `json:"createdAt"`
	Status     string          `json:"status"` // pending, approved, done
	ApprovedBy string          `json:"approvedBy,omitempty"`
	ApprovedAt *time.Time      `json:"approvedAt,omitempty"`
	DoneAt     *time.Time      `json:"doneAt,omitempty"`
	Items      []RetentionItem `json:"items"`
}

// orderPurposes maps an order's services to the purposes it serves: every
// order is admission services (P-4.1b); each service adds its own P-4.2b.
func orderPurposes(services []string) []string {
	out := []string{orderPurpose}
	for _, sv := range services {
		switch sv {
		case "admission":
			out = append(out, "p4.2b1")
		case "visa-invitation":
			out = append(out, "p4.2b2")
		case "insurance":
			out = append(out, "p4.2b3")
		}
	}
	return out
}

func (s *Service) mayRetain(ctx context.Context, audit bool) bool {
	r := derbes.PrincipalFrom(ctx).Role
	return r.AllowsAny(derbes.ActDestroy, "*") || (audit && r.AllowsAny(derbes.ActAudit, "*"))
}

// RetentionPreview shows what a retention run at at would do (zero: now),
// without changing anything. Errors: EForbidden.
func (s *Service) RetentionPreview(ctx context.Context, at time.Time) (*RetentionPlan, error) {
	if !s.mayRetain(ctx, true) {
		return nil, s.Refuse(ctx, "retention.preview", "", "", nil, s.denied(ctx, "", "your role may not see the retention plan"))
	}
	if at.IsZero() {
		at = s.now()
	}
	p, err := s.plan(ctx, s.db.Read(), at)
	if err != nil {
		return nil, err
	}
	return p, s.db.Audit(ctx, s.entry(ctx, "retention.preview", "", "", nil, derbes.OutcomeOK, ""))
}

// plan walks every subject and decides what is due at at.
func (s *Service) plan(ctx context.Context, c store.Conn, at time.Time) (*RetentionPlan, error) {
	pending, err := c.PendingRetentionSubjects(ctx)
	if err != nil {
		return nil, err
	}
	p := &RetentionPlan{At: at.UTC(), Items: []RetentionItem{}, Pending: len(pending)}
	for after := ""; ; {
		ids, err := c.SubjectIDs(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return p, nil
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			p.Subjects++
			if pending[id] {
				continue
			}
			it, d, err := s.decide(ctx, c, id, at)
			if err != nil {
				return nil, err
			}
			if it != nil {
				p.Items = append(p.Items, *it)
			}
			if !d.Next.IsZero() && d.Next.Before(at.AddDate(0, 0, 90)) {
				p.Upcoming90++
				if d.Next.Before(at.AddDate(0, 0, 30)) {
					p.Upcoming30++
				}
			}
		}
	}
}

// decide applies the storage periods and legal holds to one subject: the
// item to carry out, or nil when nothing is due (or it is already
// restricted under its hold).
func (s *Service) decide(ctx context.Context, c store.Conn, id string, at time.Time) (*RetentionItem, derbes.RetentionDecision, error) {
	f, err := c.RetentionFacts(ctx, id, orderPurposes)
	if err != nil {
		return nil, derbes.RetentionDecision{}, err
	}
	d := derbes.DecideRetention(s.cat, f, at)
	if len(d.Due) == 0 {
		return nil, d, nil
	}
	it := &RetentionItem{SubjectID: id, Categories: d.Due, Purposes: d.Ended, DueSince: d.Since.UTC(), Action: RetainDestroy}
	holds, err := c.Holds(ctx, id)
	if err != nil {
		return nil, d, err
	}
	switch {
	case len(holds) > 0:
		it.Action, it.Hold = RetainRestrict, holds[0].ID
		blocks, err := c.ActiveBlocks(ctx, id)
		if err != nil {
			return nil, d, err
		}
		if !slices.ContainsFunc(it.Categories, func(cat string) bool {
			return !slices.ContainsFunc(blocks, func(b store.Block) bool { return b.Category == cat && b.Reason == holdReason(it.Hold) })
		}) {
			return nil, d, nil // already restricted
		}
	case d.Whole && d.Depersonalise && s.mayDepersonalise(f):
		it.Action = RetainDepersonalise
	case d.Whole:
		it.Action = RetainDestroySubject
	}
	return it, d, nil
}

// mayDepersonalise: a depersonalised record is kept only for a subject
// who never withdrew consent to statistics (P-4.2e).
func (s *Service) mayDepersonalise(f *derbes.RetentionFacts) bool {
	given := false
	for _, c := range f.Consents {
		if slices.Contains(c.Purposes, statsPurpose) {
			if c.WithdrawnAt != nil {
				return false
			}
			given = true
		}
	}
	return given
}

func holdReason(holdID string) string { return "legal hold " + holdID }

// RunRetention is a retention run (R-RETAIN-1): it records an act for
// what is due now, which waits for the responsible person's approval
// unless runs are automatic, then carries out every approved act's items
// that are not yet done. Several nodes may run it at once: one plans
// (a lease), and each item is claimed in the transaction that carries it
// out, so none is done twice. It returns the new act (nil when nothing
// was due) and how many items it carried out. Errors: EForbidden.
func (s *Service) RunRetention(ctx context.Context) (*RetentionAct, int, error) {
	if !s.mayRetain(ctx, false) {
		return nil, 0, s.Refuse(ctx, "retention.run", "", "", nil, s.denied(ctx, "", "your role may not run retention"))
	}
	act, err := s.recordAct(ctx)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.carryOutApproved(ctx)
	if err != nil {
		return act, n, err
	}
	if act != nil {
		got, err := s.db.Read().RetentionAct(ctx, act.ID)
		if err != nil {
			return act, n, err
		}
		act = actView(got)
	}
	return act, n, nil
}

func (s *Service) recordAct(ctx context.Context) (*RetentionAct, error) {
	// One node plans at a time (a lease). The plan is read outside the
	// write batch, which it would otherwise hold up; items that changed
	// in between are decided again when they are carried out.
	mine := false
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var err error
		mine, err = c.ClaimLease(ctx, "retention-plan", s.now().UnixMicro(), (10 * time.Minute).Microseconds())
		return nil, err
	})
	if err != nil || !mine {
		return nil, err
	}
	now := s.now()
	p, err := s.plan(ctx, s.db.Read(), now)
	if err != nil {
		return nil, err
	}
	var act *store.RetentionAct
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		if err := c.ReleaseLease(ctx, "retention-plan"); err != nil {
			return nil, err
		}
		pending, err := c.PendingRetentionSubjects(ctx)
		if err != nil {
			return nil, err
		}
		auto, _, err := c.Setting(ctx, retentionModeKey)
		if err != nil {
			return nil, err
		}
		a := &store.RetentionAct{ID: newID(), CreatedAt: now.UnixMicro(), Status: "pending"}
		if auto == "true" {
			a.Status, a.ApprovedBy = "approved", "system:retention (automatic)"
			a.ApprovedAt.Int64, a.ApprovedAt.Valid = now.UnixMicro(), true
		}
		for _, it := range p.Items {
			if !pending[it.SubjectID] {
				a.Items = append(a.Items, store.RetentionItem{SubjectID: it.SubjectID, Action: it.Action,
					Categories: it.Categories, Purposes: it.Purposes, DueSince: it.DueSince.UnixMicro()})
			}
		}
		if len(a.Items) == 0 {
			return nil, nil
		}
		act = a
		e := s.entry(ctx, "retention.plan", "", "", nil, derbes.OutcomeOK, "act "+a.ID)
		return []derbes.AuditEntry{e}, c.InsertRetentionAct(ctx, *a)
	})
	if err != nil || act == nil {
		return nil, err
	}
	return actView(*act), nil
}

// ApproveRetentionAct approves a pending act (the responsible person) and
// carries out its items. Errors: ENotFound, EConflict (not pending), EForbidden.
func (s *Service) ApproveRetentionAct(ctx context.Context, id string) (*RetentionAct, error) {
	const action = "retention.approve"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActDestroy, "*") || !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not approve destruction"))
	}
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "act "+id)
		ok, err := c.ApproveRetentionAct(ctx, id, derbes.PrincipalFrom(ctx).ID, s.now().UnixMicro())
		if err == nil && !ok {
			if _, err = c.RetentionAct(ctx, id); err == nil {
				err = &derbes.Error{Code: derbes.EConflict, Rule: "not-pending", Message: "this act is not waiting for approval"}
			}
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := s.carryOutApproved(ctx); err != nil {
		return nil, err
	}
	a, err := s.db.Read().RetentionAct(ctx, id)
	if err != nil {
		return nil, err
	}
	return actView(a), nil
}

// carryOutApproved carries out every approved item not yet done.
func (s *Service) carryOutApproved(ctx context.Context) (int, error) {
	acts, err := s.db.Read().RetentionActs(ctx, "approved", 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range acts {
		for _, it := range a.Items {
			if it.DoneAt.Valid {
				continue
			}
			did, err := s.carryOut(ctx, a.ID, it)
			if err != nil {
				return n, err
			}
			if did {
				n++
			}
		}
	}
	return n, s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return nil, c.FinishRetentionActs(ctx, s.now().UnixMicro())
	})
}

// carryOut does one item in one transaction: it claims the item, decides
// afresh (an order reopened or a consent renewed since the plan keeps the
// data), and destroys, depersonalises or restricts only what is both
// approved and still due. It reports whether this call did it.
func (s *Service) carryOut(ctx context.Context, actID string, planned store.RetentionItem) (bool, error) {
	did := false
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		now := s.now()
		cur, _, err := s.decide(ctx, c, planned.SubjectID, now)
		if err != nil {
			return nil, err
		}
		var cats []string
		if cur != nil {
			for _, cat := range cur.Categories {
				if slices.Contains(planned.Categories, cat) {
					cats = append(cats, cat)
				}
			}
		}
		outcome := "done"
		if len(cats) == 0 {
			outcome = "no-longer-due"
		} else if cur.Action == RetainRestrict {
			outcome = "restricted"
		}
		mine, err := c.ClaimRetentionItem(ctx, actID, planned.SubjectID, outcome, derbes.PrincipalFrom(ctx).ID, now.UnixMicro())
		if err != nil || !mine {
			return nil, err
		}
		did = true
		purpose := ""
		if len(planned.Purposes) > 0 {
			purpose = planned.Purposes[0]
		}
		e := s.entry(ctx, "retention."+outcome, planned.SubjectID, purpose, cats, derbes.OutcomeOK, "act "+actID)
		e.Basis = "art12-2"
		if len(cats) == 0 {
			return []derbes.AuditEntry{e}, nil
		}
		action := cur.Action
		if (action == RetainDestroySubject || action == RetainDepersonalise) && len(cats) < len(cur.Categories) {
			action = RetainDestroy
		}
		e.Action = "retention." + action
		return []derbes.AuditEntry{e}, s.apply(ctx, c, actID, action, cur.Hold, planned.SubjectID, cats, now)
	})
	return did, err
}

func (s *Service) apply(ctx context.Context, c store.Conn, actID, action, hold, subjectID string, cats []string, now time.Time) error {
	kind := "destruction"
	if action == RetainRestrict {
		kind = "blocking"
	}
	for _, cat := range cats {
		if err := s.draftRecipientNotices(ctx, c, subjectID, cat, kind, 0); err != nil {
			return err
		}
	}
	by := derbes.PrincipalFrom(ctx).ID
	switch action {
	case RetainRestrict:
		for _, cat := range cats {
			err := c.InsertBlock(ctx, store.Block{ID: newID(), SubjectID: subjectID, Category: cat, Reason: holdReason(hold), BlockedBy: by, BlockedAt: now.UnixMicro()})
			if err != nil {
				return err
			}
		}
		return nil
	case RetainDestroy:
		return c.DestroyCategories(ctx, subjectID, cats)
	case RetainDepersonalise:
		rec, err := s.statRecord(ctx, c, subjectID)
		if err != nil {
			return err
		}
		if err := c.InsertDepersonalised(ctx, newID(), rec.encode()); err != nil {
			return err
		}
	}
	if err := c.ShredSubject(ctx, subjectID); err != nil {
		return err
	}
	return c.InsertErasure(ctx, store.Erasure{SubjectID: subjectID, At: now.UnixMicro(), Basis: "retention act " + actID,
		Categories: cats, DestroyedBy: by})
}

// RetentionActs lists the newest acts (limit). Errors: EForbidden.
func (s *Service) RetentionActs(ctx context.Context, limit int) ([]RetentionAct, error) {
	if !s.mayRetain(ctx, true) {
		return nil, s.Refuse(ctx, "retention.acts", "", "", nil, s.denied(ctx, "", "your role may not read retention acts"))
	}
	acts, err := s.db.Read().RetentionActs(ctx, "", max(1, min(limit, 200)))
	if err != nil {
		return nil, err
	}
	out := make([]RetentionAct, 0, len(acts))
	for _, a := range acts {
		out = append(out, *actView(a))
	}
	return out, nil
}

// SetRetentionAuto lets runs carry out their acts without approval (or
// stops them). Errors: EForbidden.
func (s *Service) SetRetentionAuto(ctx context.Context, auto bool) error {
	const action = "retention.mode"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") || !s.mayRetain(ctx, false) {
		return s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not change how retention runs"))
	}
	v := map[bool]string{true: "true", false: "false"}[auto]
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "automatic "+v)}, c.PutSetting(ctx, retentionModeKey, v)
	})
}

// RetentionAuto reports whether runs carry out their acts without approval.
func (s *Service) RetentionAuto(ctx context.Context) (bool, error) {
	v, _, err := s.db.Read().Setting(ctx, retentionModeKey)
	return v == "true", err
}

func actView(a store.RetentionAct) *RetentionAct {
	v := &RetentionAct{ID: a.ID, CreatedAt: fromMicros(a.CreatedAt), Status: a.Status, ApprovedBy: a.ApprovedBy, Items: []RetentionItem{}}
	if a.ApprovedAt.Valid {
		t := fromMicros(a.ApprovedAt.Int64)
		v.ApprovedAt = &t
	}
	if a.DoneAt.Valid {
		t := fromMicros(a.DoneAt.Int64)
		v.DoneAt = &t
	}
	for _, it := range a.Items {
		iv := RetentionItem{SubjectID: it.SubjectID, Action: it.Action, Categories: it.Categories, Purposes: it.Purposes,
			DueSince: fromMicros(it.DueSince), Outcome: it.Outcome}
		if it.DoneAt.Valid {
			t := fromMicros(it.DoneAt.Int64)
			iv.DoneAt = &t
		}
		v.Items = append(v.Items, iv)
	}
	return v
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
