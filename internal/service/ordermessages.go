package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// OrderMessage is a question of staff or an answer of the applicant about
// an order, as both sides read it.
type OrderMessage struct {
	ID        string    `json:"id"`
	FromStaff bool      `json:"fromStaff"`
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
}

func messageAD(m store.OrderMessage) []byte {
	return vault.ValueAD(m.SubjectID, "message:"+m.ID, orderPurpose, 1)
}

// AskApplicant records a question of staff about an order (the applicant
// answers in the portal) and tells the applicant by e-mail that there is
// one, without its text, when their consent to P-4.2a allows.
// Errors: EInvalid (text), ENotFound, EForbidden.
func (s *Service) AskApplicant(ctx context.Context, orderID, text string) error {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, orderPurpose) {
		return s.Refuse(ctx, "order.question", "", orderPurpose, nil, s.denied(ctx, "", "your role may not ask applicants"))
	}
	o, err := s.addMessage(ctx, "order.question", orderID, "", derbes.PrincipalFrom(ctx).ID, text)
	if err == nil {
		go s.notifyQuestion(context.WithoutCancel(ctx), o)
	}
	return err
}

// AnswerQuestion records the applicant's answer from the portal; the
// order must be the subject's own. Errors: EInvalid (text), ENotFound.
func (s *Service) AnswerQuestion(ctx context.Context, subjectID, orderID, text string) error {
	ctx = derbes.WithPrincipal(ctx, subjectPrincipal(subjectID))
	_, err := s.addMessage(ctx, "order.answer", orderID, subjectID, "subject", text)
	return err
}

func (s *Service) addMessage(ctx context.Context, action, orderID, owner, author, text string) (store.Order, error) {
	text = strings.TrimSpace(text)
	var o store.Order
	if text == "" || len(text) > 4000 || checkText(text) != nil {
		return o, s.Refuse(ctx, action, "", orderPurpose, nil, derbes.Invalid("text", "required", "write the message, up to 4000 characters"))
	}
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var err error
		if o, err = c.OrderByID(ctx, orderID); err != nil || (owner != "" && !s.actsFor(ctx, c, owner, o.SubjectID)) {
			return []derbes.AuditEntry{s.entry(ctx, action, owner, orderPurpose, nil, derbes.OutcomeRefused, "not-found")}, derbes.NotFound("no such order")
		}
		sk, err := s.purposeKey(ctx, c, o.SubjectID, orderPurpose)
		if err != nil {
			return nil, err
		}
		m := store.OrderMessage{ID: newID(), OrderID: o.ID, SubjectID: o.SubjectID, Author: author, At: s.now().UnixMicro()}
		m.Body = sk.Seal([]byte(text), messageAD(m))
		return []derbes.AuditEntry{s.entry(ctx, action, o.SubjectID, orderPurpose, nil, derbes.OutcomeOK, "")}, c.InsertOrderMessage(ctx, m)
	})
	return o, err
}

// OrderMessages returns the messages of an order. For a portal subject
// (owner set) only their own order. Errors: ENotFound, EForbidden.
func (s *Service) OrderMessages(ctx context.Context, owner, orderID string) ([]OrderMessage, error) {
	if owner == "" && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, orderPurpose) {
		return nil, s.Refuse(ctx, "order.messages", "", orderPurpose, nil, s.denied(ctx, "", "your role may not read orders"))
	}
	r := s.db.Read()
	o, err := r.OrderByID(ctx, orderID)
	if err != nil || (owner != "" && !s.actsFor(ctx, r, owner, o.SubjectID)) {
		return nil, derbes.NotFound("no such order")
	}
	ms, err := r.OrderMessages(ctx, orderID)
	if err != nil || len(ms) == 0 {
		return []OrderMessage{}, err
	}
	keys, err := r.SubjectKeys(ctx, o.SubjectID)
	if err != nil {
		return nil, err
	}
	wk, ok := keys[orderPurpose]
	if !ok {
		return nil, errDecrypt
	}
	sk, err := s.kr.OpenSubjectKey(orderPurpose, o.SubjectID, wk.KeyVersion, wk.Wrapped)
	if err != nil {
		return nil, err
	}
	out := make([]OrderMessage, 0, len(ms))
	for _, m := range ms {
		plain, err := sk.Open(m.Body, messageAD(m))
		if err != nil {
			return nil, errDecrypt
		}
		out = append(out, OrderMessage{ID: m.ID, FromStaff: m.Author != "subject", Author: m.Author, Text: string(plain), At: fromMicros(m.At)})
	}
	if owner != "" {
		return out, nil // the subject's own view is audited as such (portal.view)
	}
	return out, s.db.Audit(ctx, s.entry(ctx, "order.messages", o.SubjectID, orderPurpose, nil, derbes.OutcomeOK, ""))
}

var questionMail = map[string]struct{ subject, body string }{
	"kk": {"Тапсырысыңыз бойынша сұрақ", "Қызметкер тапсырысыңыз бойынша сұрақ қойды. Жауап беру үшін порталға кіріңіз."},
	"ru": {"Вопрос по вашему заказу", "Сотрудник задал вопрос по вашему заказу. Чтобы ответить, войдите в портал."},
	"en": {"A question about your order", "Our staff asked a question about your order. Sign in to the portal to answer it."},
}

// notifyQuestion tells the applicant there is a question, under their
// consent to P-4.2a (R-APPLY-2); the question itself stays in the portal.
func (s *Service) notifyQuestion(ctx context.Context, o store.Order) {
	if s.mail == nil {
		return
	}
	ks, err := s.db.Read().Consents(ctx, o.SubjectID)
	p := s.cat.Purpose("p4.2a")
	if err != nil || !slices.Contains(derbes.CoveredCategories(p, ks, s.now()), "email") || s.isBlocked(ctx, o.SubjectID, "email") {
		return
	}
	address, err := s.currentPlain(ctx, o.SubjectID, "email")
	if err != nil {
		return
	}
	lang := "kk"
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i].Live(s.now()) && ks[i].Language != "" {
			lang = ks[i].Language
			break
		}
	}
	t := questionMail[lang]
	if err := s.mail.Send(ctx, mail.Message{To: address, Subject: t.subject, Text: t.body}); err != nil {
		s.log.WarnContext(ctx, "question notice not delivered", "err", err)
	}
}

// PortalAttachDocument adds a document to the subject's own order from
// the portal (a missing scan, a new diploma): the same checks as staff's.
// Errors: ENotFound (not the subject's order), EInvalid, ETooLarge.
func (s *Service) PortalAttachDocument(ctx context.Context, subjectID, orderID, category string, data []byte) error {
	o, err := s.db.Read().OrderByID(ctx, orderID)
	if err != nil || !s.actsFor(ctx, s.db.Read(), subjectID, o.SubjectID) {
		return derbes.NotFound("no such order")
	}
	if !slices.Contains(s.ApplyCategories(o.Services), category) {
		return s.Refuse(ctx, "order.document", subjectID, orderPurpose, []string{category},
			derbes.Forbidden("category", "category-outside-purpose", "the order's services do not need this document"))
	}
	_, err = s.AttachOrderDocument(derbes.WithPrincipal(ctx, System("portal:"+subjectID)), orderID, category, data)
	return err
}

// actsFor reports whether the portal's subject acts for subject: it is
// them, or their legal representative by a consent (Art. 7 p.1).
func (s *Service) actsFor(ctx context.Context, c store.Conn, portalSubject, subject string) bool {
	if portalSubject == subject {
		return true
	}
	ids, err := c.RepresentedBy(ctx, portalSubject)
	return err == nil && slices.Contains(ids, subject)
}
