package service

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/policy"
	"github.com/derbes-kz/derbes/internal/store"
)

// Audit actions of the published policy (R-OPS-2).
const (
	actionPolicyPublish   = "policy.publish"
	actionPolicyReconsent = "policy.reconsent-report"
)

// Limits of a policy version's texts.
const (
	maxPolicyTextBytes    = 256 << 10 // one language's Markdown
	maxPolicySummaryRunes = 1000
)

// reconsentPage is how many subjects the re-consent report reads at a time.
const reconsentPage = 500

// EnsurePolicy publishes version 1 of the policy, the embedded seed text,
// when no version is published yet. It is idempotent, and safe when several
// nodes start on one database: the check is repeated inside the write.
// The publication is audited as policy.publish by system:install.
func (s *Service) EnsurePolicy(ctx context.Context) error {
	vs, err := s.db.Read().PolicyVersions(ctx)
	if err != nil || len(vs) > 0 {
		return err
	}
	v, err := policy.Seed()
	if err != nil {
		return err
	}
	actor := derbes.Principal{ID: "system:install"}
	v.PublishedAt, v.PublishedBy = s.now().UTC().Truncate(time.Microsecond), actor.ID
	return s.db.Write(derbes.WithPrincipal(ctx, actor), func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		vs, err := c.PolicyVersions(ctx)
		if err != nil || len(vs) > 0 {
			return nil, err
		}
		if err := c.InsertPolicyVersion(ctx, v); err != nil {
			return nil, err
		}
		return []derbes.AuditEntry{s.entry(ctx, actionPolicyPublish, "", "", nil, derbes.OutcomeOK, "")}, nil
	})
}

// PolicyVersions returns every published version of the policy, ascending.
// The policy is public and holds no personal data: reading it is not
// audited.
func (s *Service) PolicyVersions(ctx context.Context) ([]policy.Version, error) {
	return s.db.Read().PolicyVersions(ctx)
}

// PublishPolicy publishes a new version of the policy (P-8.2): the texts
// in Kazakh, Russian and English, a summary of the change in each, the
// date it takes effect (not before the previous version's), and what it
// adds: purposes and categories of the catalogue, and recipient kinds. The
// number, publication time and publisher are set here. Only the
// responsible person (approve under every purpose) may publish.
//
// Consents name their purposes, categories and recipients, so what a
// version adds is not covered by consents given before it: derbes treats
// it as uncovered until the subject consents again (ReconsentNeeded lists
// who must be asked).
// Errors: EForbidden (rule permission), EInvalid naming the field and rule.
func (s *Service) PublishPolicy(ctx context.Context, in policy.Version) (*policy.Version, error) {
	const action = actionPolicyPublish
	// A refusal records no input: unchecked keys could be anything.
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil,
			s.denied(ctx, "", "only the responsible person may publish the policy"))
	}
	v, err := s.checkPolicyVersion(in)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "", nil, err)
	}
	purposes, cats := strings.Join(v.Adds.Purposes, ","), v.Adds.Categories
	v.PublishedAt, v.PublishedBy = s.now().UTC().Truncate(time.Microsecond), derbes.PrincipalFrom(ctx).ID
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", purposes, cats, derbes.OutcomeOK, "")
		vs, err := c.PolicyVersions(ctx)
		if err != nil {
			return nil, err
		}
		v.Number = 1
		if n := len(vs); n > 0 {
			prev := vs[n-1]
			v.Number = prev.Number + 1
			if v.Effective < prev.Effective {
				err := derbes.Invalid("effective", "effective-before-previous",
					"a version cannot take effect before the previous one ("+prev.Effective+")")
				e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
				return []derbes.AuditEntry{e}, err
			}
		}
		return []derbes.AuditEntry{e}, c.InsertPolicyVersion(ctx, v)
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// checkPolicyVersion validates a version to publish and returns it clean:
// the three languages, no others, texts and summaries of bounded plain
// text, a real effective date, and additions that name what exists.
func (s *Service) checkPolicyVersion(in policy.Version) (policy.Version, error) {
	v := policy.Version{Effective: strings.TrimSpace(in.Effective), Texts: map[string]string{}, Summary: map[string]string{}}
	for _, m := range []struct {
		field string
		in    map[string]string
		out   map[string]string
		max   int
		line  bool
	}{{"texts", in.Texts, v.Texts, maxPolicyTextBytes, false}, {"summary", in.Summary, v.Summary, maxPolicySummaryRunes, true}} {
		for lang := range m.in {
			if !slices.Contains(policy.Languages, lang) {
				return v, derbes.Invalid(m.field, "language", "the languages are kk, ru and en")
			}
		}
		for _, lang := range policy.Languages {
			field := m.field + "." + lang
			text := strings.TrimSpace(m.in[lang])
			if text == "" {
				return v, derbes.Invalid(field, "required", "every version is published in Kazakh, Russian and English")
			}
			if err := checkPolicyText(field, text, m.max, m.line); err != nil {
				return v, err
			}
			m.out[lang] = text
		}
	}
	if v.Effective == "" {
		return v, derbes.Invalid("effective", "required", "the date the version takes effect is required")
	}
	if d, err := time.Parse(policy.DateLayout, v.Effective); err != nil || d.Format(policy.DateLayout) != v.Effective {
		return v, derbes.Invalid("effective", "date-format", "the effective date must be a real date, YYYY-MM-DD")
	}
	var err error
	if v.Adds.Purposes, err = checkAdds("adds.purposes", in.Adds.Purposes, func(k string) bool { return s.cat.Purpose(k) != nil },
		"purpose-unknown", "a purpose is not in the catalogue (approve the catalogue first)"); err != nil {
		return v, err
	}
	if v.Adds.Categories, err = checkAdds("adds.categories", in.Adds.Categories, func(k string) bool { return s.cat.Category(k) != nil },
		"category-unknown", "a category is not in the catalogue (approve the catalogue first)"); err != nil {
		return v, err
	}
	kinds := catalogue.RecipientKinds()
	if v.Adds.RecipientKinds, err = checkAdds("adds.recipientKinds", in.Adds.RecipientKinds, func(k string) bool { return slices.Contains(kinds, k) },
		"recipient-kind-unknown", "not a recipient kind of the catalogue"); err != nil {
		return v, err
	}
	return v, nil
}

func checkPolicyText(field, s string, limit int, line bool) error {
	switch {
	case !utf8.ValidString(s):
		return derbes.Invalid(field, "text-utf8", "the text is not valid UTF-8")
	case line && utf8.RuneCountInString(s) > limit:
		return derbes.Invalid(field, "text-length", "the summary is longer than "+strconv.Itoa(limit)+" characters")
	case !line && len(s) > limit:
		return derbes.Invalid(field, "text-length", "the text is longer than "+strconv.Itoa(limit>>10)+" KiB")
	}
	for _, r := range s {
		if r == '\n' && line {
			return derbes.Invalid(field, "text-single-line", "a summary is one line")
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
			return derbes.Invalid(field, "text-control", "the text contains control characters")
		}
	}
	return nil
}

// checkAdds checks that every key exists and is named once; it returns
// the keys, never nil.
func checkAdds(field string, keys []string, exists func(string) bool, rule, msg string) ([]string, error) {
	out := []string{}
	for _, k := range keys {
		if !exists(k) {
			return nil, derbes.Invalid(field, rule, msg)
		}
		if slices.Contains(out, k) {
			return nil, derbes.Invalid(field, "repeated", "a key is named twice")
		}
		out = append(out, k)
	}
	return out, nil
}

// ReconsentItem is one subject that must be asked to consent again after a
// policy version, with what its consents do not cover: "purpose:<code>",
// "category:<purpose>/<key>" or "recipientKind:<purpose>/<kind>". It holds
// ids and keys only.
type ReconsentItem struct {
	SubjectID string   `json:"subjectId"`
	Missing   []string `json:"missing"`
}

// ReconsentNeeded lists the subjects that must be asked to consent again
// after policy version number (P-8.2). A subject is affected when it has a
// live consent given before the version was published (it consented under
// an earlier text) and the version adds:
//
//   - a consent-based purpose that none of its live consents names;
//   - a category used by a consent-based purpose it consented to, that no
//     live consent to that purpose covers (a consent that names no
//     categories covers only what existed when it was given, so one given
//     before the version does not cover what the version added);
//   - a recipient kind a purpose it consented to leads to, that no live
//     consent to that purpose names with consent to third-party transfer.
//
// Additions resting on Art. 9 need no consent and are not listed. Running
// the report needs read permission under every purpose; it is audited.
// Errors: EForbidden, ENotFound (no such version).
func (s *Service) ReconsentNeeded(ctx context.Context, number int) ([]ReconsentItem, error) {
	const action = actionPolicyReconsent
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil,
			s.denied(ctx, "", "your role may not read every subject's consents"))
	}
	r := s.db.Read()
	vs, err := r.PolicyVersions(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(vs, func(v policy.Version) bool { return v.Number == number })
	if i < 0 {
		return nil, s.Refuse(ctx, action, "", "", nil,
			&derbes.Error{Code: derbes.ENotFound, Field: "version", Rule: "not-found", Message: "no such policy version"})
	}
	v := vs[i]
	out := []ReconsentItem{}
	now := s.now()
	for after := ""; !v.Adds.Empty(); {
		ids, err := r.ConsentSubjectIDs(ctx, after, reconsentPage)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			consents, err := r.Consents(ctx, id)
			if err != nil {
				return nil, err
			}
			if missing := s.reconsentMissing(&v, consents, now); len(missing) > 0 {
				out = append(out, ReconsentItem{SubjectID: id, Missing: missing})
			}
		}
		if len(ids) < reconsentPage {
			break
		}
		after = ids[len(ids)-1]
	}
	e := s.entry(ctx, action, "", strings.Join(v.Adds.Purposes, ","), v.Adds.Categories, derbes.OutcomeOK, "")
	if err := s.db.Audit(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

// reconsentMissing returns what version v adds that a subject's consents
// do not cover (see ReconsentNeeded), or nil when the subject is not
// affected.
func (s *Service) reconsentMissing(v *policy.Version, consents []derbes.Consent, now time.Time) []string {
	var live []*derbes.Consent
	before := false
	for i := range consents {
		if consents[i].Live(now) {
			live = append(live, &consents[i])
			before = before || consents[i].GivenAt.Before(v.PublishedAt)
		}
	}
	if !before {
		return nil
	}
	named := func(code string) bool {
		return slices.ContainsFunc(live, func(k *derbes.Consent) bool { return slices.Contains(k.Purposes, code) })
	}
	// The consent-based purposes the subject consented to, in catalogue order.
	var consented []*derbes.Purpose
	for i := range s.cat.Purposes {
		if p := &s.cat.Purposes[i]; p.Basis.Kind == derbes.BasisConsent && named(p.Code) {
			consented = append(consented, p)
		}
	}
	var missing []string
	for _, code := range v.Adds.Purposes {
		if p := s.cat.Purpose(code); p != nil && p.Basis.Kind == derbes.BasisConsent && !named(code) {
			missing = append(missing, "purpose:"+code)
		}
	}
	for _, key := range v.Adds.Categories {
		for _, p := range consented {
			if p.Covers(key) && !slices.ContainsFunc(live, func(k *derbes.Consent) bool {
				return slices.Contains(k.Purposes, p.Code) &&
					(slices.Contains(k.Categories, key) || (len(k.Categories) == 0 && !k.GivenAt.Before(v.PublishedAt)))
			}) {
				missing = append(missing, "category:"+p.Code+"/"+key)
			}
		}
	}
	for _, kind := range v.Adds.RecipientKinds {
		for _, p := range consented {
			if slices.Contains(p.RecipientKinds, kind) && !slices.ContainsFunc(live, func(k *derbes.Consent) bool {
				return slices.Contains(k.Purposes, p.Code) && k.ThirdParty &&
					slices.ContainsFunc(k.Recipients, func(r derbes.Recipient) bool { return r.Kind == kind })
			}) {
				missing = append(missing, "recipientKind:"+p.Code+"/"+kind)
			}
		}
	}
	return missing
}
