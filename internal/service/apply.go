package service

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// Online application (the electronic service centre's front door, P-4.1b):
// an applicant verifies an e-mail address or phone by code, chooses
// services and institutions, fills in only what those services need,
// attaches documents, reads what will be processed, and confirms the
// consents by a second code. Until then everything is a sealed draft that
// expires; the submission is one transaction.
const (
	codeForApply   = "apply"
	codeForConfirm = "apply-confirm"
	// DraftTTL is how long an application draft lives by default.
	DraftTTL = 6 * time.Hour
	// maxDraftFiles bounds the documents of one application.
	maxDraftFiles = 8
	// ApplyPerOrigin bounds the applications one network address may
	// start in an hour (the codes per contact have their own limit).
	ApplyPerOrigin = 20
)

// serviceNeeds maps each orderable service to the purpose whose
// categories it needs (all within P-4.1b, under which they are stored).
var serviceNeeds = map[string]string{"admission": "p4.2b1", "visa-invitation": "p4.2b2", "insurance": "p4.2b3"}

// ApplyOptional are the separate consents (P-4.2) an applicant may give
// at submission, each its own unticked choice.
var ApplyOptional = []string{"p4.2a", "p4.2b1", "p4.2b2", "p4.2b3", "p4.2c", "p4.2d", "p4.2e"}

// Draft is an application in progress, sealed at rest.
type Draft struct {
	ContactKind  string            `json:"contactKind"` // email or phone
	Contact      string            `json:"contact"`
	Verified     bool              `json:"verified"`
	Lang         string            `json:"lang"`
	Citizenship  string            `json:"citizenship,omitempty"`
	Services     []string          `json:"services,omitempty"`
	Institutions []string          `json:"institutions,omitempty"`
	AcademicYear string            `json:"academicYear,omitempty"`
	Programme    string            `json:"programme,omitempty"`
	Values       map[string]string `json:"values,omitempty"`
	Files        []DraftFile       `json:"files,omitempty"`
	Optional     []string          `json:"optional,omitempty"` // the separate consents chosen
	// Rep is the legal representative applying for a minor (Art. 7 p.1):
	// the verified contact is theirs, and they give the consents.
	Rep *DraftRep `json:"rep,omitempty"`
	// Proposed is an institution not in the registry, for staff to confirm.
	Proposed *DraftProposal `json:"proposed,omitempty"`
}

// DraftProposal is an institution the applicant names that the registry
// lacks: it is recorded inactive, for staff to confirm, and receives
// nothing until they do.
type DraftProposal struct {
	Name    string `json:"name"`
	Country string `json:"country"`
}

// DraftRep is the legal representative of a minor applicant.
type DraftRep struct {
	FullName     string `json:"fullName"`
	IIN          string `json:"iin"`
	Relationship string `json:"relationship"`
}

// DraftFile is a document attached to a draft.
type DraftFile struct {
	Category    string `json:"category"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

// ApplyResult is a submitted application.
type ApplyResult struct {
	SubjectID        string
	OrderID          string
	ConsentIDs       []string
	RepresentativeID string // the legal representative's subject, when one applied for a minor
}

// draftID is the draft's id for its key and associated data.
func draftID(h []byte) string { return hex.EncodeToString(h[:16]) }

// ApplyBegin starts an application: a code goes to address (an e-mail or a
// phone number), whoever it belongs to, and a draft holding only the
// address is opened. It returns the draft's token and the challenge.
// Sends are limited per contact, and new applications per network address
// (origin). Errors: EInvalid (address), ETooMany.
func (s *Service) ApplyBegin(ctx context.Context, address, lang, origin string) (string, *Challenge, error) {
	const action = "apply.begin"
	ctx = derbes.WithPrincipal(ctx, System("apply"))
	cat, norm, err := portalAddress(address)
	if err != nil {
		return "", nil, s.Refuse(ctx, action, "", "p4.1b", nil, err)
	}
	if _, ok := codeTexts[lang]; !ok {
		lang = "kk"
	}
	originHash := s.kr.SecretHash("apply-origin", []byte(origin))
	now := s.now().UTC()
	n, err := s.db.Read().CountDraftsFrom(ctx, originHash, now.Add(-time.Hour).UnixMicro())
	if err == nil && n >= ApplyPerOrigin {
		err = derbes.Errorf(derbes.ETooMany, "apply-rate-limit", "too many applications started from this network address; try again later")
	}
	if err != nil {
		return "", nil, s.Refuse(ctx, action, "", orderPurpose, nil, err)
	}
	ch, code, err := s.issueChallenge(ctx, action, "", cat, norm, map[string]string{"email": "email", "phone": "sms"}[cat], codeForApply)
	if err != nil {
		return "", nil, err
	}
	tok, h, err := auth.NewSessionToken()
	if err != nil {
		return "", nil, err
	}
	sk, wrapped, kv, err := s.kr.NewSubjectKey(orderPurpose, draftID(h))
	if err != nil {
		return "", nil, err
	}
	d := &Draft{ContactKind: cat, Contact: norm, Lang: lang}
	row := store.Draft{IDHash: h, KeyVersion: kv, Wrapped: wrapped, Body: sealDraft(sk, h, d), CreatedAt: now.UnixMicro(),
		ExpiresAt: now.Add(s.draftTTL()).UnixMicro(), OriginHash: originHash}
	if err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return nil, c.InsertDraft(ctx, row)
	}); err != nil {
		return "", nil, err
	}
	go s.sendPortalCode(context.WithoutCancel(ctx), cat, norm, code, lang)
	return tok, &Challenge{ID: ch.ID, Channel: ch.Channel, ExpiresAt: time.UnixMicro(ch.ExpiresAt).UTC()}, nil
}

func (s *Service) draftTTL() time.Duration {
	if s.draftLife > 0 {
		return s.draftLife
	}
	return DraftTTL
}

func sealDraft(sk *vault.SubjectKey, h []byte, d *Draft) []byte {
	body, _ := json.Marshal(d)
	return sk.Seal(body, vault.ValueAD(draftID(h), "draft", orderPurpose, 1))
}

// ApplyVerify checks the code of ApplyBegin for the draft of token.
// Errors: EInvalid (code-wrong, code-expired), ETooMany (code-locked),
// EUnauthorized (no draft).
func (s *Service) ApplyVerify(ctx context.Context, token, challengeID, code string) error {
	ctx = derbes.WithPrincipal(ctx, System("apply"))
	return s.withDraft(ctx, token, false, func(c store.Conn, d *Draft) (error, error) {
		verdict, err := s.judgeApplyCode(ctx, c, d, challengeID, codeForApply, code)
		if err != nil || verdict != nil {
			return verdict, err
		}
		d.Verified = true
		return nil, nil
	})
}

// judgeApplyCode checks a code sent to the draft's own address.
func (s *Service) judgeApplyCode(ctx context.Context, c store.Conn, d *Draft, challengeID, purpose, code string) (error, error) {
	ch, err := c.Challenge(ctx, challengeID)
	if err != nil || ch.Purpose != purpose || !vault.Equal(ch.AddressHash, s.kr.BlindIndex(d.ContactKind, d.Contact)) {
		return derbes.Invalid("code", "code-wrong", "the code is not correct"), nil
	}
	return s.judgeCode(ctx, c, ch, code, s.now().UTC())
}

// withDraft opens the draft of token in a write, lets f change it, and
// seals it back, unless f reports a verdict (kept out of the write's error
// so that a wrong code's failure row stays). verified demands a verified
// contact. Errors: EUnauthorized (draft-invalid, draft-expired), f's.
func (s *Service) withDraft(ctx context.Context, token string, verified bool, f func(c store.Conn, d *Draft) (verdict error, err error)) error {
	h := auth.HashSessionToken(token)
	var verdict error
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		row, sk, d, err := s.openDraft(ctx, c, h, verified)
		if err != nil {
			return nil, err
		}
		if verdict, err = f(c, d); err != nil || verdict != nil {
			return nil, err
		}
		return nil, c.UpdateDraft(ctx, row.IDHash, sealDraft(sk, h, d))
	})
	if err != nil {
		return err
	}
	return verdict
}

func (s *Service) openDraft(ctx context.Context, c store.Conn, h []byte, verified bool) (store.Draft, *vault.SubjectKey, *Draft, error) {
	gone := &derbes.Error{Code: derbes.EUnauthorized, Rule: "draft-invalid", Message: "no application in progress: start again"}
	row, err := c.Draft(ctx, h)
	if err != nil {
		return row, nil, nil, gone
	}
	if s.now().UnixMicro() >= row.ExpiresAt {
		return row, nil, nil, &derbes.Error{Code: derbes.EUnauthorized, Rule: "draft-expired", Message: "the application expired: start again"}
	}
	sk, err := s.kr.OpenSubjectKey(orderPurpose, draftID(h), row.KeyVersion, row.Wrapped)
	if err != nil {
		return row, nil, nil, err
	}
	body, err := sk.Open(row.Body, vault.ValueAD(draftID(h), "draft", orderPurpose, 1))
	if err != nil {
		return row, nil, nil, errDecrypt
	}
	d := &Draft{}
	if err := json.Unmarshal(body, d); err != nil {
		return row, nil, nil, err
	}
	if verified && !d.Verified {
		return row, nil, nil, gone
	}
	return row, sk, d, nil
}

// ApplyDraft returns the draft of token (verified only).
// Errors: EUnauthorized (draft-invalid, draft-expired).
func (s *Service) ApplyDraft(ctx context.Context, token string) (*Draft, error) {
	_, _, d, err := s.openDraft(ctx, s.db.Read(), auth.HashSessionToken(token), true)
	return d, err
}

// ApplyChoices are the applicant's first choices.
type ApplyChoices struct {
	Citizenship  string
	Services     []string
	Institutions []string
	AcademicYear string
	Programme    string
	Rep          *DraftRep      // nil: the applicant applies for themselves
	Proposed     *DraftProposal // an institution the registry lacks
}

var academicYear = regexp.MustCompile(`^(20[2-9][0-9])/(20[2-9][0-9])$`)

// ApplyChoose records who applies (citizenship status), the services, the
// institutions (active educational organisations of the registry), the
// academic year and the programme.
// Errors: EInvalid naming the field, EUnauthorized (draft).
func (s *Service) ApplyChoose(ctx context.Context, token string, in ApplyChoices) error {
	ctx = derbes.WithPrincipal(ctx, System("apply"))
	in.Programme = strings.TrimSpace(in.Programme)
	var err error
	// In the order the form shows them: the first error is the first field.
	switch {
	case len(in.Services) == 0:
		err = derbes.Invalid("services", "required", "choose at least one service")
	case slices.ContainsFunc(in.Services, func(sv string) bool { return serviceNeeds[sv] == "" }):
		err = derbes.Invalid("services", "service-unknown", "services are admission, visa-invitation and insurance")
	case (len(in.Institutions) == 0 && in.Proposed == nil) || len(in.Institutions) > 10:
		err = derbes.Invalid("institutions", "required", "choose from one to ten institutions, or name one the list lacks")
	case !s.cat.HasCitizenship(in.Citizenship):
		err = derbes.Invalid("citizenship", "citizenship-status", "choose the citizenship status")
	case !academicYear.MatchString(in.AcademicYear):
		err = derbes.Invalid("academicYear", "academic-year", "the academic year is like 2026/2027")
	case len(in.Programme) > 300 || checkText(in.Programme) != nil:
		err = derbes.Invalid("programme", "text-length", "the programme is too long or not plain text")
	}
	if err == nil {
		err = s.checkInstitutions(ctx, s.db.Read(), in.Institutions)
	}
	if err == nil && in.Rep != nil {
		err = s.checkRep(ctx, in.Rep)
	}
	if err == nil && in.Proposed != nil {
		in.Proposed.Name = strings.TrimSpace(in.Proposed.Name)
		code, cerr := ident.Country(in.Proposed.Country)
		switch {
		case len(in.Proposed.Name) < 2 || len(in.Proposed.Name) > 200 || checkText(in.Proposed.Name) != nil:
			err = derbes.Invalid("proposed.name", "text-length", "name the institution in up to 200 characters")
		case cerr != nil:
			err = derbes.Invalid("proposed.country", "country-code", "choose the institution's country")
		default:
			in.Proposed.Country = code
		}
	}
	if err != nil {
		return s.Refuse(ctx, "apply.choose", "", orderPurpose, nil, err)
	}
	return s.withDraft(ctx, token, true, func(c store.Conn, d *Draft) (error, error) {
		d.Citizenship, d.Services, d.Institutions, d.AcademicYear, d.Programme = in.Citizenship, slices.Compact(slices.Sorted(slices.Values(in.Services))), in.Institutions, in.AcademicYear, in.Programme
		d.Rep, d.Proposed = in.Rep, in.Proposed
		// A value the new services no longer need goes.
		need := s.ApplyCategories(d.Services)
		for k := range d.Values {
			if !slices.Contains(need, k) {
				delete(d.Values, k)
			}
		}
		d.Files = slices.DeleteFunc(d.Files, func(f DraftFile) bool { return !slices.Contains(need, f.Category) })
		return nil, nil
	})
}

// checkRep validates a representative's name, IIN and relationship with
// the validators every path uses, naming the fields rep.fullName,
// rep.iin and rep.relationship; it canonicalises them in place.
func (s *Service) checkRep(ctx context.Context, r *DraftRep) error {
	if !hasKind(s.cat.Relationships, r.Relationship) {
		return derbes.Invalid("rep.relationship", "relationship", "choose the relationship to the applicant")
	}
	name, _ := json.Marshal(r.FullName)
	iin, _ := json.Marshal(r.IIN)
	vals, err := s.checkValues(ctx, derbes.ActWrite, s.cat.Purpose(orderPurpose), "kz-citizen", map[string]json.RawMessage{"full_name": name, "iin": iin})
	if e := derbes.AsError(err); e != nil {
		e.Field = map[string]string{"values.full_name": "rep.fullName", "values.iin": "rep.iin"}[e.Field]
		return e
	}
	for _, v := range vals {
		switch v.cat.Key {
		case "full_name":
			r.FullName = v.plain
		case "iin":
			r.IIN = v.plain
		}
	}
	return err
}

// ApplyCategories are the categories the chosen services need, in
// catalogue order: the union of their purposes' categories (P-2.3c), and
// nothing else.
func (s *Service) ApplyCategories(services []string) []string {
	var out []string
	for _, cat := range s.cat.Categories {
		for _, sv := range services {
			if p := s.cat.Purpose(serviceNeeds[sv]); p != nil && p.Covers(cat.Key) {
				out = append(out, cat.Key)
				break
			}
		}
	}
	return out
}

// ApplyData records the values and documents the chosen services need,
// each checked by the validators every other path uses. A category the
// services do not need is refused (minimisation), whatever the request
// says. The contact verified at the start is taken as given.
// Errors: EInvalid / EForbidden naming the field, ETooLarge, EUnauthorized.
func (s *Service) ApplyData(ctx context.Context, token string, values map[string]string, files []DraftFile) error {
	ctx = derbes.WithPrincipal(ctx, System("apply"))
	d, err := s.ApplyDraft(ctx, token)
	if err != nil {
		return err
	}
	if err := s.checkApplyData(ctx, d, values, files); err != nil {
		return s.Refuse(ctx, "apply.data", "", orderPurpose, nil, err)
	}
	return s.withDraft(ctx, token, true, func(c store.Conn, d *Draft) (error, error) {
		d.Values = map[string]string{}
		for k, v := range values {
			if strings.TrimSpace(v) != "" {
				d.Values[k] = v
			}
		}
		for _, f := range files {
			d.Files = slices.DeleteFunc(d.Files, func(g DraftFile) bool { return g.Category == f.Category })
			d.Files = append(d.Files, f)
		}
		return nil, nil
	})
}

func (s *Service) checkApplyData(ctx context.Context, d *Draft, values map[string]string, files []DraftFile) error {
	if len(d.Services) == 0 {
		return derbes.Invalid("services", "required", "choose the services first")
	}
	need := s.ApplyCategories(d.Services)
	raw := map[string]json.RawMessage{}
	for k, v := range values {
		if !slices.Contains(need, k) || k == d.ContactKind {
			return derbes.Forbidden("values."+k, "category-outside-purpose", "the chosen services do not need this data")
		}
		if strings.TrimSpace(v) == "" {
			continue
		}
		if k == "other" {
			raw[k] = json.RawMessage(v)
			continue
		}
		b, _ := json.Marshal(v)
		raw[k] = b
	}
	if _, err := s.checkValues(ctx, derbes.ActWrite, s.cat.Purpose(orderPurpose), d.Citizenship, raw); err != nil {
		return err
	}
	for _, f := range files {
		cat := s.cat.Category(f.Category)
		switch {
		case cat == nil || !slices.Contains(need, f.Category):
			return derbes.Forbidden("files."+f.Category, "category-outside-purpose", "the chosen services do not need this document")
		case cat.Type != derbes.TypeFile:
			return derbes.Invalid("files."+f.Category, "category-not-file", "documents go to a file category")
		case len(f.Data) > MaxScan:
			return &derbes.Error{Code: derbes.ETooLarge, Field: "files." + f.Category, Rule: "scan-too-large", Message: "the document is larger than 10 MiB"}
		case scanType(f.Data) == "" || scanType(f.Data) != f.ContentType:
			return derbes.Invalid("files."+f.Category, "scan-type", "the document must be a PDF, JPEG or PNG file (checked by content)")
		}
	}
	if len(d.Files)+len(files) > maxDraftFiles {
		return derbes.Invalid("files", "too-many-files", "an application has at most 8 documents")
	}
	return nil
}

// ApplyScanType is the content type of a document by its content ("" for
// anything but PDF, JPEG or PNG).
func ApplyScanType(data []byte) string { return scanType(data) }

// Institutions lists the registry's active educational organisations an
// applicant may choose (no personal data: organisations only), by name.
func (s *Service) Institutions(ctx context.Context) ([]store.Recipient, error) {
	all, err := s.db.Read().Recipients(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r store.Recipient) bool { return r.Kind != "education-org" || !r.Active }), nil
}
