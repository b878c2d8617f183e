package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// UpdateSubject records a new version of each value in in.Values, with its
// source; earlier versions stay as history (R-VAULT-4). The basis is checked
// again inside the transaction, so a consent withdrawn a moment earlier
// stops the write.
// Errors: EInvalid, ENotFound, EForbidden, EConflict (duplicate identifier).
func (s *Service) UpdateSubject(ctx context.Context, id string, in SubjectUpdate) (*SubjectView, error) {
	const action = "subject.update"
	cats := sortedKeys(in.Values)
	p, err := s.cat.PurposeFor("purpose", in.Purpose)
	if err != nil {
		return nil, s.Refuse(ctx, action, id, in.Purpose, cats, err)
	}
	if err := checkSource(in.Source); err != nil {
		return nil, s.Refuse(ctx, action, id, p.Code, cats, err)
	}
	subj, err := s.db.Read().Subject(ctx, id)
	if err != nil {
		return nil, s.Refuse(ctx, action, id, p.Code, cats, err)
	}
	vals, err := s.checkValues(ctx, derbes.ActWrite, p, subj.Citizenship, in.Values)
	if err == nil && len(vals) == 0 {
		err = derbes.Invalid("values", "required", "at least one value is needed")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, id, p.Code, cats, err)
	}
	by := derbes.PrincipalFrom(ctx).ID
	now := s.now().UTC()
	var view *SubjectView
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		refused := func(err error) ([]derbes.AuditEntry, error) {
			return []derbes.AuditEntry{s.entry(ctx, action, id, p.Code, cats, derbes.OutcomeRefused, derbes.RuleOf(err))}, err
		}
		consents, err := c.Consents(ctx, id)
		if err != nil {
			return nil, err
		}
		basis, err := derbes.ResolveBasis(p, consents, s.now())
		if err != nil {
			return refused(err)
		}
		sk, err := s.purposeKey(ctx, c, id, p.Code)
		if err != nil {
			return nil, err
		}
		versions, err := c.ValueVersions(ctx, id)
		if err != nil {
			return nil, err
		}
		rows, idx := s.seal(sk, id, p.Code, vals, in.Source, by, now, versions)
		if err := checkDuplicates(ctx, c, id, vals, idx); err != nil {
			return refused(err)
		}
		if err := insertValues(ctx, c, rows, idx, false); err != nil {
			return nil, err
		}
		view = s.view(subj, p, basis, vals, rows)
		e := s.entry(ctx, action, id, p.Code, cats, derbes.OutcomeOK, "")
		e.Basis = basis.String()
		return []derbes.AuditEntry{e}, nil
	})
	if err != nil {
		return nil, err
	}
	return view, nil
}

// purposeKey returns the subject's data key for purpose, creating it (inside
// the write) the first time the subject has data collected for it.
func (s *Service) purposeKey(ctx context.Context, c store.Conn, id, purpose string) (*vault.SubjectKey, error) {
	keys, err := c.SubjectKeys(ctx, id)
	if err != nil {
		return nil, err
	}
	if wk, ok := keys[purpose]; ok {
		return s.kr.OpenSubjectKey(purpose, id, wk.KeyVersion, wk.Wrapped)
	}
	sk, wrapped, kv, err := s.kr.NewSubjectKey(purpose, id)
	if err != nil {
		return nil, err
	}
	return sk, c.InsertSubjectKey(ctx, id, store.WrappedKey{Purpose: purpose, KeyVersion: kv, Wrapped: wrapped})
}

// NewConsent is a consent to record: the purposes it covers and, if it has
// one, its end. The consent issue's full record builds on this.
type NewConsent struct {
	Purposes  []string
	ExpiresAt *time.Time
}

// checkConsent validates a consent: known purposes resting on consent, no
// repeats, an end in the future, and the principal allowed to write under
// each purpose.
func (s *Service) checkConsent(ctx context.Context, in NewConsent) error {
	if len(in.Purposes) == 0 {
		return derbes.Invalid("consent.purposes", "required", "a consent names at least one purpose")
	}
	role := derbes.PrincipalFrom(ctx).Role
	for i, code := range in.Purposes {
		field := "consent.purposes"
		p := s.cat.Purpose(code)
		switch {
		case p == nil:
			return derbes.Invalid(field, "purpose-unknown", "the purpose is not in the catalogue")
		case p.Basis.Kind != derbes.BasisConsent:
			return derbes.Invalid(field, "purpose-not-consent", "this purpose rests on a legal case, not on consent")
		case slices.Contains(in.Purposes[:i], code):
			return derbes.Invalid(field, "purpose-repeated", "a purpose is named twice")
		case !role.AllowsAny(derbes.ActWrite, code):
			return derbes.Forbidden(field, "permission", "your role may not record consent for this purpose")
		}
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return derbes.Invalid("consent.expiresAt", "date-future", "the consent must end in the future")
	}
	return nil
}

// GiveConsent records a subject's consent.
// Errors: EInvalid, ENotFound, EForbidden.
func (s *Service) GiveConsent(ctx context.Context, subjectID string, in NewConsent) (*derbes.Consent, error) {
	const action = "consent.give"
	if err := s.checkConsent(ctx, in); err != nil {
		return nil, s.Refuse(ctx, action, subjectID, joinPurposes(in.Purposes), nil, err)
	}
	k := &derbes.Consent{ID: newID(), SubjectID: subjectID, Purposes: in.Purposes, GivenAt: s.now().UTC(),
		ExpiresAt: in.ExpiresAt, RecordedBy: derbes.PrincipalFrom(ctx).ID}
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, joinPurposes(in.Purposes), nil, derbes.OutcomeOK, "")
		if _, err := c.Subject(ctx, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		e.Basis = "consent:" + k.ID
		return []derbes.AuditEntry{e}, c.InsertConsent(ctx, *k)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// WithdrawConsent withdraws a consent: processing under its purposes stops
// at once (R-BASIS-3).
// Errors: EForbidden, ENotFound (no live consent with that id).
func (s *Service) WithdrawConsent(ctx context.Context, subjectID, consentID string) error {
	const action = "consent.withdraw"
	if !s.canAny(ctx, derbes.ActWrite) {
		return s.Refuse(ctx, action, subjectID, "", nil, derbes.Forbidden("", "permission", "your role may not withdraw consents"))
	}
	at := s.now().UTC().UnixMicro()
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "", nil, derbes.OutcomeOK, "")
		e.Basis = "consent:" + consentID
		ks, err := c.Consents(ctx, subjectID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ks, func(k derbes.Consent) bool { return k.ID == consentID })
		if i >= 0 && !s.mayWriteAll(ctx, ks[i].Purposes) {
			err := derbes.Forbidden("consentId", "permission", "your role may not act under every purpose of this consent")
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		ok := false
		if i >= 0 {
			e.Purpose = joinPurposes(ks[i].Purposes)
			if ok, err = c.WithdrawConsent(ctx, subjectID, consentID, at); err != nil {
				return nil, err
			}
		}
		if !ok {
			err := &derbes.Error{Code: derbes.ENotFound, Field: "consentId", Rule: "consent-not-live", Message: "no live consent with this id for this subject"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, nil
	})
}

// Consents lists a subject's consent records.
// Errors: EForbidden, ENotFound.
func (s *Service) Consents(ctx context.Context, subjectID string) ([]derbes.Consent, error) {
	const action = "consent.list"
	if !s.canAny(ctx, derbes.ActRead) {
		return nil, s.Refuse(ctx, action, subjectID, "", nil, derbes.Forbidden("", "permission", "your role may not read consents"))
	}
	r := s.db.Read()
	if _, err := r.Subject(ctx, subjectID); err != nil {
		return nil, s.Refuse(ctx, action, subjectID, "", nil, err)
	}
	ks, err := r.Consents(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	if err := s.db.Audit(ctx, s.entry(ctx, action, subjectID, "", nil, derbes.OutcomeOK, "")); err != nil {
		return nil, err
	}
	return ks, nil
}

// mayWriteAll reports whether the principal may write under every purpose.
func (s *Service) mayWriteAll(ctx context.Context, purposes []string) bool {
	role := derbes.PrincipalFrom(ctx).Role
	for _, p := range purposes {
		if !role.AllowsAny(derbes.ActWrite, p) {
			return false
		}
	}
	return true
}

// canAny reports whether the principal may do a under some purpose.
func (s *Service) canAny(ctx context.Context, a derbes.Action) bool {
	role := derbes.PrincipalFrom(ctx).Role
	for _, p := range s.cat.Purposes {
		if role.AllowsAny(a, p.Code) {
			return true
		}
	}
	return false
}

func joinPurposes(ps []string) string { return strings.Join(ps, ",") }
