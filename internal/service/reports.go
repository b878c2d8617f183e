package service

import (
	"context"
	"time"

	"github.com/derbes-kz/derbes"
)

// LegacyItem is a subject whose data was stored without a recorded basis
// and still has none (R-BASIS-5): it may be stored, not used.
type LegacyItem struct {
	SubjectID string    `json:"subjectId"`
	Kind      string    `json:"kind"`
	StoredAt  time.Time `json:"storedAt"`
	StoredBy  string    `json:"storedBy"`
}

// LegacyReport lists the legacy subjects that still have no live consent,
// for the responsible person (R-BASIS-5, P-1.2). Ids only, no values.
// Errors: EForbidden.
func (s *Service) LegacyReport(ctx context.Context) ([]LegacyItem, error) {
	const action = "report.legacy"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not read compliance reports"))
	}
	r := s.db.Read()
	out := []LegacyItem{}
	for after := ""; ; {
		page, err := r.LegacySubjects(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		for _, subj := range page {
			ks, err := r.Consents(ctx, subj.ID)
			if err != nil {
				return nil, err
			}
			if !anyLive(ks, s.now()) {
				out = append(out, LegacyItem{SubjectID: subj.ID, Kind: subj.Kind, StoredAt: subj.CreatedAt, StoredBy: subj.CreatedBy})
			}
			after = subj.ID
		}
		if len(page) < 500 {
			break
		}
	}
	if err := s.db.Audit(ctx, s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "")); err != nil {
		return nil, err
	}
	return out, nil
}

func anyLive(ks []derbes.Consent, now time.Time) bool {
	for i := range ks {
		if ks[i].Live(now) {
			return true
		}
	}
	return false
}
