package service

import (
	"context"
	"strconv"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// draftRecipientNotices drafts, inside a write, a notice to every
// recipient that received an earlier version of category (R-RIGHTS-5,
// P-6.2.1d): kind is rectification, blocking or destruction.
func (s *Service) draftRecipientNotices(ctx context.Context, c store.Conn, subjectID, category, kind string, newVersion int) error {
	holders, err := c.HoldersOf(ctx, subjectID, category)
	if err != nil {
		return err
	}
	for _, h := range holders {
		if kind == "rectification" && h.Version >= newVersion {
			continue // it already holds the current version
		}
		n := store.RecipientNotice{ID: newID(), SubjectID: subjectID, RecipientID: h.RecipientID, Category: category, Kind: kind,
			OldVersion: h.Version, NewVersion: newVersion, CreatedAt: s.now().UnixMicro()}
		if err := c.InsertRecipientNotice(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// RecipientNotices lists the notices drafted for a subject's earlier
// recipients and whether each was sent. Audited.
// Errors: EForbidden.
func (s *Service) RecipientNotices(ctx context.Context, subjectID string) ([]store.RecipientNotice, error) {
	const action = "recipient-notice.list"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, "rights") {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, s.denied(ctx, "", "your role may not read recipient notices"))
	}
	ns, err := s.db.Read().RecipientNotices(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	if ns == nil {
		ns = []store.RecipientNotice{}
	}
	return ns, s.db.Audit(ctx, s.entry(ctx, action, subjectID, "rights", nil, derbes.OutcomeOK, ""))
}

var noticeWords = map[string]map[string]string{
	"kk": {"rectification": "Дербес деректерді түзету туралы хабарлама", "blocking": "Дербес деректерді бұғаттау туралы хабарлама",
		"destruction": "Дербес деректерді жою туралы хабарлама", "to": "Алушы", "subject": "Субъект", "category": "Санат",
		"old": "Сіз алған нұсқа", "new": "Ағымдағы мән", "basis": "Негіз: 94-V Заңның 24-бабы, Саясаттың 6.2.1d-тармағы."},
	"ru": {"rectification": "Уведомление об уточнении персональных данных", "blocking": "Уведомление о блокировании персональных данных",
		"destruction": "Уведомление об уничтожении персональных данных", "to": "Получатель", "subject": "Субъект", "category": "Категория",
		"old": "Полученная вами версия", "new": "Текущее значение", "basis": "Основание: статья 24 Закона № 94-V, пункт 6.2.1d Политики."},
	"en": {"rectification": "Notice of correction of personal data", "blocking": "Notice of blocking of personal data",
		"destruction": "Notice of destruction of personal data", "to": "Recipient", "subject": "Subject", "category": "Category",
		"old": "Version you received", "new": "Current value", "basis": "Basis: Law No. 94-V Art. 24; policy clause 6.2.1d."},
}

// RecipientNoticeDocument renders a drafted notice (PDF, in the
// recipient's language) with the structured correction: for a
// rectification it carries the corrected value, which the recipient
// already holds an earlier version of. Audited.
// Errors: ENotFound, EForbidden.
func (s *Service) RecipientNoticeDocument(ctx context.Context, subjectID, noticeID string) ([]byte, error) {
	const action = "recipient-notice.document"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, "rights") {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, s.denied(ctx, "", "your role may not read recipient notices"))
	}
	r := s.db.Read()
	ns, err := r.RecipientNotices(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	var n *store.RecipientNotice
	for i := range ns {
		if ns[i].ID == noticeID {
			n = &ns[i]
		}
	}
	if n == nil {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, derbes.NotFound("no such notice"))
	}
	rec, err := r.RecipientByID(ctx, n.RecipientID)
	if err != nil {
		return nil, err
	}
	lang := coverLanguage("", rec.Country)
	w := noticeWords[lang]
	rows := [][2]string{{w["to"], rec.Names[lang]}, {w["subject"], subjectID},
		{w["category"], s.cat.Category(n.Category).Label.In(lang)}, {w["old"], strconv.Itoa(n.OldVersion)}}
	if n.Kind == "rectification" {
		row, err := r.ValueVersion(ctx, subjectID, n.Category, n.NewVersion)
		if err != nil {
			return nil, err
		}
		keys, err := r.SubjectKeys(ctx, subjectID)
		if err != nil {
			return nil, err
		}
		plain, err := s.open(keys, map[string]*vault.SubjectKey{}, row)
		if err != nil {
			return nil, err
		}
		rows = append(rows, [2]string{w["new"], plain})
	}
	doc, err := pdf.Render(pdf.Document{Title: w[n.Kind], Subtitle: s.operator.Name + " · BIN " + s.operator.BIN, Lang: lang,
		Footer: noticeID, Blocks: []pdf.Block{pdf.Fields{Rows: rows}, pdf.Paragraph{Text: w["basis"]}}})
	if err != nil {
		return nil, err
	}
	e := s.entry(ctx, action, subjectID, "rights", []string{n.Category}, derbes.OutcomeOK, "")
	e.Basis = "art9-10"
	return doc, s.db.Audit(ctx, e)
}

// MarkRecipientNoticeSent records that a notice went out and how.
// Errors: EInvalid (channel), ENotFound, EForbidden.
func (s *Service) MarkRecipientNoticeSent(ctx context.Context, subjectID, noticeID, channel string) error {
	const action = "recipient-notice.sent"
	err := derbes.CheckChannel(channel)
	if err == nil && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, "rights") {
		err = s.denied(ctx, "", "your role may not send recipient notices")
	}
	if err != nil {
		return s.Refuse(ctx, action, subjectID, "rights", nil, err)
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "rights", nil, derbes.OutcomeOK, "")
		ok, err := c.MarkRecipientNoticeSent(ctx, subjectID, noticeID, channel, s.now().UnixMicro())
		if err != nil {
			return nil, err
		}
		if !ok {
			err := &derbes.Error{Code: derbes.ENotFound, Field: "noticeId", Rule: "notice-unknown", Message: "no unsent notice with this id"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, nil
	})
}
