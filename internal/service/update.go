package service

import (
	"context"

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
		if err == nil {
			err = checkCovered(p, consents, vals, s.now())
		}
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
		for _, row := range rows {
			if err := s.draftRecipientNotices(ctx, c, id, row.Category, "rectification", row.Version); err != nil {
				return nil, err
			}
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
	// A destroyed subject's key must never be rotated back into existence.
	if gone, err := c.Erased(ctx, id); err != nil || gone {
		if err == nil {
			err = &derbes.Error{Code: derbes.ENotFound, Rule: "subject-destroyed", Message: "this subject's data was destroyed"}
		}
		return nil, err
	}
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
