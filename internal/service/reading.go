package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// maxSearchResults bounds a search: exact-match lookups rarely find more
// than one subject, and a bound keeps a common name from dumping many.
const maxSearchResults = 20

// Subject returns what the principal may see of subject id under purpose:
// only the categories the purpose covers and the role may read, identifiers
// masked unless the purpose needs them whole. The read is answered only
// after its audit entry is durable.
// Errors: EInvalid (purpose), ENotFound, EForbidden (permission, no basis).
func (s *Service) Subject(ctx context.Context, id, purpose string) (*SubjectView, error) {
	const action = "subject.read"
	p, err := s.cat.PurposeFor("purpose", purpose)
	if err == nil && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, p.Code) {
		err = s.denied(ctx, "purpose", "your role may not read under this purpose")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, id, purpose, nil, err)
	}
	v, cats, err := s.load(ctx, s.db.Read(), id, p)
	if err != nil {
		return nil, s.Refuse(ctx, action, id, p.Code, nil, err)
	}
	e := s.entry(ctx, action, id, p.Code, cats, derbes.OutcomeOK, "")
	e.Basis = v.Basis
	if err := s.db.Audit(ctx, e); err != nil {
		return nil, err
	}
	return v, nil
}

// load reads and decrypts a subject's values under p, checking the basis.
// It audits nothing: its callers do.
func (s *Service) load(ctx context.Context, c store.Conn, id string, p *derbes.Purpose) (*SubjectView, []string, error) {
	subj, err := c.Subject(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if gone, err := c.Erased(ctx, id); err != nil || gone {
		if err == nil {
			err = &derbes.Error{Code: derbes.ENotFound, Rule: "subject-destroyed", Message: "this subject's data was destroyed"}
		}
		return nil, nil, err
	}
	consents, err := c.Consents(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	basis, err := derbes.ResolveBasis(p, consents, s.now())
	if err != nil {
		return nil, nil, err
	}
	blocked, err := s.blockedCategories(ctx, c, id, p)
	if err != nil {
		return nil, nil, err
	}
	role := derbes.PrincipalFrom(ctx).Role
	var cats []string
	for _, k := range derbes.CoveredCategories(p, consents, s.now()) {
		if role.Allows(derbes.ActRead, p.Code, k) && !blocked[k] {
			cats = append(cats, k)
		}
	}
	rows, err := c.CurrentValues(ctx, id, cats)
	if err != nil {
		return nil, nil, err
	}
	keys, err := c.SubjectKeys(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	v := &SubjectView{ID: id, Kind: subj.Kind, Citizenship: subj.Citizenship, CreatedAt: subj.CreatedAt,
		Purpose: p.Code, Basis: basis.String(), Values: make(map[string]ValueView, len(rows))}
	opened := map[string]*vault.SubjectKey{}
	var read []string
	for _, r := range rows {
		plain, err := s.open(keys, opened, r)
		if err != nil {
			return nil, nil, err
		}
		v.Values[r.Category] = shown(s.cat.Category(r.Category), p, plain, r)
		read = append(read, r.Category)
	}
	return v, read, nil
}

// blockedCategories returns the categories blocked for a subject (R-RIGHTS-4).
// A whole-subject block refuses the read outright. Handling the subject's
// own request (the rights purpose) still sees everything: it is what
// decides the request.
func (s *Service) blockedCategories(ctx context.Context, c store.Conn, id string, p *derbes.Purpose) (map[string]bool, error) {
	out := map[string]bool{}
	if p.Code == "rights" {
		return out, nil
	}
	blocks, err := c.ActiveBlocks(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		if b.Category == "*" {
			return nil, derbes.Forbidden("", "subject-blocked", "the subject's data is blocked: storage only until unblocked")
		}
		out[b.Category] = true
	}
	return out, nil
}

// open decrypts one stored value with its subject key for the purpose it
// was collected for, unwrapping each key once per request.
func (s *Service) open(keys map[string]store.WrappedKey, opened map[string]*vault.SubjectKey, r store.StoredValue) (string, error) {
	sk, ok := opened[r.Purpose]
	if !ok {
		wk, found := keys[r.Purpose]
		if !found {
			return "", fmt.Errorf("%w: no key for purpose %s", errDecrypt, r.Purpose)
		}
		var err error
		if sk, err = s.kr.OpenSubjectKey(r.Purpose, r.SubjectID, wk.KeyVersion, wk.Wrapped); err != nil {
			return "", fmt.Errorf("%w: %v", errDecrypt, err)
		}
		opened[r.Purpose] = sk
	}
	plain, err := sk.Open(r.Ciphertext, vault.ValueAD(r.SubjectID, r.Category, r.Purpose, r.Version))
	if err != nil {
		return "", fmt.Errorf("%w: %s v%d", errDecrypt, r.Category, r.Version)
	}
	return string(plain), nil
}

// Search finds subjects by the exact value of a searchable category through
// its blind index, never by decrypting (R-VAULT-3), and returns each one as
// Subject would. Subjects without a basis for purpose are left out (and the
// refusal audited).
// Errors: EInvalid (purpose, category, value), EForbidden.
func (s *Service) Search(ctx context.Context, purpose, category, value string) ([]*SubjectView, error) {
	const action = "subject.search"
	p, cat, key, err := s.prepareSearch(ctx, purpose, category, value)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", purpose, []string{category}, err)
	}
	r := s.db.Read()
	ids, err := r.FindByIndex(ctx, cat.Key, s.kr.BlindIndex(cat.Key, key), maxSearchResults)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", p.Code, []string{cat.Key}, err)
	}
	var out []*SubjectView
	var entries []derbes.AuditEntry
	for _, id := range ids {
		v, cats, err := s.load(ctx, r, id, p)
		if err != nil {
			if derbes.CodeOf(err) == derbes.EInternal {
				return nil, s.Refuse(ctx, action, id, p.Code, []string{cat.Key}, err)
			}
			entries = append(entries, s.entry(ctx, action, id, p.Code, []string{cat.Key}, derbes.OutcomeRefused, derbes.RuleOf(err)))
			continue
		}
		e := s.entry(ctx, action, id, p.Code, cats, derbes.OutcomeOK, "")
		e.Basis = v.Basis
		entries = append(entries, e)
		out = append(out, v)
	}
	if len(entries) == 0 {
		entries = append(entries, s.entry(ctx, action, "", p.Code, []string{cat.Key}, derbes.OutcomeOK, "no-match"))
	}
	if err := s.db.Audit(ctx, entries...); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) prepareSearch(ctx context.Context, purpose, category, value string) (*derbes.Purpose, *derbes.Category, string, error) {
	p, err := s.cat.PurposeFor("purpose", purpose)
	if err != nil {
		return nil, nil, "", err
	}
	cat, err := s.cat.CheckCollect("category", p, category)
	if err != nil {
		return nil, nil, "", err
	}
	if cat.Search != derbes.SearchExact {
		return nil, nil, "", derbes.Invalid("category", "category-not-searchable", "this category has no search index")
	}
	if !derbes.PrincipalFrom(ctx).Role.Allows(derbes.ActRead, p.Code, cat.Key) {
		return nil, nil, "", s.denied(ctx, "category", "your role may not search this category under this purpose")
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, nil, "", derbes.Invalid("value", "required", "the value is empty")
	}
	// Search keys are normalised like stored values; a foreign-document rule
	// normalises Kazakh numbers identically, so it serves both.
	var key string
	if cat.Type == derbes.TypeDocNumber {
		key, err = ident.DocNumber(value, false)
	} else {
		_, key, err = canonical(cat, "", value)
	}
	if err != nil {
		if e := derbes.AsError(err); e != nil {
			ce := *e
			ce.Field = "value"
			return nil, nil, "", &ce
		}
		return nil, nil, "", err
	}
	return p, cat, key, nil
}

// ValueHistory returns every version of one category of a subject under
// purpose, oldest first, each with its source, who entered it and when
// (R-VAULT-4, P-6.2.1b). It is audited like a read.
// Errors: EInvalid, ENotFound, EForbidden.
func (s *Service) ValueHistory(ctx context.Context, id, purpose, category string) ([]ValueView, error) {
	const action = "subject.history"
	cats := []string{category}
	p, err := s.cat.PurposeFor("purpose", purpose)
	if err != nil {
		return nil, s.Refuse(ctx, action, id, purpose, cats, err)
	}
	cat, err := s.cat.CheckCollect("category", p, category)
	if err == nil && !derbes.PrincipalFrom(ctx).Role.Allows(derbes.ActRead, p.Code, category) {
		err = s.denied(ctx, "category", "your role may not read this category under this purpose")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, id, p.Code, cats, err)
	}
	r := s.db.Read()
	out, basis, err := s.history(ctx, r, id, p, cat)
	if err != nil {
		return nil, s.Refuse(ctx, action, id, p.Code, cats, err)
	}
	e := s.entry(ctx, action, id, p.Code, cats, derbes.OutcomeOK, "")
	e.Basis = basis.String()
	if err := s.db.Audit(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) history(ctx context.Context, r store.Conn, id string, p *derbes.Purpose, cat *derbes.Category) ([]ValueView, derbes.Basis, error) {
	if _, err := r.Subject(ctx, id); err != nil {
		return nil, derbes.Basis{}, err
	}
	if gone, err := r.Erased(ctx, id); err != nil || gone {
		if err == nil {
			err = &derbes.Error{Code: derbes.ENotFound, Rule: "subject-destroyed", Message: "this subject's data was destroyed"}
		}
		return nil, derbes.Basis{}, err
	}
	consents, err := r.Consents(ctx, id)
	if err != nil {
		return nil, derbes.Basis{}, err
	}
	basis, err := derbes.ResolveBasis(p, consents, s.now())
	if err == nil && !slices.Contains(derbes.CoveredCategories(p, consents, s.now()), cat.Key) {
		err = derbes.Forbidden("category", "consent-category", "the consent does not cover this category")
	}
	if err == nil {
		var blocked map[string]bool
		if blocked, err = s.blockedCategories(ctx, r, id, p); err == nil && blocked[cat.Key] {
			err = derbes.Forbidden("category", "category-blocked", "this category is blocked: storage only until unblocked")
		}
	}
	if err != nil {
		return nil, basis, err
	}
	rows, err := r.ValueHistory(ctx, id, cat.Key)
	if err != nil {
		return nil, basis, err
	}
	keys, err := r.SubjectKeys(ctx, id)
	if err != nil {
		return nil, basis, err
	}
	opened := map[string]*vault.SubjectKey{}
	out := make([]ValueView, 0, len(rows))
	for _, row := range rows {
		plain, err := s.open(keys, opened, row)
		if err != nil {
			return nil, basis, err
		}
		out = append(out, shown(cat, p, plain, row))
	}
	return out, basis, nil
}
