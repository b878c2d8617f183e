package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
)

// MaxTransferSubjects bounds one package: larger exports to one recipient
// go in several transfers.
const MaxTransferSubjects = 500

// TransferRequest asks to send chosen categories of one or more subjects
// to one recipient, on one basis (R-TRANSFER-2).
type TransferRequest struct {
	RecipientID string
	Purpose     string
	Channel     string
	Subjects    []string
	Categories  []string
	Basis       string // consent, authority-request, life-health
	BasisRef    string // the motivated request's id, or the life-health record's id
}

// TransferResult is a registered transfer and its package.
type TransferResult struct {
	Transfer store.Transfer       `json:"transfer"`
	Items    []store.TransferItem `json:"items"`
	Package  []byte               `json:"-"`
}

// Transfer checks that, for every subject and every category, the stated
// basis holds and nothing is blocked; then registers the disclosure with
// the exact versions sent, and builds the signed package. Otherwise the
// whole transfer is refused with the list of what is missing: nothing
// partial leaves, and a refused transfer leaves no register row.
// Errors: EInvalid (request), ENotFound (recipient, request), EForbidden
// (rule transfer-refused, with Problems listing each gap; or permission).
func (s *Service) Transfer(ctx context.Context, req TransferRequest) (*TransferResult, error) {
	const action = "transfer.send"
	r := s.db.Read()
	rec, p, err := s.checkTransferRequest(ctx, r, req)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", req.Purpose, req.Categories, err)
	}
	bases, problems, err := s.transferBases(ctx, r, req, rec)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		refusal := &derbes.Error{Code: derbes.EForbidden, Field: "subjects", Rule: "transfer-refused",
			Message: fmt.Sprintf("the transfer is refused whole: %d items lack a basis", len(problems)), Problems: problems}
		return nil, s.Refuse(ctx, action, "", p.Code, req.Categories, refusal)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	t := store.Transfer{ID: newID(), RecipientID: rec.ID, Purpose: p.Code, Channel: req.Channel, BasisKind: req.Basis,
		BasisRef: req.BasisRef, CreatedBy: derbes.PrincipalFrom(ctx).ID, At: now.UnixMicro()}
	items, err := s.currentItems(ctx, r, req, bases)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, s.Refuse(ctx, action, "", p.Code, req.Categories, derbes.Invalid("categories", "nothing-to-send", "the subjects hold no value in these categories"))
	}
	for i := range items {
		items[i].TransferID = t.ID
	}
	pkg, err := s.buildPackage(ctx, r, t, items, rec)
	if err != nil {
		return nil, err
	}
	t.PackageHash, t.Signature, t.KeyVersion = pkg.hash, pkg.sig, pkg.keyVersion
	notify, err := s.noticesOwed(ctx, r, req, bases)
	if err != nil {
		return nil, err
	}
	due := s.cal.AddWorkingDays(now, TransferNoticeDays).UnixMicro()
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		// Again inside the write: a consent withdrawn or a block placed
		// since the check above must stop the transfer.
		if _, late, err := s.transferBases(ctx, c, req, rec); err != nil || len(late) > 0 {
			if err != nil {
				return nil, err
			}
			refusal := &derbes.Error{Code: derbes.EForbidden, Field: "subjects", Rule: "transfer-refused",
				Message: fmt.Sprintf("the transfer is refused whole: %d items lack a basis", len(late)), Problems: late}
			return []derbes.AuditEntry{s.entry(ctx, action, "", p.Code, req.Categories, derbes.OutcomeRefused, refusal.Rule)}, refusal
		}
		var entries []derbes.AuditEntry
		for _, sid := range req.Subjects {
			e := s.entry(ctx, action, sid, p.Code, req.Categories, derbes.OutcomeOK, "")
			e.Basis = bases[sid]
			entries = append(entries, e)
		}
		if err := c.InsertTransfer(ctx, t, items); err != nil {
			return nil, err
		}
		for _, sid := range notify {
			if err := c.InsertTransferNotice(ctx, store.TransferNotice{TransferID: t.ID, SubjectID: sid, DueAt: due}); err != nil {
				return nil, err
			}
		}
		return entries, nil
	})
	if err != nil {
		return nil, err
	}
	return &TransferResult{Transfer: t, Items: items, Package: pkg.zip}, nil
}

// checkTransferRequest validates what needs no subject: channel, recipient,
// purpose and its recipient kinds, categories, permission.
func (s *Service) checkTransferRequest(ctx context.Context, r store.Conn, req TransferRequest) (store.Recipient, *derbes.Purpose, error) {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActTransfer, req.Purpose) {
		return store.Recipient{}, nil, s.denied(ctx, "purpose", "your role may not transfer under this purpose")
	}
	if err := derbes.CheckChannel(req.Channel); err != nil {
		return store.Recipient{}, nil, err
	}
	p, err := s.cat.PurposeFor("purpose", req.Purpose)
	if err != nil {
		return store.Recipient{}, nil, err
	}
	switch {
	case len(req.Subjects) == 0 || len(req.Subjects) > MaxTransferSubjects:
		return store.Recipient{}, nil, derbes.Invalid("subjects", "subjects-count", "a transfer names 1 to 500 subjects")
	case len(req.Categories) == 0:
		return store.Recipient{}, nil, derbes.Invalid("categories", "required", "a transfer names the categories it sends")
	case !slices.Contains([]string{derbes.TransferByConsent, derbes.TransferByAuthority, derbes.TransferByLifeHealth}, req.Basis):
		return store.Recipient{}, nil, derbes.Invalid("basis", "transfer-basis", "the basis is consent, authority-request or life-health")
	case basisPurpose(req.Basis, p) != "":
		return store.Recipient{}, nil, derbes.Invalid("basis", "basis-purpose", basisPurpose(req.Basis, p))
	}
	for i, sid := range req.Subjects {
		if slices.Contains(req.Subjects[:i], sid) {
			return store.Recipient{}, nil, derbes.Invalid("subjects", "subject-repeated", "a subject is named twice")
		}
	}
	rec, err := r.RecipientByID(ctx, req.RecipientID)
	if err != nil {
		return rec, nil, err
	}
	if !rec.Active {
		return rec, nil, derbes.Invalid("recipientId", "recipient-inactive", "the recipient is no longer active")
	}
	if !slices.Contains(p.RecipientKinds, rec.Kind) {
		return rec, nil, derbes.Forbidden("recipientId", "recipient-outside-purpose", "the purpose does not lead to this kind of recipient")
	}
	role := derbes.PrincipalFrom(ctx).Role
	for _, cat := range req.Categories {
		if _, err := s.cat.CheckCollect("categories", p, cat); err != nil {
			return rec, nil, err
		}
		if !role.Allows(derbes.ActTransfer, p.Code, cat) {
			return rec, nil, s.denied(ctx, "categories", "your role may not transfer this category under this purpose")
		}
	}
	return rec, p, nil
}

// transferBases checks, subject by subject, the blocks and the basis, and
// returns each subject's basis reference or the problems found.
func (s *Service) transferBases(ctx context.Context, r store.Conn, req TransferRequest, rec store.Recipient) (map[string]string, []derbes.Problem, error) {
	bases := map[string]string{}
	var problems []derbes.Problem
	var authority store.AuthorityRequest
	if req.Basis == derbes.TransferByAuthority {
		a, err := r.AuthorityRequestByID(ctx, req.BasisRef)
		if err != nil {
			return nil, []derbes.Problem{{Field: "basisRef", Rule: derbes.RuleOf(err), Message: "no such motivated request"}}, nil
		}
		authority = a
	}
	recipient := derbes.Recipient{ID: rec.ID, Kind: rec.Kind, Country: rec.Country}
	for _, sid := range req.Subjects {
		field := "subjects[" + sid + "]"
		if _, err := r.Subject(ctx, sid); err != nil {
			problems = append(problems, derbes.Problem{Field: field, Rule: "subject-unknown", Message: "no such subject"})
			continue
		}
		blocks, err := r.ActiveBlocks(ctx, sid)
		if err != nil {
			return nil, nil, err
		}
		for _, b := range blocks {
			if b.Category == "*" || slices.Contains(req.Categories, b.Category) {
				problems = append(problems, derbes.Problem{Field: field, Rule: "blocked", Message: "blocked data never leaves (category " + b.Category + ")"})
			}
		}
		ref, problem, err := s.subjectBasis(ctx, r, req, sid, recipient, authority)
		if err != nil {
			return nil, nil, err
		}
		if problem != nil {
			problem.Field = field + problem.Field
			problems = append(problems, *problem)
			continue
		}
		bases[sid] = ref
	}
	return bases, problems, nil
}

// subjectBasis resolves one subject's basis for the transfer.
func (s *Service) subjectBasis(ctx context.Context, r store.Conn, req TransferRequest, sid string, rec derbes.Recipient, a store.AuthorityRequest) (string, *derbes.Problem, error) {
	switch req.Basis {
	case derbes.TransferByConsent:
		ks, err := r.Consents(ctx, sid)
		if err != nil {
			return "", nil, err
		}
		id, err := derbes.CheckTransferConsent(ks, req.Purpose, req.Categories, rec, s.now())
		if err != nil {
			e := derbes.AsError(err)
			return "", &derbes.Problem{Field: "." + e.Field, Rule: e.Rule, Message: e.Message}, nil
		}
		return "consent:" + id, nil, nil
	case derbes.TransferByAuthority:
		switch {
		case a.Status != "approved":
			return "", &derbes.Problem{Field: ".basisRef", Rule: "request-not-approved", Message: "the motivated request is not approved by the responsible person"}, nil
		case a.RecipientID != rec.ID:
			return "", &derbes.Problem{Field: ".basisRef", Rule: "request-other-recipient", Message: "the motivated request came from another body"}, nil
		case !slices.Contains(a.Subjects, sid):
			return "", &derbes.Problem{Field: ".basisRef", Rule: "request-other-subject", Message: "the motivated request does not name this subject"}, nil
		}
		for _, cat := range req.Categories {
			if !slices.Contains(a.Categories, cat) {
				return "", &derbes.Problem{Field: ".categories", Rule: "request-category", Message: "the motivated request does not ask for category " + cat}, nil
			}
		}
		return "request:" + a.ID, nil, nil
	default:
		ok, err := r.LifeHealthRecord(ctx, req.BasisRef, sid, rec.ID)
		if err != nil || !ok {
			return "", &derbes.Problem{Field: ".basisRef", Rule: "life-health-missing", Message: "no documented threat to life or health for this subject and recipient"}, err
		}
		return "life-health:" + req.BasisRef, nil, nil
	}
}

// currentItems lists the current version of each category of each subject:
// the exact versions the package carries.
func (s *Service) currentItems(ctx context.Context, r store.Conn, req TransferRequest, bases map[string]string) ([]store.TransferItem, error) {
	var items []store.TransferItem
	for _, sid := range req.Subjects {
		rows, err := r.CurrentValues(ctx, sid, req.Categories)
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			items = append(items, store.TransferItem{SubjectID: sid, Category: row.Category, Version: row.Version, Basis: bases[sid]})
		}
	}
	return items, nil
}

// basisPurpose ties each basis to its purposes: a motivated request to
// P-5.2, a threat to life or health to P-5.1, consent to the consent
// purposes. It returns why they do not fit, or "".
func basisPurpose(basis string, p *derbes.Purpose) string {
	switch {
	case basis == derbes.TransferByAuthority && p.Code != "p5.2":
		return "a motivated request is the basis of purpose p5.2 only"
	case basis == derbes.TransferByLifeHealth && p.Code != "p5.1":
		return "a threat to life or health is the basis of purpose p5.1 only"
	case basis == derbes.TransferByConsent && p.Basis.Kind != derbes.BasisConsent:
		return "this purpose rests on a legal case, not on consent"
	}
	return ""
}

// TransferNoticeDays is the legal term, in working days, to tell a subject
// of a transfer when their consent asks for it (Law 94-V Art. 19).
const TransferNoticeDays = 10

// noticesOwed lists the subjects whose consent, the transfer's basis, asks
// to be told of transfers.
func (s *Service) noticesOwed(ctx context.Context, r store.Conn, req TransferRequest, bases map[string]string) ([]string, error) {
	var out []string
	for _, sid := range req.Subjects {
		id, ok := strings.CutPrefix(bases[sid], "consent:")
		if !ok {
			continue
		}
		ks, err := r.Consents(ctx, sid)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(ks, func(k derbes.Consent) bool { return k.ID == id && k.NotifyTransfers }) {
			out = append(out, sid)
		}
	}
	return out, nil
}

// coverLanguage is the cover letter's language: asked for, or by the
// recipient's country.
func coverLanguage(lang, country string) string {
	if slices.Contains([]string{"kk", "ru", "en"}, lang) {
		return lang
	}
	switch strings.ToUpper(country) {
	case "KZ":
		return "kk"
	case "RU", "BY", "KG", "TJ", "UZ", "AM", "AZ":
		return "ru"
	}
	return "en"
}
