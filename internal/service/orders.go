package service

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// Services an applicant can order (P-4.1b, P-4.2b).
var Services = []string{"admission", "visa-invitation", "insurance"}

// OrderStatuses is the order's flow, in order. An order moves forward only;
// steps that do not apply (no visa, no insurance) are skipped.
var OrderStatuses = []string{"draft", "submitted", "documents-complete", "sent-to-institutions", "decision", "visa-invitation", "insured", "closed"}

// orderPurpose is the purpose orders serve: admission services (P-4.1b).
const orderPurpose = "p4.1b"

// NewOrder is an order to create.
type NewOrder struct {
	Services     []string
	Institutions []string // recipient ids of educational organisations
	AcademicYear string   // "2026/2027"
	Programme    string
}

// OrderView is an order with its status history.
type OrderView struct {
	store.Order
	History []OrderEventView `json:"history"`
}

// OrderEventView is one status move, when and by whom.
type OrderEventView struct {
	Status string    `json:"status"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Mailed string    `json:"mailed,omitempty"`
}

// CreateOrder records an applicant's order (R-APPLY-1) as a draft.
// Errors: EInvalid (services, institutions, year), ENotFound, EForbidden.
func (s *Service) CreateOrder(ctx context.Context, subjectID string, in NewOrder) (*store.Order, error) {
	const action = "order.create"
	err := s.checkOrder(ctx, in)
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, orderPurpose, nil, err)
	}
	o := store.Order{ID: newID(), SubjectID: subjectID, Services: in.Services, Institutions: in.Institutions, AcademicYear: in.AcademicYear,
		Programme: strings.TrimSpace(in.Programme), Status: "draft", CreatedAt: s.now().UnixMicro(), CreatedBy: derbes.PrincipalFrom(ctx).ID}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, orderPurpose, nil, derbes.OutcomeOK, "")
		basis, err := s.orderBasis(ctx, c, subjectID)
		if err == nil {
			err = s.checkInstitutions(ctx, c, in.Institutions)
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		e.Basis = basis.String()
		return []derbes.AuditEntry{e}, c.InsertOrder(ctx, o)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (s *Service) checkOrder(ctx context.Context, in NewOrder) error {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, orderPurpose) {
		return s.denied(ctx, "", "your role may not manage orders")
	}
	if len(in.Services) == 0 {
		return derbes.Invalid("services", "required", "an order has at least one service")
	}
	for i, sv := range in.Services {
		if !slices.Contains(Services, sv) || slices.Contains(in.Services[:i], sv) {
			return derbes.Invalid("services", "service-unknown", "services are admission, visa-invitation and insurance, each once")
		}
	}
	var y1, y2 int
	if n, _ := fmt.Sscanf(in.AcademicYear, "%4d/%4d", &y1, &y2); n != 2 || y2 != y1+1 || y1 < 2000 || y1 > 2100 {
		return derbes.Invalid("academicYear", "academic-year", "the academic year is written 2026/2027")
	}
	if len(in.Programme) > 300 || checkText(in.Programme) != nil {
		return derbes.Invalid("programme", "text-length", "the programme is too long or not plain text")
	}
	if len(in.Institutions) > 20 {
		return derbes.Invalid("institutions", "institutions-count", "at most 20 institutions per order")
	}
	return nil
}

// orderBasis checks the subject exists and has a basis for P-4.1b.
func (s *Service) orderBasis(ctx context.Context, c store.Conn, subjectID string) (derbes.Basis, error) {
	if _, err := c.Subject(ctx, subjectID); err != nil {
		return derbes.Basis{}, err
	}
	ks, err := c.Consents(ctx, subjectID)
	if err != nil {
		return derbes.Basis{}, err
	}
	return derbes.ResolveBasis(s.cat.Purpose(orderPurpose), ks, s.now())
}

func (s *Service) checkInstitutions(ctx context.Context, c store.Conn, ids []string) error {
	for _, id := range ids {
		r, err := c.RecipientByID(ctx, id)
		if err != nil {
			return derbes.Invalid("institutions", "recipient-unknown", "an institution is not in the recipient registry")
		}
		if r.Kind != "education-org" {
			return derbes.Invalid("institutions", "institution-kind", "an institution must be an educational organisation")
		}
	}
	return nil
}

// MoveOrder moves an order forward to status, recording who and when.
// Closing is the event that starts retention periods. When the subject's
// consent to P-4.2a holds and e-mail is configured, the applicant is told
// by e-mail (R-APPLY-2); the message (or why none was sent) is audited.
// Errors: EInvalid (status), EConflict (backwards, or closed), ENotFound, EForbidden.
func (s *Service) MoveOrder(ctx context.Context, orderID, status string) (*OrderEventView, error) {
	const action = "order.move"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, orderPurpose):
		err = s.denied(ctx, "", "your role may not manage orders")
	case !slices.Contains(OrderStatuses, status):
		err = derbes.Invalid("status", "order-status", "not a status of the order flow")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", orderPurpose, nil, err)
	}
	ev := store.OrderEvent{Status: status, At: s.now().UnixMicro(), By: derbes.PrincipalFrom(ctx).ID}
	var o store.Order
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var err error
		o, err = c.OrderByID(ctx, orderID)
		if err != nil {
			return nil, err
		}
		e := s.entry(ctx, action, o.SubjectID, orderPurpose, nil, derbes.OutcomeOK, "status:"+status)
		if slices.Index(OrderStatuses, status) <= slices.Index(OrderStatuses, o.Status) {
			err := &derbes.Error{Code: derbes.EConflict, Field: "status", Rule: "order-backwards", Message: "an order moves forward only"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertOrderEvent(ctx, o.ID, o.SubjectID, ev)
	})
	if err != nil {
		return nil, err
	}
	view := &OrderEventView{Status: status, At: time.UnixMicro(ev.At).UTC(), By: ev.By}
	view.Mailed = s.notifyOrder(ctx, o, status)
	return view, nil
}

var orderMail = map[string]struct{ subject, body string }{
	"kk": {"Тапсырысыңыздың күйі", "Сіздің тапсырысыңыздың жаңа күйі: %s.\nБұл хабарлама сіздің келісіміңізбен жіберілді (Саясаттың 4.2a-тармағы); келісімді кез келген уақытта қайтарып ала аласыз."},
	"ru": {"Статус вашего заказа", "Новый статус вашего заказа: %s.\nЭто сообщение отправлено с вашего согласия (пункт 4.2a Политики); вы можете отозвать согласие в любое время."},
	"en": {"Your order's status", "Your order's new status: %s.\nThis message is sent with your consent (policy clause 4.2a); you may withdraw it at any time."},
}

// notifyOrder e-mails the applicant a status change, only under a live
// consent to P-4.2a. It returns "sent", "no-consent", "no-email" or
// "failed", and audits the outcome.
func (s *Service) notifyOrder(ctx context.Context, o store.Order, status string) string {
	const action = "message.send"
	r := s.db.Read()
	ks, err := r.Consents(ctx, o.SubjectID)
	if err != nil {
		return "failed"
	}
	p := s.cat.Purpose("p4.2a")
	basis, berr := derbes.ResolveBasis(p, ks, s.now())
	outcome := "sent"
	var address string
	switch {
	case berr != nil || !slices.Contains(derbes.CoveredCategories(p, ks, s.now()), "email"):
		outcome = "no-consent"
	case s.isBlocked(ctx, o.SubjectID, "email"):
		outcome = "blocked"
	case s.mail == nil:
		outcome = "no-email"
	default:
		if address, err = s.currentPlain(ctx, o.SubjectID, "email"); err != nil {
			outcome = "no-email"
		}
	}
	lang := "kk"
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i].Live(s.now()) && ks[i].Language != "" {
			lang = ks[i].Language
			break
		}
	}
	if outcome == "sent" {
		t := orderMail[lang]
		if err := s.mail.Send(ctx, mail.Message{To: address, Subject: t.subject, Text: fmt.Sprintf(t.body, status)}); err != nil {
			s.log.WarnContext(ctx, "order status mail not delivered", "err", err)
			outcome = "failed"
		}
	}
	e := s.entry(ctx, action, o.SubjectID, "p4.2a", []string{"email"}, derbes.OutcomeOK, outcome)
	if outcome != "sent" {
		e.Outcome = derbes.OutcomeRefused
	}
	if berr == nil {
		e.Basis = basis.String()
	}
	s.db.Audit(ctx, e)
	return outcome
}

// Orders lists a subject's orders with their histories. Audited.
// Errors: EForbidden, ENotFound.
func (s *Service) Orders(ctx context.Context, subjectID string) ([]OrderView, error) {
	const action = "order.list"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, orderPurpose) {
		return nil, s.Refuse(ctx, action, subjectID, orderPurpose, nil, s.denied(ctx, "", "your role may not read orders"))
	}
	r := s.db.Read()
	list, err := r.SubjectOrders(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	out := []OrderView{}
	for _, o := range list {
		evs, err := r.OrderEvents(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		v := OrderView{Order: o}
		for _, e := range evs {
			v.History = append(v.History, OrderEventView{Status: e.Status, At: time.UnixMicro(e.At).UTC(), By: e.By})
		}
		out = append(out, v)
	}
	return out, s.db.Audit(ctx, s.entry(ctx, action, subjectID, orderPurpose, nil, derbes.OutcomeOK, ""))
}

// AttachOrderDocument stores a document of an order (a passport or ID
// card scan, a diploma, a photo), encrypted under the subject's key for
// P-4.1b like every other value. The category must be a file category the
// purpose and the subject's consent cover; the type is checked by content.
// Errors: EInvalid (category, scan-type), ETooLarge, ENotFound, EForbidden.
func (s *Service) AttachOrderDocument(ctx context.Context, orderID, category string, data []byte) (*store.FileInfo, error) {
	const action = "order.document"
	p := s.cat.Purpose(orderPurpose)
	var cat *derbes.Category
	var err error = s.denied(ctx, "category", "your role may not add documents to orders")
	if derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, orderPurpose) {
		cat, err = s.cat.CheckCollect("category", p, category)
	}
	ct := scanType(data)
	switch {
	case err != nil:
	case cat.Type != derbes.TypeFile:
		err = derbes.Invalid("category", "category-not-file", "documents go to a file category")
	case len(data) > MaxScan:
		err = &derbes.Error{Code: derbes.ETooLarge, Field: "document", Rule: "scan-too-large", Message: "the document is larger than 10 MiB"}
	case ct == "":
		err = derbes.Invalid("document", "scan-type", "the document must be a PDF, JPEG or PNG file (checked by content)")
	case !derbes.PrincipalFrom(ctx).Role.Allows(derbes.ActWrite, orderPurpose, category):
		err = s.denied(ctx, "category", "your role may not add this document")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", orderPurpose, []string{category}, err)
	}
	info := &store.FileInfo{ID: newID(), Category: category, OrderID: orderID, ContentType: ct, Size: int64(len(data)),
		CreatedAt: s.now().UnixMicro(), CreatedBy: derbes.PrincipalFrom(ctx).ID}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		o, err := c.OrderByID(ctx, orderID)
		if err != nil {
			return nil, err
		}
		e := s.entry(ctx, action, o.SubjectID, orderPurpose, []string{category}, derbes.OutcomeOK, "")
		ks, err := c.Consents(ctx, o.SubjectID)
		if err != nil {
			return nil, err
		}
		basis, err := derbes.ResolveBasis(p, ks, s.now())
		if err == nil && !slices.Contains(derbes.CoveredCategories(p, ks, s.now()), category) {
			err = derbes.Forbidden("category", "consent-category", "the consent does not cover this category")
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		e.Basis = basis.String()
		sk, err := s.purposeKey(ctx, c, o.SubjectID, orderPurpose)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		f := store.File{ID: info.ID, SubjectID: o.SubjectID, Purpose: orderPurpose, Category: category, OrderID: orderID,
			ContentType: ct, Size: info.Size, Digest: sum[:], CreatedAt: info.CreatedAt, CreatedBy: info.CreatedBy,
			Ciphertext: sk.Seal(data, vault.ValueAD(o.SubjectID, "file:"+info.ID, orderPurpose, 1))}
		return []derbes.AuditEntry{e}, c.InsertFile(ctx, f)
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// OrderQueue lists the newest orders waiting for staff (status submitted,
// up to limit): ids, services, institutions and dates, no values. The
// listing is audited. Errors: EForbidden.
func (s *Service) OrderQueue(ctx context.Context, limit int) ([]store.Order, error) {
	const action = "order.queue"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, orderPurpose) {
		return nil, s.Refuse(ctx, action, "", orderPurpose, nil, s.denied(ctx, "", "your role may not read orders"))
	}
	os, err := s.db.Read().OrdersByStatus(ctx, "submitted", max(1, min(limit, 200)))
	if err != nil {
		return nil, err
	}
	return os, s.db.Audit(ctx, s.entry(ctx, action, "", orderPurpose, nil, derbes.OutcomeOK, ""))
}
