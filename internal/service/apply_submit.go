package service

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// ApplyStatement is what the applicant is shown before confirming (Law
// 94-V Art. 8 p.4, Art. 16): the data, the purposes, the recipients and
// the countries the data would cross into.
type ApplyStatement struct {
	Draft        *Draft
	Categories   []string          // what will be processed (the services' needs and the verified contact)
	Institutions []store.Recipient // chosen, with countries
	CrossBorder  []string          // countries outside Kazakhstan, sorted
	Optional     []string          // the separate consents offered
	Missing      []string          // required values not yet given
}

// applyRequired are the values an application cannot go without.
var applyRequired = []string{"full_name"}

// ApplyPreview is the statement for the draft of token.
// Errors: EUnauthorized (draft).
func (s *Service) ApplyPreview(ctx context.Context, token string) (*ApplyStatement, error) {
	d, err := s.ApplyDraft(ctx, token)
	if err != nil {
		return nil, err
	}
	st := &ApplyStatement{Draft: d, Categories: s.applyConsentCategories(d)}
	for _, id := range d.Institutions {
		r, err := s.db.Read().RecipientByID(ctx, id)
		if err != nil {
			return nil, err
		}
		st.Institutions = append(st.Institutions, r)
		if r.Country != "KZ" && !slices.Contains(st.CrossBorder, r.Country) {
			st.CrossBorder = append(st.CrossBorder, r.Country)
		}
	}
	if pr := d.Proposed; pr != nil {
		st.Institutions = append(st.Institutions, store.Recipient{Kind: "education-org", Country: pr.Country,
			Names: map[string]string{"kk": pr.Name, "ru": pr.Name, "en": pr.Name}})
		if pr.Country != "KZ" && !slices.Contains(st.CrossBorder, pr.Country) {
			st.CrossBorder = append(st.CrossBorder, pr.Country)
		}
	}
	slices.Sort(st.CrossBorder)
	for _, p := range ApplyOptional {
		switch {
		case p == "p4.2b1" && !slices.Contains(d.Services, "admission"),
			p == "p4.2b2" && !slices.Contains(d.Services, "visa-invitation"),
			p == "p4.2b3" && !slices.Contains(d.Services, "insurance"):
			continue
		}
		st.Optional = append(st.Optional, p)
	}
	for _, k := range applyRequired {
		if d.Values[k] == "" {
			st.Missing = append(st.Missing, k)
		}
	}
	return st, nil
}

func (s *Service) applyConsentCategories(d *Draft) []string {
	need := s.ApplyCategories(d.Services)
	if !slices.Contains(need, d.ContactKind) {
		need = append(need, d.ContactKind)
	}
	return need
}

// ApplyConfirm records the separate consents the applicant ticked and
// sends the code that will confirm the whole application to the verified
// address. Errors: EInvalid (optional, missing values), ETooMany, EUnauthorized.
func (s *Service) ApplyConfirm(ctx context.Context, token string, optional []string) (*Challenge, error) {
	const action = "apply.confirm"
	ctx = derbes.WithPrincipal(ctx, System("apply"))
	st, err := s.ApplyPreview(ctx, token)
	if err != nil {
		return nil, err
	}
	switch {
	case len(st.Draft.Services) == 0:
		err = derbes.Invalid("services", "required", "choose the services first")
	case len(st.Missing) > 0:
		err = derbes.Invalid("values."+st.Missing[0], "required", "this value is required")
	case slices.ContainsFunc(optional, func(p string) bool { return !slices.Contains(st.Optional, p) }):
		err = derbes.Invalid("optional", "purpose-unknown", "a consent offered is not one of the choices")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", orderPurpose, nil, err)
	}
	d := st.Draft
	ch, code, err := s.issueChallenge(ctx, action, "", d.ContactKind, d.Contact, map[string]string{"email": "email", "phone": "sms"}[d.ContactKind], codeForConfirm)
	if err != nil {
		return nil, err
	}
	if err := s.withDraft(ctx, token, true, func(c store.Conn, d *Draft) (error, error) {
		d.Optional = slices.Compact(slices.Sorted(slices.Values(optional)))
		return nil, nil
	}); err != nil {
		return nil, err
	}
	go s.sendPortalCode(context.WithoutCancel(ctx), d.ContactKind, d.Contact, code, d.Lang)
	return &Challenge{ID: ch.ID, Channel: ch.Channel, ExpiresAt: time.UnixMicro(ch.ExpiresAt).UTC()}, nil
}

// ApplySubmit confirms the application with the code of ApplyConfirm, in
// one transaction: the applicant's subject with the contract consent
// (P-4.1b) and each ticked separate consent, the values, the order
// (submitted), its documents, and the draft destroyed. A wrong code changes
// nothing but the count of wrong codes.
// Errors: EInvalid (code-wrong, code-expired), ETooMany (code-locked),
// EConflict (application-not-accepted), EUnauthorized (draft).
func (s *Service) ApplySubmit(ctx context.Context, token, challengeID, code string) (*ApplyResult, error) {
	ctx = derbes.WithPrincipal(ctx, System("apply"))
	st, err := s.ApplyPreview(ctx, token)
	if err != nil {
		return nil, err
	}
	pc, rep, extra, err := s.buildApplication(ctx, st)
	if err != nil {
		return nil, err
	}
	h := auth.HashSessionToken(token)
	res := &ApplyResult{SubjectID: pc.subj.ID, OrderID: newID()}
	var verdict error
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		_, _, d, err := s.openDraft(ctx, c, h, true)
		if err != nil {
			return nil, err
		}
		if verdict, err = s.judgeApplyCode(ctx, c, d, challengeID, codeForConfirm, code); err != nil || verdict != nil {
			return []derbes.AuditEntry{s.entry(ctx, "apply.submit", "", orderPurpose, nil, derbes.OutcomeRefused, derbes.RuleOf(verdict))}, err
		}
		return s.writeApplication(ctx, c, h, d, challengeID, pc, rep, extra, res)
	})
	if err != nil {
		return nil, err
	}
	if verdict != nil {
		return nil, verdict
	}
	return res, nil
}

// buildApplication checks and seals the subject and its consents outside
// the writer.
func (s *Service) buildApplication(ctx context.Context, st *ApplyStatement) (*pendingCreate, *pendingCreate, []*derbes.ConsentEvent, error) {
	d := st.Draft
	vals := map[string]json.RawMessage{}
	for k, v := range d.Values {
		if k == "other" {
			vals[k] = json.RawMessage(v)
		} else {
			vals[k], _ = json.Marshal(v)
		}
	}
	contact, _ := json.Marshal(d.Contact)
	src := derbes.Source{Kind: derbes.SourceSubject, Ref: "online application"}
	var rep *pendingCreate
	repID, relationship := "", ""
	cats := st.Categories
	if d.Rep != nil {
		// The representative is a subject of their own: their name, IIN and
		// the verified contact, under their own contract consent.
		name, _ := json.Marshal(d.Rep.FullName)
		iin, _ := json.Marshal(d.Rep.IIN)
		repCats := []string{"full_name", "iin", d.ContactKind}
		var err error
		rep, err = s.buildCreate(ctx, NewSubject{Kind: "representative", Citizenship: "kz-citizen", Purpose: orderPurpose, Source: src, codeChecked: true,
			Values:  map[string]json.RawMessage{"full_name": name, "iin": iin, d.ContactKind: contact},
			Consent: &NewConsent{Purposes: []string{orderPurpose}, Categories: repCats, Language: d.Lang, Form: derbes.FormCode, Evidence: derbes.Evidence{ChallengeID: "pending"}}})
		if err != nil {
			return nil, nil, nil, err
		}
		repID, relationship = rep.subj.ID, d.Rep.Relationship
		cats = slices.DeleteFunc(slices.Clone(cats), func(k string) bool { return k == d.ContactKind && !slices.Contains(s.ApplyCategories(d.Services), k) })
	} else {
		vals[d.ContactKind] = contact
	}
	contract := NewConsent{Purposes: []string{orderPurpose}, Categories: cats, Language: d.Lang, Form: derbes.FormCode,
		Evidence: derbes.Evidence{ChallengeID: "pending"}, Representative: repID, Relationship: relationship}
	pc, err := s.buildCreate(ctx, NewSubject{Kind: "applicant", Citizenship: d.Citizenship, Purpose: orderPurpose, Consent: &contract,
		Values: vals, Source: src, codeChecked: true})
	if err != nil {
		return nil, nil, nil, err
	}
	var extra []*derbes.ConsentEvent
	for _, p := range d.Optional {
		in := NewConsent{Purposes: []string{p}, Language: d.Lang, Form: derbes.FormCode, Evidence: derbes.Evidence{ChallengeID: "pending"},
			Representative: repID, Relationship: relationship}
		switch p {
		case "p4.2b1":
			in.ThirdParty = true
			for _, r := range st.Institutions {
				in.Recipients = append(in.Recipients, derbes.Recipient{ID: r.ID, Kind: r.Kind, Country: r.Country})
			}
			in.CrossBorder, in.Countries = len(st.CrossBorder) > 0, st.CrossBorder
		case "p4.2b2":
			in.ThirdParty, in.CrossBorder, in.Countries = true, len(st.CrossBorder) > 0, st.CrossBorder
			for _, c := range append([]string{"KZ"}, st.CrossBorder...) {
				in.Recipients = append(in.Recipients, derbes.Recipient{Kind: "consulate", Country: c})
			}
		case "p4.2b3":
			in.ThirdParty, in.Recipients = true, []derbes.Recipient{{Kind: "insurer", Country: "KZ"}}
		}
		t, err := s.terms(ctx, in)
		if err != nil {
			return nil, nil, nil, s.Refuse(ctx, "apply.submit", "", p, nil, err)
		}
		ev := &derbes.ConsentEvent{ID: newID(), SubjectID: pc.subj.ID, Kind: derbes.EventGive, Terms: t, At: pc.subj.CreatedAt, RecordedBy: derbes.PrincipalFrom(ctx).ID}
		ev.ConsentID = ev.ID
		extra = append(extra, ev)
	}
	return pc, rep, extra, nil
}

// writeApplication is the submission's part of the transaction, after the
// code is judged right.
func (s *Service) writeApplication(ctx context.Context, c store.Conn, h []byte, d *Draft, challengeID string, pc, rep *pendingCreate, extra []*derbes.ConsentEvent, res *ApplyResult) ([]derbes.AuditEntry, error) {
	ch, err := c.Challenge(ctx, challengeID)
	if err != nil {
		return nil, err
	}
	at := time.UnixMicro(ch.ConfirmedAt.Int64).UTC()
	ev := derbes.Evidence{ChallengeID: ch.ID, Channel: ch.Channel, ConfirmedAt: &at}
	pc.ev.Terms.Evidence = ev
	var entries []derbes.AuditEntry
	first := pc.ev.ID // the consent the code is bound to
	if rep != nil {
		rep.ev.Terms.Evidence = ev
		if entries, err = rep.write(ctx, c); err != nil {
			return entries, applicationError(err)
		}
		res.RepresentativeID, first = rep.subj.ID, rep.ev.ID
	}
	more, err := pc.write(ctx, c)
	entries = append(entries, more...)
	if err != nil {
		return entries, applicationError(err)
	}
	if err := s.checkConsentSubjects(ctx, c, pc.subj.ID, pc.ev.Terms); err != nil {
		return nil, err
	}
	res.ConsentIDs = append(res.ConsentIDs, pc.ev.ID)
	for _, x := range extra {
		x.Terms.Evidence = ev
		if err := c.AppendConsentEvent(ctx, x); err != nil {
			return nil, err
		}
		e := s.entry(ctx, "consent.give", pc.subj.ID, joinPurposes(x.Terms.Purposes), x.Terms.Categories, derbes.OutcomeOK, "")
		e.Basis = "consent:" + x.ID
		entries = append(entries, e)
		res.ConsentIDs = append(res.ConsentIDs, x.ID)
	}
	if ok, err := c.UseChallenge(ctx, ch.ID, first); err != nil || !ok {
		if err == nil {
			err = &derbes.Error{Code: derbes.EConflict, Field: "code", Rule: "code-used", Message: "this code was already used"}
		}
		return nil, err
	}
	now := s.now().UTC()
	by := derbes.PrincipalFrom(ctx).ID
	institutions := slices.Clone(d.Institutions)
	if pr := d.Proposed; pr != nil {
		// Recorded inactive: no transfer reaches it until staff confirm it.
		rec := store.Recipient{ID: newID(), Kind: "education-org", Country: pr.Country, Channel: "email", Active: false,
			Names: map[string]string{"kk": pr.Name, "ru": pr.Name, "en": pr.Name}, CreatedAt: now.UnixMicro(), CreatedBy: "subject:" + pc.subj.ID}
		if err := c.InsertRecipient(ctx, rec); err != nil {
			return nil, err
		}
		institutions = append(institutions, rec.ID)
		entries = append(entries, s.entry(ctx, "recipient.propose", pc.subj.ID, orderPurpose, nil, derbes.OutcomeOK, "recipient:"+rec.ID))
	}
	o := store.Order{ID: res.OrderID, SubjectID: pc.subj.ID, Services: d.Services, Institutions: institutions, AcademicYear: d.AcademicYear,
		Programme: d.Programme, Status: "draft", CreatedAt: now.UnixMicro(), CreatedBy: by}
	if err := c.InsertOrder(ctx, o); err != nil {
		return nil, err
	}
	if err := c.InsertOrderEvent(ctx, o.ID, o.SubjectID, store.OrderEvent{Status: "submitted", At: now.UnixMicro(), By: by}); err != nil {
		return nil, err
	}
	e := s.entry(ctx, "order.create", pc.subj.ID, orderPurpose, nil, derbes.OutcomeOK, "online application")
	e.Basis = "consent:" + pc.ev.ID
	entries = append(entries, e)
	for _, f := range d.Files {
		info := store.File{ID: newID(), SubjectID: pc.subj.ID, Purpose: orderPurpose, Category: f.Category, OrderID: o.ID,
			ContentType: f.ContentType, Size: int64(len(f.Data)), CreatedAt: now.UnixMicro(), CreatedBy: by}
		sum := sha256.Sum256(f.Data)
		info.Digest = sum[:]
		info.Ciphertext = pc.sk.Seal(f.Data, vault.ValueAD(pc.subj.ID, "file:"+info.ID, orderPurpose, 1))
		if err := c.InsertFile(ctx, info); err != nil {
			return nil, err
		}
		e := s.entry(ctx, "order.document", pc.subj.ID, orderPurpose, []string{f.Category}, derbes.OutcomeOK, "")
		e.Basis = "consent:" + pc.ev.ID
		entries = append(entries, e)
	}
	if _, err := c.DeleteDraft(ctx, h); err != nil {
		return nil, err
	}
	actor := "subject:" + pc.subj.ID
	if rep != nil {
		actor = "subject:" + rep.subj.ID
	}
	for i := range entries {
		entries[i].Actor = actor
	}
	return entries, nil
}

// applicationError says no more than that an application was not
// accepted when it names a subject already registered: an application must
// not reveal who else has applied.
func applicationError(err error) error {
	if derbes.RuleOf(err) == "duplicate-subject" {
		return &derbes.Error{Code: derbes.EConflict, Rule: "application-not-accepted", Message: "the application cannot be accepted online; please contact the centre"}
	}
	return err
}

// PurgeDrafts destroys every application draft past its time (a scheduled
// job) and returns how many.
func (s *Service) PurgeDrafts(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var err error
		if n, err = c.DeleteExpiredDrafts(ctx, s.now().UnixMicro()); err != nil || n == 0 {
			return nil, err
		}
		return []derbes.AuditEntry{s.entry(ctx, "apply.drafts-destroyed", "", orderPurpose, nil, derbes.OutcomeOK, "expired drafts destroyed")}, nil
	})
	return n, err
}
