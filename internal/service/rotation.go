package service

import (
	"context"
	"fmt"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// rewrapBatch bounds one transaction of a re-wrap: short enough that the
// writer is never held for long while requests go on.
const rewrapBatch = 200

func (s *Service) mayAdminister(ctx context.Context) bool {
	return derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*")
}

// RotatePurposeKey makes a new version of a purpose's key (R-VAULT-6): new
// subject keys are wrapped with it at once; RewrapPurpose moves the old
// ones. The new version is stored before the keyring uses it.
// Errors: EInvalid (purpose), EForbidden.
func (s *Service) RotatePurposeKey(ctx context.Context, purpose string) (int, error) {
	const action = "keys.rotate"
	var err error
	switch {
	case !s.mayAdminister(ctx):
		err = s.denied(ctx, "", "your role may not rotate keys")
	case s.cat.Purpose(purpose) == nil:
		err = derbes.Invalid("purpose", "purpose-unknown", "the purpose is not in the catalogue")
	}
	if err != nil {
		return 0, s.Refuse(ctx, action, "", purpose, nil, err)
	}
	sk, err := s.kr.RotatePurpose(ctx, purpose)
	if err != nil {
		return 0, err
	}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", purpose, nil, derbes.OutcomeOK, fmt.Sprintf("version:%d", sk.Version))
		return []derbes.AuditEntry{e}, c.InsertKey(ctx, fromStoredKey(sk, s.now()))
	})
	if err != nil {
		return 0, err
	}
	return sk.Version, s.kr.Add(ctx, sk)
}

// RewrapPurpose re-wraps, in small batches, every subject key of purpose
// still under an older purpose key, and returns how many it moved. The data
// keys, and so the values, are unchanged: reads and writes go on. When
// nothing is left under a version, RetireOldPurposeKeys may delete it.
// Errors: EForbidden.
func (s *Service) RewrapPurpose(ctx context.Context, purpose string, progress func(done, left int)) (int, error) {
	if !s.mayAdminister(ctx) {
		return 0, s.Refuse(ctx, "keys.rewrap", "", purpose, nil, s.denied(ctx, "", "your role may not re-wrap keys"))
	}
	newest, ok := s.kr.PurposeKeyVersion(purpose)
	if !ok {
		return 0, derbes.Invalid("purpose", "purpose-unknown", "the keyring has no such purpose")
	}
	done := 0
	for {
		rows, err := s.db.Read().SubjectKeysBelow(ctx, purpose, newest, rewrapBatch)
		if err != nil || len(rows) == 0 {
			return done, err
		}
		err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			for _, r := range rows {
				wrapped, v, err := s.kr.RewrapSubjectKey(purpose, r.SubjectID, r.KeyVersion, r.Wrapped)
				if err != nil {
					return nil, err
				}
				if err := c.RewrapSubjectKey(ctx, r.SubjectID, purpose, r.KeyVersion, v, wrapped); err != nil {
					return nil, err
				}
			}
			return []derbes.AuditEntry{s.entry(ctx, "keys.rewrap", "", purpose, nil, derbes.OutcomeOK, fmt.Sprintf("batch:%d", len(rows)))}, nil
		})
		if err != nil {
			return done, err
		}
		done += len(rows)
		if progress != nil {
			left, _ := s.db.Read().CountSubjectKeysBelow(ctx, purpose, newest)
			progress(done, left)
		}
	}
}

// RetireOldPurposeKeys deletes the versions of a purpose's key that no
// subject key needs any more, and returns the versions retired. A version
// still wrapping a subject key is kept.
// Errors: EForbidden.
func (s *Service) RetireOldPurposeKeys(ctx context.Context, purpose string) ([]int, error) {
	const action = "keys.retire"
	if !s.mayAdminister(ctx) {
		return nil, s.Refuse(ctx, action, "", purpose, nil, s.denied(ctx, "", "your role may not retire keys"))
	}
	newest, _ := s.kr.PurposeKeyVersion(purpose)
	var retired []int
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		left, err := c.CountSubjectKeysBelow(ctx, purpose, newest)
		if err != nil || left > 0 {
			return nil, err
		}
		rows, err := c.Keys(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range rows {
			if k.Kind == vault.KindPurpose && k.Name == purpose && k.Version < newest {
				if err := c.DeleteKey(ctx, k.Kind, k.Name, k.Version); err != nil {
					return nil, err
				}
				retired = append(retired, k.Version)
			}
		}
		if len(retired) == 0 {
			return nil, nil
		}
		return []derbes.AuditEntry{s.entry(ctx, action, "", purpose, nil, derbes.OutcomeOK, fmt.Sprintf("retired:%v", retired))}, nil
	})
	return retired, err
}

// RotateMaster re-wraps every keyring key under newMaster, in one
// transaction (R-VAULT-6). The running keyring keeps its unwrapped keys; the
// next start needs newMaster only, and the old master opens nothing any
// more. Errors: EForbidden; newMaster's errors.
func (s *Service) RotateMaster(ctx context.Context, newMaster vault.Master) error {
	const action = "keys.rotate-master"
	if !s.mayAdminister(ctx) {
		return s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not rotate the master key"))
	}
	rows, err := s.kr.Rewrap(ctx, newMaster)
	if err != nil {
		return err
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		for _, k := range rows {
			if err := c.ReplaceWrapping(ctx, fromStoredKey(k, s.now())); err != nil {
				return nil, err
			}
		}
		return []derbes.AuditEntry{s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "master:"+newMaster.ID())}, nil
	})
}
