package service

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
)

// WithdrawalRefusalDays is the legal term, in working days, for a reasoned
// refusal of a withdrawal (Law 94-V Art. 8 p.7).
const WithdrawalRefusalDays = 15

// NewConsent is a consent to record (R-BASIS-2): the purposes and data it
// covers, the eight items of Art. 8 p.4 that are the subject's choices, how
// it was given and what proves it. The operator's name and BIN and the
// consent text's version and hash are filled in by the service.
type NewConsent struct {
	Purposes        []string
	Categories      []string
	ExpiresAt       *time.Time
	ThirdParty      bool
	Recipients      []derbes.Recipient
	CrossBorder     bool
	Countries       []string
	Publication     bool
	NotifyTransfers bool
	Other           string
	Language        string
	Form            derbes.ConsentForm
	Evidence        derbes.Evidence
	Representative  string
	Relationship    string
}

// terms validates in and returns the terms to record. The principal must
// be allowed to write under each purpose.
// Errors: EInvalid, EForbidden, naming the field.
func (s *Service) terms(ctx context.Context, in NewConsent) (*derbes.ConsentTerms, error) {
	if err := s.checkPurposes(ctx, in.Purposes); err != nil {
		return nil, err
	}
	for _, k := range in.Categories {
		if s.cat.Category(k) == nil {
			return nil, derbes.Invalid("consent.categories", "category-unknown", "a category is not in the catalogue")
		}
		if !slices.ContainsFunc(in.Purposes, func(p string) bool { return s.cat.Purpose(p).Covers(k) }) {
			return nil, derbes.Forbidden("consent.categories", "category-outside-purpose", "a category is not used by any of the consent's purposes")
		}
	}
	if len(in.Categories) == 0 {
		// Record the data explicitly: a category a later catalogue or policy
		// version adds to a purpose is then not covered until re-consent.
		for _, cat := range s.cat.Categories {
			if slices.ContainsFunc(in.Purposes, func(p string) bool { return s.cat.Purpose(p).Covers(cat.Key) }) {
				in.Categories = append(in.Categories, cat.Key)
			}
		}
	}
	countries, err := s.checkCountries(in)
	if err != nil {
		return nil, err
	}
	if err := s.checkRecipients(in, countries); err != nil {
		return nil, err
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.now()) {
		return nil, derbes.Invalid("consent.expiresAt", "date-future", "the consent must end in the future")
	}
	if (in.Representative != "") != (in.Relationship != "") {
		return nil, derbes.Invalid("consent.relationship", "relationship", "a representative's consent states the relationship, and only it does")
	}
	lang := in.Language
	if lang == "" {
		lang = "kk"
	}
	if !slices.Contains([]string{"kk", "ru", "en"}, lang) {
		return nil, derbes.Invalid("consent.language", "language", "the language must be kk, ru or en")
	}
	form, err := s.consentForm(in)
	if err != nil {
		return nil, err
	}
	if form == derbes.FormCode && in.Evidence.ChallengeID == "" {
		return nil, derbes.Invalid("consent.evidence.challengeId", "code-required", "electronic consent is confirmed by a one-time code")
	}
	if len(in.Other) > 2000 || checkText(in.Other) != nil {
		return nil, derbes.Invalid("consent.other", "text-length", "other terms are too long or not plain text")
	}
	t := &derbes.ConsentTerms{OperatorName: s.operator.Name, OperatorBIN: s.operator.BIN, Purposes: in.Purposes,
		Categories: in.Categories, ExpiresAt: in.ExpiresAt, ThirdParty: in.ThirdParty, Recipients: in.Recipients,
		CrossBorder: len(countries) > 0, Countries: countries, Publication: in.Publication, Other: in.Other, NotifyTransfers: in.NotifyTransfers,
		Language: lang, Form: form, Representative: in.Representative, Relationship: in.Relationship,
		// Only the challenge comes from the caller: the rest of the evidence
		// (channel, confirmation, scan) is what derbes itself records.
		Evidence: derbes.Evidence{ChallengeID: in.Evidence.ChallengeID}}
	if err := s.stampText(t); err != nil {
		return nil, err
	}
	return t, nil
}

// consentForm resolves the form: a P-4.1 purpose may rest on the service
// contract's clause, but each P-4.2 purpose is opted into separately
// (P-4.2, P-7.1), so a contract clause cannot carry it.
func (s *Service) consentForm(in NewConsent) (derbes.ConsentForm, error) {
	separate := slices.ContainsFunc(in.Purposes, func(p string) bool { return s.cat.Purpose(p).Basis.ConsentForm == "separate" })
	form := in.Form
	switch {
	case form == "" && separate:
		form = derbes.FormDocument
	case form == "":
		form = derbes.FormContract
	case !derbes.ValidForm(form):
		return "", derbes.Invalid("consent.form", "consent-form", "the form must be document, contract, electronic-code or e-signature")
	case form == derbes.FormContract && separate:
		return "", derbes.Invalid("consent.form", "consent-form-separate", "a purpose of P-4.2 is consented to separately, not by a contract clause")
	}
	return form, nil
}

func (s *Service) checkPurposes(ctx context.Context, purposes []string) error {
	if len(purposes) == 0 {
		return derbes.Invalid("consent.purposes", "required", "a consent names at least one purpose")
	}
	role := derbes.PrincipalFrom(ctx).Role
	for i, code := range purposes {
		const field = "consent.purposes"
		p := s.cat.Purpose(code)
		switch {
		case p == nil:
			return derbes.Invalid(field, "purpose-unknown", "the purpose is not in the catalogue")
		case p.Basis.Kind != derbes.BasisConsent:
			return derbes.Invalid(field, "purpose-not-consent", "this purpose rests on a legal case, not on consent")
		case slices.Contains(purposes[:i], code):
			return derbes.Invalid(field, "purpose-repeated", "a purpose is named twice")
		case !role.AllowsAny(derbes.ActWrite, code):
			return s.denied(ctx, field, "your role may not record consent for this purpose")
		}
	}
	return nil
}

// checkCountries validates the cross-border countries: real, not
// Kazakhstan, given exactly when cross-border transfer is consented to.
func (s *Service) checkCountries(in NewConsent) ([]string, error) {
	var out []string
	for _, c := range in.Countries {
		code, err := ident.Country(c)
		if err != nil {
			return nil, derbes.Invalid("consent.countries", "country-code", "a country is not an ISO 3166 code")
		}
		if code == "KZ" {
			return nil, derbes.Invalid("consent.countries", "country-domestic", "Kazakhstan is not a cross-border destination")
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	if in.CrossBorder != (len(out) > 0) {
		return nil, derbes.Invalid("consent.countries", "cross-border-countries", "cross-border consent names its countries, and only it does")
	}
	return out, nil
}

// checkRecipients validates the named third parties: only with the
// third-party flag, of kinds the purposes lead to, and a foreign one only
// with cross-border consent to its country.
func (s *Service) checkRecipients(in NewConsent, countries []string) error {
	if len(in.Recipients) > 0 && !in.ThirdParty {
		return derbes.Invalid("consent.recipients", "third-party-flag", "recipients are named only with consent to transfer to third parties")
	}
	if in.ThirdParty && len(in.Recipients) == 0 {
		return derbes.Invalid("consent.recipients", "recipients-required", "consent to transfer to third parties names them (Art. 8 p.4 item 4)")
	}
	for i := range in.Recipients {
		r := &in.Recipients[i]
		if r.ID == "" && r.Kind == "" {
			return derbes.Invalid("consent.recipients", "recipient-required", "a recipient needs an id or a kind")
		}
		if r.Kind != "" && !slices.ContainsFunc(in.Purposes, func(p string) bool { return slices.Contains(s.cat.Purpose(p).RecipientKinds, r.Kind) }) {
			return derbes.Invalid("consent.recipients", "recipient-kind", "none of the consent's purposes leads to this kind of recipient")
		}
		code, err := ident.Country(r.Country)
		if err != nil {
			return derbes.Invalid("consent.recipients", "country-code", "a recipient's country is not an ISO 3166 code")
		}
		r.Country = code
		if code != "KZ" && !slices.Contains(countries, code) {
			return derbes.Invalid("consent.recipients", "cross-border-countries", "a recipient abroad needs cross-border consent to its country")
		}
	}
	return nil
}

// GiveConsent records a subject's consent: a give event in the hash-chained
// history, audited in the same transaction.
// Errors: EInvalid, ENotFound, EForbidden.
func (s *Service) GiveConsent(ctx context.Context, subjectID string, in NewConsent) (*derbes.Consent, error) {
	const action = "consent.give"
	t, err := s.terms(ctx, in)
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, joinPurposes(in.Purposes), in.Categories, err)
	}
	ev := &derbes.ConsentEvent{ID: newID(), SubjectID: subjectID, Kind: derbes.EventGive, Terms: t,
		At: s.now(), RecordedBy: derbes.PrincipalFrom(ctx).ID}
	ev.ConsentID = ev.ID
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, joinPurposes(t.Purposes), t.Categories, derbes.OutcomeOK, "")
		err := s.checkConsentSubjects(ctx, c, subjectID, t)
		if err == nil && t.Form == derbes.FormCode {
			err = s.useCode(ctx, c, subjectID, ev.ID, &t.Evidence)
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		e.Basis = "consent:" + ev.ID
		return []derbes.AuditEntry{e}, c.AppendConsentEvent(ctx, ev)
	})
	if err != nil {
		return nil, err
	}
	return &derbes.Consent{ID: ev.ID, SubjectID: subjectID, ConsentTerms: *t, GivenAt: ev.At, RecordedBy: ev.RecordedBy}, nil
}

// checkConsentSubjects checks, inside the write, that the subject exists and
// that a named representative is a representative subject (Art. 7 p.1).
func (s *Service) checkConsentSubjects(ctx context.Context, c store.Conn, subjectID string, t *derbes.ConsentTerms) error {
	if _, err := c.Subject(ctx, subjectID); err != nil {
		return err
	}
	if t.Representative == "" {
		return nil
	}
	rep, err := c.Subject(ctx, t.Representative)
	if err != nil || rep.Kind != "representative" {
		return derbes.Invalid("consent.representative", "representative", "the representative must be a subject of kind representative")
	}
	if !hasKind(s.cat.Relationships, t.Relationship) {
		return derbes.Invalid("consent.relationship", "relationship", "not a relationship of the catalogue")
	}
	return nil
}

func hasKind(ks []derbes.Kind, key string) bool {
	return slices.ContainsFunc(ks, func(k derbes.Kind) bool { return k.Key == key })
}

// RefuseConsent records that the subject declined purposes: refusals are
// part of the record too (R-BASIS-2).
// Errors: EInvalid, ENotFound, EForbidden.
func (s *Service) RefuseConsent(ctx context.Context, subjectID string, purposes []string, lang string) error {
	const action = "consent.refuse"
	err := s.checkPurposes(ctx, purposes)
	if de := derbes.AsError(err); de != nil && de.Field == "consent.purposes" {
		ce := *de
		ce.Field = "purposes"
		err = &ce
	}
	if err == nil && !slices.Contains([]string{"kk", "ru", "en"}, lang) {
		err = derbes.Invalid("language", "language", "the language must be kk, ru or en")
	}
	if err != nil {
		return s.Refuse(ctx, action, subjectID, joinPurposes(purposes), nil, err)
	}
	t := &derbes.ConsentTerms{OperatorName: s.operator.Name, OperatorBIN: s.operator.BIN, Purposes: purposes, Language: lang}
	ev := &derbes.ConsentEvent{ID: newID(), SubjectID: subjectID, Kind: derbes.EventRefuse, Terms: t, At: s.now(), RecordedBy: derbes.PrincipalFrom(ctx).ID}
	ev.ConsentID = ev.ID
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, joinPurposes(purposes), nil, derbes.OutcomeOK, "")
		if _, err := c.Subject(ctx, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.AppendConsentEvent(ctx, ev)
	})
}

// Withdrawal is the result of a withdrawal: it takes effect at once, and a
// reasoned refusal (when an unfulfilled obligation blocks it) can be
// recorded until RefusalDeadline.
type Withdrawal struct {
	ID              string    `json:"id"`
	ConsentID       string    `json:"consentId"`
	At              time.Time `json:"at"`
	RefusalDeadline time.Time `json:"refusalDeadline"`
}

// WithdrawConsent withdraws a consent: processing under its purposes stops
// at once (R-BASIS-3). It needs write permission under every purpose of the
// consent.
// Errors: EForbidden, ENotFound (no live consent with that id), EInvalid (reason).
func (s *Service) WithdrawConsent(ctx context.Context, subjectID, consentID, reason string) (*Withdrawal, error) {
	const action = "consent.withdraw"
	if len(reason) > 1000 || checkText(reason) != nil {
		return nil, s.Refuse(ctx, action, subjectID, "", nil, derbes.Invalid("reason", "text-length", "the reason is too long or not plain text"))
	}
	ev := &derbes.ConsentEvent{ID: newID(), SubjectID: subjectID, Kind: derbes.EventWithdraw, ConsentID: consentID,
		Reason: reason, At: s.now(), RecordedBy: derbes.PrincipalFrom(ctx).ID}
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "", nil, derbes.OutcomeOK, "")
		e.Basis = "consent:" + consentID
		k, err := s.liveConsent(ctx, c, subjectID, consentID, true)
		if err == nil && !s.mayWriteAll(ctx, k.Purposes) {
			err = s.denied(ctx, "consentId", "your role may not act under every purpose of this consent")
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		e.Purpose = joinPurposes(k.Purposes)
		if err := c.AppendConsentEvent(ctx, ev); err != nil {
			return nil, err
		}
		return []derbes.AuditEntry{e}, s.enqueueEvent(ctx, c, EventConsentWithdrawn, subjectID, "consent:"+consentID)
	})
	if err != nil {
		return nil, err
	}
	return &Withdrawal{ID: ev.ID, ConsentID: consentID, At: ev.At, RefusalDeadline: s.refusalDeadline(ev.At)}, nil
}

func (s *Service) refusalDeadline(at time.Time) time.Time {
	return s.cal.AddWorkingDays(at, WithdrawalRefusalDays)
}

// liveConsent returns the consent with id; live says whether it must be in
// force (for a withdrawal) or withdrawn (for a refusal of withdrawal).
func (s *Service) liveConsent(ctx context.Context, c store.Conn, subjectID, consentID string, live bool) (*derbes.Consent, error) {
	ks, err := c.Consents(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	for i := range ks {
		if ks[i].ID != consentID {
			continue
		}
		if live && ks[i].Live(s.now()) {
			return &ks[i], nil
		}
		if !live && ks[i].WithdrawnAt != nil {
			return &ks[i], nil
		}
	}
	if live {
		return nil, &derbes.Error{Code: derbes.ENotFound, Field: "consentId", Rule: "consent-not-live", Message: "no live consent with this id for this subject"}
	}
	if !slices.ContainsFunc(ks, func(k derbes.Consent) bool { return k.ID == consentID }) {
		return nil, &derbes.Error{Code: derbes.ENotFound, Field: "consentId", Rule: "consent-unknown", Message: "no such consent for this subject"}
	}
	return nil, &derbes.Error{Code: derbes.EConflict, Field: "consentId", Rule: "consent-not-withdrawn", Message: "this consent is not withdrawn"}
}

// RefuseWithdrawal records staff's reasoned refusal of a withdrawal when an
// unfulfilled obligation blocks it (Law 94-V Art. 8 p.2), within 15 working
// days of the withdrawal (Art. 8 p.7). The consent is in force again.
// Errors: EInvalid (reason required), EConflict (not withdrawn, or the
// deadline passed), EForbidden.
func (s *Service) RefuseWithdrawal(ctx context.Context, subjectID, consentID, reason string) error {
	const action = "consent.withdrawal-refuse"
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 || checkText(reason) != nil {
		return s.Refuse(ctx, action, subjectID, "", nil, derbes.Invalid("reason", "reason-required", "a reasoned refusal states its reason (the unfulfilled obligation)"))
	}
	ev := &derbes.ConsentEvent{ID: newID(), SubjectID: subjectID, Kind: derbes.EventWithdrawalRefusal, ConsentID: consentID,
		Reason: reason, At: s.now(), RecordedBy: derbes.PrincipalFrom(ctx).ID}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "", nil, derbes.OutcomeOK, "")
		e.Basis = "consent:" + consentID
		k, err := s.liveConsent(ctx, c, subjectID, consentID, false)
		switch {
		case err != nil:
		case !s.mayWriteAll(ctx, k.Purposes):
			err = s.denied(ctx, "consentId", "your role may not act under every purpose of this consent")
		case ev.At.After(s.refusalDeadline(*k.WithdrawnAt)):
			err = &derbes.Error{Code: derbes.EConflict, Field: "consentId", Rule: "refusal-deadline-passed",
				Message: "the 15 working days for a reasoned refusal (Art. 8 p.7) have passed"}
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		e.Purpose = joinPurposes(k.Purposes)
		if err := c.AppendConsentEvent(ctx, ev); err != nil {
			return nil, err
		}
		return []derbes.AuditEntry{e}, s.enqueueEvent(ctx, c, EventConsentWithdrawn, subjectID, "consent:"+consentID)
	})
}

// ConsentHistory returns a subject's consent events and the consents as
// they stand. Reading it is audited.
// Errors: EForbidden, ENotFound.
func (s *Service) ConsentHistory(ctx context.Context, subjectID string) ([]derbes.ConsentEvent, []derbes.Consent, error) {
	const action = "consent.list"
	if !s.canAny(ctx, derbes.ActRead) {
		return nil, nil, s.Refuse(ctx, action, subjectID, "", nil, s.denied(ctx, "", "your role may not read consents"))
	}
	r := s.db.Read()
	if _, err := r.Subject(ctx, subjectID); err != nil {
		return nil, nil, s.Refuse(ctx, action, subjectID, "", nil, err)
	}
	events, err := r.ConsentEvents(ctx, subjectID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.db.Audit(ctx, s.entry(ctx, action, subjectID, "", nil, derbes.OutcomeOK, "")); err != nil {
		return nil, nil, err
	}
	consents, _ := derbes.FoldConsents(events)
	return events, consents, nil
}

// Consents lists a subject's consents as they stand.
func (s *Service) Consents(ctx context.Context, subjectID string) ([]derbes.Consent, error) {
	_, ks, err := s.ConsentHistory(ctx, subjectID)
	return ks, err
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

// VerifyConsents recomputes the consent history's hash chain and reports
// any edited, deleted, inserted or reordered event by sequence number.
// Errors: EForbidden.
func (s *Service) VerifyConsents(ctx context.Context) (*VerifyReport, error) {
	const action = "consent.verify"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not verify the consent history"))
	}
	rep := &VerifyReport{Findings: []derbes.Finding{}}
	next, prev := int64(1), derbes.GenesisHash
	err := s.db.Read().EachConsentEvent(ctx, func(e *derbes.ConsentEvent, body []byte) error {
		rep.Entries++
		var fs []derbes.Finding
		switch {
		case e.Seq != next:
			fs = append(fs, derbes.Finding{Seq: next, Kind: "deleted", Detail: "consent events are missing or out of order"})
		case !bytes.Equal(e.PrevHash, prev):
			fs = append(fs, derbes.Finding{Seq: e.Seq, Kind: "reordered", Detail: "event does not follow the previous one"})
		}
		if !bytes.Equal(e.ChainHash(e.PrevHash, body), e.Hash) {
			fs = append(fs, derbes.Finding{Seq: e.Seq, Kind: "edited", Detail: "event content does not match its hash"})
		}
		if len(rep.Findings) < 1000 {
			rep.Findings = append(rep.Findings, fs...)
		}
		next, prev = e.Seq+1, e.Hash
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.OK = len(rep.Findings) == 0
	outcome, reason := derbes.OutcomeOK, ""
	if !rep.OK {
		outcome, reason = derbes.OutcomeError, "chain-broken"
	}
	if err := s.db.Audit(ctx, s.entry(ctx, action, "", "", nil, outcome, reason)); err != nil {
		return nil, err
	}
	return rep, nil
}

// TransferBasis checks that a subject's live consent covers sending
// categories to recipient under purpose, and returns that consent's id
// (R-TRANSFER-2). The error names the missing item: consent-purpose,
// consent-category, consent-third-party, consent-recipient,
// consent-cross-border or consent-country. Checking is audited.
func (s *Service) TransferBasis(ctx context.Context, subjectID, purpose string, categories []string, r derbes.Recipient) (string, error) {
	const action = "transfer.check"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActTransfer, purpose) {
		return "", s.Refuse(ctx, action, subjectID, purpose, categories, s.denied(ctx, "purpose", "your role may not transfer under this purpose"))
	}
	ks, err := s.db.Read().Consents(ctx, subjectID)
	if err != nil {
		return "", err
	}
	id, err := derbes.CheckTransferConsent(ks, purpose, categories, r, s.now())
	if err != nil {
		return "", s.Refuse(ctx, action, subjectID, purpose, categories, err)
	}
	e := s.entry(ctx, action, subjectID, purpose, categories, derbes.OutcomeOK, "")
	e.Basis = "consent:" + id
	return id, s.db.Audit(ctx, e)
}
