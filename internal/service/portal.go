package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// Portal session limits: a subject's session is short, and ends idle.
const (
	PortalIdle     = 15 * time.Minute
	PortalAbsolute = 2 * time.Hour
	codeForPortal  = "portal"
)

// PortalBegin starts a portal sign-in (R-RIGHTS-1): if address (an e-mail
// or a phone number) is a subject's, a one-time code goes to it. The answer
// is the same challenge whether or not the address is known, so the portal
// never reveals who is an applicant. Sends are limited per address.
// Errors: EInvalid (address), ETooMany (code-rate-limit).
func (s *Service) PortalBegin(ctx context.Context, address, lang string) (*Challenge, error) {
	const action = "portal.begin"
	cat, norm, err := portalAddress(address)
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "rights", nil, err)
	}
	if _, ok := codeTexts[lang]; !ok {
		lang = "kk"
	}
	subjectID := ""
	ids, err := s.db.Read().FindByIndex(ctx, cat, s.kr.BlindIndex(cat, norm), 1)
	if err != nil {
		return nil, err
	}
	if len(ids) == 1 {
		subjectID = ids[0]
	}
	ch, code, err := s.issueChallenge(ctx, action, subjectID, cat, norm, map[string]string{"email": "email", "phone": "sms"}[cat], codeForPortal)
	if err != nil {
		return nil, err
	}
	if subjectID != "" && !s.isBlocked(ctx, subjectID, cat) {
		// Sent in the background: the answer must take the same time
		// whether or not the address is known.
		go s.sendPortalCode(context.WithoutCancel(ctx), cat, norm, code, lang)
	}
	return &Challenge{ID: ch.ID, Channel: ch.Channel, ExpiresAt: time.UnixMicro(ch.ExpiresAt).UTC()}, nil
}

func (s *Service) sendPortalCode(ctx context.Context, cat, address, code, lang string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t := codeTexts[lang]
	body := fmt.Sprintf(t.body, code, int(CodeTTL.Minutes()))
	var err error
	switch {
	case cat == "email" && s.mail != nil:
		err = s.mail.Send(ctx, mail.Message{To: address, Subject: t.subject, Text: body})
	case cat == "phone" && s.sms != nil:
		err = s.sms.Send(ctx, address, body)
	}
	if err != nil {
		s.log.WarnContext(ctx, "portal code not delivered", "err", err)
	}
}

func portalAddress(address string) (string, string, error) {
	address = strings.TrimSpace(address)
	if strings.Contains(address, "@") {
		n, err := ident.Email(address)
		if err != nil {
			return "", "", derbes.Invalid("address", "email-format", "not an e-mail address")
		}
		return "email", n, nil
	}
	n, _, err := ident.Phone(address)
	if err != nil {
		return "", "", derbes.Invalid("address", "phone-format", "not a phone number")
	}
	return "phone", n, nil
}

// PortalVerify checks the code of a portal sign-in and opens a session
// bound to the subject. A wrong code, an unknown address and an expired
// code look alike to the caller; the 6th wrong code locks the address.
// Errors: EInvalid (code-wrong, code-expired), ETooMany (code-locked), ENotFound.
func (s *Service) PortalVerify(ctx context.Context, challengeID, code string) (string, error) {
	const action = "portal.verify"
	now := s.now().UTC()
	tok, h, err := auth.NewSessionToken()
	if err != nil {
		return "", err
	}
	var verdict error
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		ch, err := c.Challenge(ctx, challengeID)
		if err != nil || ch.Purpose != codeForPortal {
			verdict = derbes.Invalid("code", "code-wrong", "the code is not correct")
			return []derbes.AuditEntry{s.entry(ctx, action, "", "rights", nil, derbes.OutcomeRefused, "code-wrong")}, nil
		}
		e := s.entry(ctx, action, ch.SubjectID, "rights", nil, derbes.OutcomeOK, "")
		if verdict, err = s.judgeCode(ctx, c, ch, code, now); err != nil {
			return nil, err
		}
		if verdict == nil && ch.SubjectID == "" {
			verdict = derbes.Invalid("code", "code-wrong", "the code is not correct")
		}
		if verdict != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(verdict)
			return []derbes.AuditEntry{e}, nil
		}
		e.Actor = "subject:" + ch.SubjectID
		return []derbes.AuditEntry{e}, c.InsertPortalSession(ctx, h, ch.SubjectID, now.UnixMicro(), now.Add(PortalAbsolute).UnixMicro())
	})
	if err != nil {
		return "", err
	}
	return tok, verdict
}

// PortalSubject resolves a portal session to its subject; every portal
// operation acts on that subject only, whatever a URL says.
// Errors: EUnauthorized (session-invalid, session-expired).
func (s *Service) PortalSubject(ctx context.Context, token string) (string, error) {
	h := auth.HashSessionToken(token)
	id, last, exp, err := s.db.Read().PortalSession(ctx, h)
	if err != nil {
		return "", &derbes.Error{Code: derbes.EUnauthorized, Rule: "session-invalid", Message: "please sign in"}
	}
	now := s.now().UTC()
	if now.UnixMicro() >= exp || now.Sub(time.UnixMicro(last)) >= PortalIdle {
		s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			return nil, c.DeletePortalSession(ctx, h)
		})
		return "", &derbes.Error{Code: derbes.EUnauthorized, Rule: "session-expired", Message: "the session has expired; please sign in again"}
	}
	if now.Sub(time.UnixMicro(last)) >= sessionTouchEvery {
		if err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			return nil, c.TouchPortalSession(ctx, h, now.UnixMicro())
		}); err != nil {
			return "", err
		}
	}
	return id, nil
}

// PortalSignOut ends a portal session on the server, audited.
func (s *Service) PortalSignOut(ctx context.Context, token string) error {
	h := auth.HashSessionToken(token)
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, "portal.signout", "", "rights", nil, derbes.OutcomeOK, "")}, c.DeletePortalSession(ctx, h)
	})
}

// subjectPrincipal is the principal of a subject acting in the portal on
// their own data: the request-handling purpose, on nothing but themselves
// (the portal passes only the session's subject id).
func subjectPrincipal(subjectID string) derbes.Principal {
	return derbes.Principal{ID: "subject:" + subjectID, Role: derbes.Role{Name: "subject", Permissions: []derbes.Permission{
		{Action: derbes.ActRead, Purpose: "rights", Category: "*"}, {Action: derbes.ActWrite, Purpose: "rights", Category: "*"}}}}
}

// MyValue is one value as the subject sees it: with its source and date
// (P-6.2.1b).
type MyValue struct {
	Category     string        `json:"category"`
	Label        derbes.Text   `json:"label"`
	Value        any           `json:"value"`
	Source       derbes.Source `json:"source"`
	CollectedFor string        `json:"collectedFor"`
	At           time.Time     `json:"at"`
	Version      int           `json:"version"`
}

// MyPurpose is a purpose that processes the subject's data, with its
// processing basis and storage period (P-6.2.1c).
type MyPurpose struct {
	Code    string               `json:"code"`
	Title   derbes.Text          `json:"title"`
	Basis   string               `json:"basis"`
	Storage derbes.StoragePeriod `json:"storage"`
}

// MyData is everything derbes holds about a subject, as the portal and its
// downloads show it (R-RIGHTS-1), free of charge.
type MyData struct {
	SubjectID string            `json:"subjectId"`
	Operator  map[string]string `json:"operator"`
	Values    []MyValue         `json:"values"`
	Purposes  []MyPurpose       `json:"purposes"`
	Consents  []derbes.Consent  `json:"consents"`
	Transfers []Received        `json:"transfers"`
	Requests  []RequestView     `json:"requests"`
	Orders    []MyOrder         `json:"orders"`
}

// MyOrder is one of the subject's orders as they follow it: status,
// history, documents, questions and answers.
type MyOrder struct {
	ID           string           `json:"id"`
	Services     []string         `json:"services"`
	Institutions []string         `json:"institutions"` // names, in the order's language of record (ru)
	AcademicYear string           `json:"academicYear"`
	Status       string           `json:"status"`
	History      []OrderEventView `json:"history"`
	Documents    []string         `json:"documents"` // categories
	Messages     []OrderMessage   `json:"messages"`
	CanAdd       []string         `json:"canAdd"` // document categories the services need
}

// MyData gathers the subject's own data for the portal. Confidential
// requests of authorities are left out of the transfers where the law keeps
// them from the subject. Audited as the subject's own access.
func (s *Service) MyData(ctx context.Context, subjectID string) (*MyData, error) {
	ctx = derbes.WithPrincipal(ctx, subjectPrincipal(subjectID))
	r := s.db.Read()
	d := &MyData{SubjectID: subjectID, Operator: map[string]string{"name": s.operator.Name, "bin": s.operator.BIN}}
	rows, err := r.CurrentValues(ctx, subjectID, nil)
	if err != nil {
		return nil, err
	}
	keys, err := r.SubjectKeys(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	opened := map[string]*vault.SubjectKey{}
	for _, row := range rows {
		plain, err := s.open(keys, opened, row)
		if err != nil {
			return nil, err
		}
		cat := s.cat.Category(row.Category)
		v := shown(cat, s.cat.Purpose("rights"), plain, row)
		d.Values = append(d.Values, MyValue{Category: row.Category, Label: cat.Label, Value: v.Value, Source: row.Source,
			CollectedFor: row.Purpose, At: v.At, Version: row.Version})
	}
	if d.Consents, err = r.Consents(ctx, subjectID); err != nil {
		return nil, err
	}
	for _, p := range s.cat.Purposes {
		if b, err := derbes.ResolveBasis(&p, d.Consents, s.now()); err == nil && p.Basis.Kind == derbes.BasisConsent {
			d.Purposes = append(d.Purposes, MyPurpose{Code: p.Code, Title: p.Title, Basis: b.String(), Storage: p.Storage})
		}
	}
	if d.Transfers, err = s.myTransfers(ctx, r, subjectID); err != nil {
		return nil, err
	}
	if d.Requests, err = s.Requests(ctx, subjectID); err != nil {
		return nil, err
	}
	if d.Orders, err = s.myOrders(ctx, r, subjectID); err != nil {
		return nil, err
	}
	e := s.entry(ctx, "portal.view", subjectID, "rights", nil, derbes.OutcomeOK, "")
	e.Basis = "art9-10"
	return d, s.db.Audit(ctx, e)
}

// myTransfers lists the transfers of the subject's data, except those on
// a confidential authority request.
func (s *Service) myTransfers(ctx context.Context, r store.Conn, subjectID string) ([]Received, error) {
	items, err := s.ReceivedBy(derbes.WithPrincipal(ctx, System("portal")), subjectID, "")
	if err != nil {
		return nil, err
	}
	out := []Received{}
	for _, it := range items {
		if ref, ok := strings.CutPrefix(it.Basis, "request:"); ok {
			if a, err := r.AuthorityRequestByID(ctx, ref); err == nil && a.Confidential {
				continue
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// PortalWithdraw withdraws one of the subject's own consents from the portal.
// Errors: ENotFound (not the subject's live consent).
func (s *Service) PortalWithdraw(ctx context.Context, subjectID, consentID string) (*Withdrawal, error) {
	return s.WithdrawConsent(derbes.WithPrincipal(ctx, System("portal:"+subjectID)), subjectID, consentID, "withdrawn by the subject in the portal")
}

// PortalRequest files a request from the portal, for the subject only.
func (s *Service) PortalRequest(ctx context.Context, subjectID, kind, details string) (*RequestView, error) {
	return s.OpenRequest(derbes.WithPrincipal(ctx, subjectPrincipal(subjectID)), subjectID, NewRequest{Kind: kind, Channel: "portal", Details: details})
}

func (s *Service) myOrders(ctx context.Context, r store.Conn, subjectID string) ([]MyOrder, error) {
	orders, err := r.SubjectOrders(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	// A legal representative follows the orders of the minors they applied for.
	represented, err := r.RepresentedBy(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	for _, id := range represented {
		more, err := r.SubjectOrders(ctx, id)
		if err != nil {
			return nil, err
		}
		orders = append(orders, more...)
	}
	out := []MyOrder{}
	for _, o := range orders {
		m := MyOrder{ID: o.ID, Services: o.Services, AcademicYear: o.AcademicYear, Status: o.Status, Documents: []string{}}
		for _, id := range o.Institutions {
			if rc, err := r.RecipientByID(ctx, id); err == nil {
				m.Institutions = append(m.Institutions, rc.Names["ru"])
			}
		}
		evs, err := r.OrderEvents(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			m.History = append(m.History, OrderEventView{Status: e.Status, At: fromMicros(e.At)})
		}
		files, err := r.OrderFiles(ctx, o.SubjectID, o.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			m.Documents = append(m.Documents, f.Category)
		}
		if m.Messages, err = s.OrderMessages(ctx, subjectID, o.ID); err != nil {
			return nil, err
		}
		for _, k := range s.ApplyCategories(o.Services) {
			if c := s.cat.Category(k); c != nil && c.Type == derbes.TypeFile {
				m.CanAdd = append(m.CanAdd, k)
			}
		}
		out = append(out, m)
	}
	return out, nil
}
