package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
)

// ConfirmRecipient makes a recipient an applicant proposed (recorded
// inactive) a recipient like any other. Errors: ENotFound, EConflict
// (already active), EForbidden.
func (s *Service) ConfirmRecipient(ctx context.Context, id string) error {
	const action = "recipient.confirm"
	role := derbes.PrincipalFrom(ctx).Role
	if !role.AllowsAny(derbes.ActAdminister, "*") && !role.AllowsAny(derbes.ActApprove, "*") {
		return s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not edit the recipient registry"))
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "recipient:"+id)
		ok, err := c.ActivateRecipient(ctx, id)
		if err == nil && !ok {
			if _, err = c.RecipientByID(ctx, id); err == nil {
				err = &derbes.Error{Code: derbes.EConflict, Rule: "recipient-active", Message: "this recipient is already confirmed"}
			}
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, nil
	})
}

// CreateRecipient adds a third party to the registry (R-TRANSFER-1).
// Errors: EInvalid (kind, names, country, registration number, channel), EForbidden.
func (s *Service) CreateRecipient(ctx context.Context, r store.Recipient) (*store.Recipient, error) {
	const action = "recipient.create"
	role := derbes.PrincipalFrom(ctx).Role
	var err error
	if !role.AllowsAny(derbes.ActAdminister, "*") && !role.AllowsAny(derbes.ActApprove, "*") {
		err = s.denied(ctx, "", "your role may not edit the recipient registry")
	} else {
		err = s.checkRecipient(&r)
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "", nil, err)
	}
	r.ID, r.Active, r.CreatedAt, r.CreatedBy = newID(), true, s.now().UnixMicro(), derbes.PrincipalFrom(ctx).ID
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "recipient:"+r.ID)}, c.InsertRecipient(ctx, r)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func (s *Service) checkRecipient(r *store.Recipient) error {
	if !slices.Contains(catalogue.RecipientKinds(), r.Kind) {
		return derbes.Invalid("kind", "recipient-kind", "not a recipient kind of the catalogue")
	}
	for _, l := range []string{"kk", "ru", "en"} {
		if n := strings.TrimSpace(r.Names[l]); n == "" || len(n) > 300 || checkText(n) != nil {
			return derbes.Invalid("names."+l, "required", "the recipient's name in kk, ru and en")
		}
	}
	country, err := ident.Country(r.Country)
	if err != nil {
		return derbes.Invalid("country", "country-code", "the country is an ISO 3166 code")
	}
	r.Country = country
	if country == "KZ" && r.RegNumber != "" {
		if err := ident.BIN(r.RegNumber); err != nil {
			return derbes.Invalid("regNumber", derbes.RuleOf(err), "a Kazakh organisation's registration number is its BIN")
		}
	}
	if err := derbes.CheckChannel(r.Channel); err != nil {
		return err
	}
	if len(r.Contact) > 300 || checkText(r.Contact) != nil || len(r.RegNumber) > 64 {
		return derbes.Invalid("contact", "text-length", "the contact or registration number is too long")
	}
	return nil
}

// Recipients lists the registry (organisations: no personal data).
func (s *Service) Recipients(ctx context.Context) ([]store.Recipient, error) {
	return s.db.Read().Recipients(ctx)
}

// AuthorityRequestInput registers a motivated request of a P-5.2 body.
type AuthorityRequestInput struct {
	RecipientID  string
	Number       string
	Date         string
	Grounds      string
	Subjects     []string
	Categories   []string
	Confidential bool // the law keeps the request from the subject (portal hides it)
	ScanSHA256   string
}

// RegisterAuthorityRequest records a motivated request (number, date,
// body, legal grounds, the scan's hash) for the responsible person to
// approve (R-TRANSFER-2, P-5.2).
// Errors: EInvalid, ENotFound (recipient), EForbidden.
func (s *Service) RegisterAuthorityRequest(ctx context.Context, in AuthorityRequestInput) (*store.AuthorityRequest, error) {
	const action = "authority-request.register"
	err := s.checkAuthorityInput(ctx, in)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "p5.2", in.Categories, err)
	}
	a := store.AuthorityRequest{ID: newID(), RecipientID: in.RecipientID, Number: strings.TrimSpace(in.Number), Date: in.Date,
		Grounds: strings.TrimSpace(in.Grounds), Subjects: in.Subjects, Categories: in.Categories, Confidential: in.Confidential,
		ScanDigest: in.ScanSHA256, Status: "registered", RegisteredBy: derbes.PrincipalFrom(ctx).ID, RegisteredAt: s.now().UnixMicro()}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "p5.2", in.Categories, derbes.OutcomeOK, "request:"+a.ID)
		rec, err := c.RecipientByID(ctx, in.RecipientID)
		if err == nil && !slices.Contains(derbes.AuthorityKinds, rec.Kind) {
			err = derbes.Invalid("recipientId", "recipient-not-authority", "only the bodies of policy clause 5.2 make motivated requests")
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertAuthorityRequest(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (s *Service) checkAuthorityInput(ctx context.Context, in AuthorityRequestInput) error {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActTransfer, "p5.2") {
		return s.denied(ctx, "", "your role may not register motivated requests")
	}
	p := s.cat.Purpose("p5.2")
	switch {
	case strings.TrimSpace(in.Number) == "" || len(in.Number) > 100:
		return derbes.Invalid("number", "required", "the request's number")
	case func() bool { _, e := time.Parse("2006-01-02", in.Date); return e != nil }():
		return derbes.Invalid("date", "date-format", "the request's date, YYYY-MM-DD")
	case strings.TrimSpace(in.Grounds) == "" || len(in.Grounds) > 2000 || checkText(in.Grounds) != nil:
		return derbes.Invalid("grounds", "required", "the legal grounds the request cites")
	case len(in.Subjects) == 0 || len(in.Subjects) > MaxTransferSubjects:
		return derbes.Invalid("subjects", "subjects-count", "a request names 1 to 500 subjects")
	case len(in.Categories) == 0:
		return derbes.Invalid("categories", "required", "the categories requested")
	case len(in.ScanSHA256) != 64:
		return derbes.Invalid("scanSha256", "scan-required", "the request's scan (its SHA-256) is part of the record")
	}
	for _, cat := range in.Categories {
		if _, err := s.cat.CheckCollect("categories", p, cat); err != nil {
			return err
		}
	}
	return nil
}

// DecideAuthorityRequest approves or rejects a registered request: only
// the responsible person decides (R-TRANSFER-2).
// Errors: EForbidden, ENotFound, EConflict (already decided).
func (s *Service) DecideAuthorityRequest(ctx context.Context, id string, approve bool) error {
	const action = "authority-request.decide"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "p5.2") {
		return s.Refuse(ctx, action, "", "p5.2", nil, s.denied(ctx, "", "only the responsible person approves motivated requests"))
	}
	status := map[bool]string{true: "approved", false: "rejected"}[approve]
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "p5.2", nil, derbes.OutcomeOK, status+":"+id)
		ok, err := c.DecideAuthorityRequest(ctx, id, status, derbes.PrincipalFrom(ctx).ID, s.now().UnixMicro())
		if err != nil {
			return nil, err
		}
		if !ok {
			err := &derbes.Error{Code: derbes.EConflict, Field: "id", Rule: "request-decided", Message: "no registered, undecided request with this id"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, nil
	})
}

// RecordLifeHealth documents a threat to a subject's life or health that
// justifies a transfer to recipient without consent (P-5.1, Art. 9 sub.5).
// Errors: EInvalid (justification), ENotFound, EForbidden.
func (s *Service) RecordLifeHealth(ctx context.Context, subjectID, recipientID, justification string) (string, error) {
	const action = "life-health.record"
	justification = strings.TrimSpace(justification)
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActTransfer, "p5.1"):
		err = s.denied(ctx, "", "your role may not record a threat to life or health")
	case justification == "" || len(justification) > 4000 || checkText(justification) != nil:
		err = derbes.Invalid("justification", "required", "the justification is required")
	}
	if err != nil {
		return "", s.Refuse(ctx, action, subjectID, "p5.1", nil, err)
	}
	id := newID()
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "p5.1", nil, derbes.OutcomeOK, "")
		e.Basis = "art9-5"
		if _, err := c.Subject(ctx, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		if _, err := c.RecipientByID(ctx, recipientID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertLifeHealth(ctx, id, subjectID, recipientID, justification, derbes.PrincipalFrom(ctx).ID, s.now().UnixMicro())
	})
	return id, err
}

// Block stops every disclosure of a subject's data (category "*") or of
// one category until released (R-RIGHTS-4; the subject-rights issue builds
// on it). Errors: EInvalid, ENotFound, EForbidden.
func (s *Service) Block(ctx context.Context, subjectID, category, reason string) (string, error) {
	const action = "subject.block"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, "rights"):
		err = s.denied(ctx, "", "your role may not block data")
	case category != "*" && s.cat.Category(category) == nil:
		err = derbes.Invalid("category", "category-unknown", "not a category of the catalogue")
	case strings.TrimSpace(reason) == "" || len(reason) > 1000 || checkText(reason) != nil:
		err = derbes.Invalid("reason", "required", "the reason for blocking")
	}
	if err != nil {
		return "", s.Refuse(ctx, action, subjectID, "rights", nil, err)
	}
	id := newID()
	return id, s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "rights", []string{category}, derbes.OutcomeOK, "")
		e.Basis = "art9-10"
		if _, err := c.Subject(ctx, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		cats := []string{category}
		if category == "*" {
			cats = nil
			for _, cat := range s.cat.Categories {
				cats = append(cats, cat.Key)
			}
		}
		for _, cat := range cats {
			if err := s.draftRecipientNotices(ctx, c, subjectID, cat, "blocking", 0); err != nil {
				return nil, err
			}
		}
		if err := c.InsertBlock(ctx, store.Block{ID: id, SubjectID: subjectID, Category: category,
			Reason: strings.TrimSpace(reason), BlockedBy: derbes.PrincipalFrom(ctx).ID, BlockedAt: s.now().UnixMicro()}); err != nil {
			return nil, err
		}
		return []derbes.AuditEntry{e}, s.enqueueEvent(ctx, c, EventSubjectBlocked, subjectID, "block:"+id+" category:"+category)
	})
}

// Received is one answer of the transfer register: a recipient received
// this version of this category (R-TRANSFER-3, P-6.2.1d).
type Received struct {
	TransferID  string    `json:"transferId"`
	RecipientID string    `json:"recipientId"`
	Recipient   string    `json:"recipient"`
	Country     string    `json:"country"`
	Category    string    `json:"category"`
	Version     int       `json:"version"`
	Basis       string    `json:"basis"`
	Channel     string    `json:"channel"`
	At          time.Time `json:"at"`
}

// Recipients of a subject's data: every transfer item of the subject (one
// category, or all when category is ""), with the recipient and the
// version sent. Audited.
// Errors: EForbidden.
func (s *Service) ReceivedBy(ctx context.Context, subjectID, category string) ([]Received, error) {
	const action = "transfer.register"
	if !s.canAny(ctx, derbes.ActRead) {
		return nil, s.Refuse(ctx, action, subjectID, "", nil, s.denied(ctx, "", "your role may not read the transfer register"))
	}
	r := s.db.Read()
	items, err := r.SubjectTransferItems(ctx, subjectID, category)
	if err != nil {
		return nil, err
	}
	out := []Received{}
	for _, it := range items {
		t, _, err := r.TransferByID(ctx, it.TransferID)
		if err != nil {
			return nil, err
		}
		rec, err := r.RecipientByID(ctx, t.RecipientID)
		if err != nil {
			return nil, err
		}
		out = append(out, Received{TransferID: t.ID, RecipientID: rec.ID, Recipient: rec.Names["en"], Country: rec.Country,
			Category: it.Category, Version: it.Version, Basis: it.Basis, Channel: t.Channel, At: time.UnixMicro(t.At).UTC()})
	}
	cats := []string{}
	if category != "" {
		cats = append(cats, category)
	}
	return out, s.db.Audit(ctx, s.entry(ctx, action, subjectID, "", cats, derbes.OutcomeOK, ""))
}

// isBlocked reports whether a subject, or one category of it, is blocked.
// On a storage error it answers true: a message not sent is the safe side.
func (s *Service) isBlocked(ctx context.Context, subjectID, category string) bool {
	blocks, err := s.db.Read().ActiveBlocks(ctx, subjectID)
	if err != nil {
		return true
	}
	return slices.ContainsFunc(blocks, func(b store.Block) bool { return b.Category == "*" || b.Category == category })
}

// Unblock releases a block: a recorded decision, audited (R-RIGHTS-4).
// Errors: EForbidden, ENotFound (no such block in force).
func (s *Service) Unblock(ctx context.Context, subjectID, blockID string) error {
	const action = "subject.unblock"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, "rights") {
		return s.Refuse(ctx, action, subjectID, "rights", nil, s.denied(ctx, "", "your role may not unblock data"))
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "rights", nil, derbes.OutcomeOK, "")
		e.Basis = "art9-10"
		ok, err := c.ReleaseBlock(ctx, subjectID, blockID, derbes.PrincipalFrom(ctx).ID, s.now().UnixMicro())
		if err != nil {
			return nil, err
		}
		if !ok {
			err := &derbes.Error{Code: derbes.ENotFound, Field: "blockId", Rule: "block-unknown", Message: "no block in force with this id"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, nil
	})
}

// Blocks lists a subject's blocks in force. Audited.
// Errors: EForbidden.
func (s *Service) Blocks(ctx context.Context, subjectID string) ([]store.Block, error) {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, "rights") {
		return nil, s.Refuse(ctx, "subject.blocks", subjectID, "rights", nil, s.denied(ctx, "", "your role may not read blocks"))
	}
	bs, err := s.db.Read().ActiveBlocks(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	if bs == nil {
		bs = []store.Block{}
	}
	return bs, s.db.Audit(ctx, s.entry(ctx, "subject.blocks", subjectID, "rights", nil, derbes.OutcomeOK, ""))
}
