package service

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// NewSubject is a request to create a subject with its first values,
// collected for Purpose. Consent, when given, is recorded in the same
// transaction, before anything is collected: it is usually what makes the
// collection lawful (Art. 7 p.1).
type NewSubject struct {
	Kind        string
	Citizenship string
	Purpose     string
	Consent     *NewConsent
	Values      map[string]json.RawMessage
	Source      derbes.Source
	// Legacy stores data that has no recorded basis (P-1.2: data obtained
	// before the policy), for storage only (R-BASIS-5). Only an import by
	// the administrator or the responsible person may do it.
	Legacy bool
	// codeChecked: the consent's one-time code is judged inside the
	// create's own transaction (an online application), so an electronic
	// consent may come with the create.
	codeChecked bool
}

// SubjectUpdate is a request to record new versions of values.
type SubjectUpdate struct {
	Purpose string
	Values  map[string]json.RawMessage
	Source  derbes.Source
}

// SubjectView is what a principal sees of a subject under one purpose.
type SubjectView struct {
	ID          string               `json:"id"`
	Kind        string               `json:"kind"`
	Citizenship string               `json:"citizenship"`
	CreatedAt   time.Time            `json:"createdAt"`
	Purpose     string               `json:"purpose"`
	Basis       string               `json:"basis"`
	Values      map[string]ValueView `json:"values"`
}

// ValueView is one value as shown: masked unless the purpose needs it whole.
type ValueView struct {
	Value        any           `json:"value"`
	Masked       bool          `json:"masked,omitempty"`
	Version      int           `json:"version"`
	CollectedFor string        `json:"collectedFor"`
	Source       derbes.Source `json:"source"`
	EnteredBy    string        `json:"enteredBy"`
	At           time.Time     `json:"at"`
}

// unique categories identify one person: a second subject with the same
// value is refused as a duplicate.
func unique(cat *derbes.Category) bool {
	return cat.Type == derbes.TypeIIN || cat.Type == derbes.TypeDocNumber
}

// CreateSubject creates a subject, its consent and its values under
// in.Purpose, in one transaction with their audit entries.
// Errors: EInvalid (bad input), EForbidden (permission, basis or
// minimisation), EConflict (a subject with the same IIN or document exists).
func (s *Service) CreateSubject(ctx context.Context, in NewSubject) (*SubjectView, error) {
	pc, err := s.buildCreate(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.db.Write(ctx, pc.write); err != nil {
		return nil, err
	}
	return pc.view, nil
}

// pendingCreate is a checked, encrypted create, ready to be written in a
// transaction of its own or inside a larger one (a staff account).
type pendingCreate struct {
	s     *Service
	cats  []string
	p     *derbes.Purpose
	subj  derbes.Subject
	ev    *derbes.ConsentEvent
	key   store.WrappedKey
	sk    *vault.SubjectKey // to seal the create's documents in the same transaction
	rows  []store.StoredValue
	idx   []store.IndexEntry
	vals  []checked
	basis derbes.Basis
	view  *SubjectView
}

// buildCreate runs every check of a create and does its cryptography, all
// outside the writer. A refusal is audited.
func (s *Service) buildCreate(ctx context.Context, in NewSubject) (*pendingCreate, error) {
	const action = "subject.create"
	cats := sortedKeys(in.Values)
	p, vals, terms, basis, err := s.prepareCreate(ctx, in)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", in.Purpose, cats, err)
	}
	id := newID()
	sk, wrapped, kv, err := s.kr.NewSubjectKey(p.Code, id)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", p.Code, cats, err)
	}
	now := s.now().UTC()
	principal := derbes.PrincipalFrom(ctx)
	pc := &pendingCreate{s: s, cats: cats, p: p, vals: vals, basis: basis,
		subj: derbes.Subject{ID: id, Kind: in.Kind, Citizenship: in.Citizenship, CreatedAt: now, CreatedBy: principal.ID, Legacy: in.Legacy},
		key:  store.WrappedKey{Purpose: p.Code, KeyVersion: kv, Wrapped: wrapped}, sk: sk}
	pc.rows, pc.idx = s.seal(sk, id, p.Code, vals, in.Source, principal.ID, now, nil)
	if terms != nil {
		pc.ev = &derbes.ConsentEvent{ID: newID(), SubjectID: id, Kind: derbes.EventGive, Terms: terms, At: now, RecordedBy: principal.ID}
		pc.ev.ConsentID = pc.ev.ID
		pc.basis = derbes.Basis{Kind: derbes.BasisConsent, ConsentID: pc.ev.ID}
	}
	pc.view = s.view(pc.subj, p, pc.basis, vals, pc.rows)
	return pc, nil
}

// write is the create's part of a transaction (a store.WriteFunc).
func (pc *pendingCreate) write(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
	s, id := pc.s, pc.subj.ID
	const action = "subject.create"
	if err := checkDuplicates(ctx, c, id, pc.vals, pc.idx); err != nil {
		return []derbes.AuditEntry{s.entry(ctx, action, "", pc.p.Code, pc.cats, derbes.OutcomeRefused, derbes.RuleOf(err))}, err
	}
	var entries []derbes.AuditEntry
	if err := c.InsertSubject(ctx, pc.subj); err != nil {
		return nil, err
	}
	if pc.ev != nil {
		if err := c.AppendConsentEvent(ctx, pc.ev); err != nil {
			return nil, err
		}
		e := s.entry(ctx, "consent.give", id, joinPurposes(pc.ev.Terms.Purposes), pc.ev.Terms.Categories, derbes.OutcomeOK, "")
		e.Basis = "consent:" + pc.ev.ID
		entries = append(entries, e)
	}
	if err := c.InsertSubjectKey(ctx, id, pc.key); err != nil {
		return nil, err
	}
	if err := insertValues(ctx, c, pc.rows, pc.idx, true); err != nil {
		return nil, err
	}
	e := s.entry(ctx, action, id, pc.p.Code, pc.cats, derbes.OutcomeOK, "")
	e.Basis = pc.basis.String()
	return append(entries, e), nil
}

// prepareCreate runs every check of a create that needs no database: the
// consent given with it must make the purpose lawful and cover every value.
func (s *Service) prepareCreate(ctx context.Context, in NewSubject) (*derbes.Purpose, []checked, *derbes.ConsentTerms, derbes.Basis, error) {
	fail := func(err error) (*derbes.Purpose, []checked, *derbes.ConsentTerms, derbes.Basis, error) {
		return nil, nil, nil, derbes.Basis{}, err
	}
	p, err := s.cat.PurposeFor("purpose", in.Purpose)
	if err != nil {
		return fail(err)
	}
	if !s.cat.HasSubjectKind(in.Kind) {
		return fail(derbes.Invalid("kind", "subject-kind", "not a subject kind of the catalogue"))
	}
	if !s.cat.HasCitizenship(in.Citizenship) {
		return fail(derbes.Invalid("citizenship", "citizenship-status", "not a citizenship status of the catalogue"))
	}
	if err := checkSource(in.Source); err != nil {
		return fail(err)
	}
	var terms *derbes.ConsentTerms
	var consents []derbes.Consent
	if in.Consent != nil {
		if in.Consent.Representative != "" && !in.codeChecked {
			return fail(derbes.Invalid("consent.representative", "representative-after-create",
				"record a representative's consent once both subjects exist"))
		}
		if terms, err = s.terms(ctx, *in.Consent); err != nil {
			return fail(err)
		}
		if terms.Form == derbes.FormCode && !in.codeChecked {
			// A code goes to a subject's address; before the subject exists
			// there is none to check it against.
			return fail(derbes.Invalid("consent.form", "code-after-create", "confirm an electronic consent by code once the subject exists"))
		}
		consents = []derbes.Consent{{ConsentTerms: *terms, GivenAt: s.now()}}
	}
	basis, err := derbes.ResolveBasis(p, consents, s.now())
	if in.Legacy {
		basis, err = derbes.Basis{Kind: "none", ConsentID: "legacy"}, s.checkLegacy(ctx, in)
	}
	if err != nil {
		return fail(err)
	}
	vals, err := s.checkValues(ctx, derbes.ActWrite, p, in.Citizenship, in.Values)
	if err != nil {
		return fail(err)
	}
	if len(vals) == 0 {
		return fail(derbes.Invalid("values", "required", "at least one value is needed"))
	}
	if in.Legacy {
		return p, vals, terms, basis, nil
	}
	if err := checkCovered(p, consents, vals, s.now()); err != nil {
		return fail(err)
	}
	return p, vals, terms, basis, nil
}

// checkLegacy allows a legacy import only to an administrator's import,
// and only without a consent (a consent would make it not legacy).
func (s *Service) checkLegacy(ctx context.Context, in NewSubject) error {
	// An administrator's import (the CLI runs as the system) or the
	// responsible person's (the console).
	if r := derbes.PrincipalFrom(ctx).Role; !r.AllowsAny(derbes.ActAdminister, "*") && !r.AllowsAny(derbes.ActApprove, "*") {
		return s.denied(ctx, "legacy", "only an administrator's or the responsible person's import stores legacy data")
	}
	if in.Consent != nil {
		return derbes.Invalid("legacy", "legacy-with-consent", "data with a consent is not legacy data")
	}
	if in.Source.Kind != derbes.SourceImport {
		return derbes.Invalid("source.kind", "legacy-source", "legacy data comes from an import")
	}
	return nil
}

// checkCovered refuses a value whose category the consents do not cover
// under p (a consent may name fewer categories than its purposes use).
func checkCovered(p *derbes.Purpose, consents []derbes.Consent, vals []checked, now time.Time) error {
	covered := derbes.CoveredCategories(p, consents, now)
	for _, v := range vals {
		if !slices.Contains(covered, v.cat.Key) {
			return derbes.Forbidden("values."+v.cat.Key, "consent-category", "the consent does not cover this category")
		}
	}
	return nil
}

// checkValues validates each value: known category, covered by the purpose
// (minimisation), allowed to the principal, valid for its type.
func (s *Service) checkValues(ctx context.Context, a derbes.Action, p *derbes.Purpose, citizenship string, in map[string]json.RawMessage) ([]checked, error) {
	role := derbes.PrincipalFrom(ctx).Role
	if !role.AllowsAny(a, p.Code) {
		return nil, s.denied(ctx, "purpose", "your role may not do this under this purpose")
	}
	out := make([]checked, 0, len(in))
	for _, key := range sortedKeys(in) {
		field := "values." + key
		cat, err := s.cat.CheckCollect(field, p, key)
		if err != nil {
			return nil, err
		}
		if !role.Allows(a, p.Code, key) {
			return nil, s.denied(ctx, field, "your role may not write this category")
		}
		v, err := checkValue(field, cat, citizenship, in[key])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func checkSource(src derbes.Source) error {
	if !derbes.ValidSource(src.Kind) {
		return derbes.Invalid("source.kind", "source-kind", "source must be subject, staff, import or third-party")
	}
	if src.Kind == derbes.SourceThirdParty && src.Ref == "" {
		return derbes.Invalid("source.ref", "source-ref-required", "a third-party source must be named")
	}
	if len(src.Ref) > 200 || checkText(src.Ref) != nil {
		return derbes.Invalid("source.ref", "text-length", "the source reference is too long or not plain text")
	}
	return nil
}

// seal encrypts checked values as version 1 (or versions[cat]+1) under sk,
// and computes their blind indexes.
func (s *Service) seal(sk *vault.SubjectKey, id, purpose string, vals []checked, src derbes.Source, by string, now time.Time, versions map[string]int) ([]store.StoredValue, []store.IndexEntry) {
	rows := make([]store.StoredValue, len(vals))
	var idx []store.IndexEntry
	for i, v := range vals {
		ver := versions[v.cat.Key] + 1
		rows[i] = store.StoredValue{SubjectID: id, Category: v.cat.Key, Version: ver, Purpose: purpose,
			Ciphertext: sk.Seal([]byte(v.plain), vault.ValueAD(id, v.cat.Key, purpose, ver)),
			Source:     src, EnteredBy: by, At: now.UnixMicro()}
		if v.index != "" {
			idx = append(idx, store.IndexEntry{Category: v.cat.Key, Hash: s.kr.BlindIndex(v.cat.Key, v.index)})
		}
	}
	return rows, idx
}

func insertValues(ctx context.Context, c store.Conn, rows []store.StoredValue, idx []store.IndexEntry, fresh bool) error {
	if err := c.InsertValues(ctx, rows); err != nil {
		return err
	}
	return c.SetIndexes(ctx, rows[0].SubjectID, idx, fresh)
}

// checkDuplicates refuses an IIN or document number that another subject has.
func checkDuplicates(ctx context.Context, c store.Conn, id string, vals []checked, idx []store.IndexEntry) error {
	var uniq []store.IndexEntry
	for _, e := range idx {
		for _, v := range vals {
			if v.cat.Key == e.Category && unique(v.cat) {
				uniq = append(uniq, e)
			}
		}
	}
	cats, err := c.IndexOwners(ctx, id, uniq)
	if err != nil || len(cats) == 0 {
		return err
	}
	slices.Sort(cats)
	return &derbes.Error{Code: derbes.EConflict, Field: "values." + cats[0], Rule: "duplicate-subject",
		Message: "another subject already has this identifier"}
}

// view builds the response for freshly written values.
func (s *Service) view(subj derbes.Subject, p *derbes.Purpose, basis derbes.Basis, vals []checked, rows []store.StoredValue) *SubjectView {
	v := &SubjectView{ID: subj.ID, Kind: subj.Kind, Citizenship: subj.Citizenship, CreatedAt: subj.CreatedAt,
		Purpose: p.Code, Basis: basis.String(), Values: map[string]ValueView{}}
	for i, c := range vals {
		v.Values[c.cat.Key] = shown(c.cat, p, c.plain, rows[i])
	}
	return v
}

// shown renders one value for purpose p: masked identifiers unless p needs
// them whole (R-ACCESS-2); "other information" as an object.
func shown(cat *derbes.Category, p *derbes.Purpose, plain string, r store.StoredValue) ValueView {
	vv := ValueView{Value: plain, Version: r.Version, CollectedFor: r.Purpose, Source: r.Source, EnteredBy: r.EnteredBy,
		At: time.UnixMicro(r.At).UTC()}
	switch {
	case cat.Masked && !p.NeedsWhole(cat.Key):
		vv.Value, vv.Masked = derbes.Mask(plain), true
	case cat.Type == derbes.TypeKV:
		var m map[string]string
		if json.Unmarshal([]byte(plain), &m) == nil {
			vv.Value = m
		}
	}
	return vv
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var errDecrypt = errors.New("service: a stored value does not open: it was altered or moved")
