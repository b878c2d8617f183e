package service

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/store"
)

var noticeMail = map[string]struct{ subject, body string }{
	"kk": {"Дербес деректеріңіз берілді", "Сіздің келісіміңізге сәйкес хабарлаймыз: %s күні сіздің дербес деректеріңіз «%s» алушысына берілді (%s).\n«Дербес деректер және оларды қорғау туралы» Заңның 19-бабы."},
	"ru": {"Ваши персональные данные переданы", "В соответствии с вашим согласием сообщаем: %s ваши персональные данные переданы получателю «%s» (%s).\nСтатья 19 Закона «О персональных данных и их защите»."},
	"en": {"Your personal data was transferred", "As your consent asks, we inform you: on %s your personal data was transferred to \"%s\" (%s).\nLaw on personal data and their protection, Art. 19."},
}

// NoticeResult says what a run of SendTransferNotices did.
type NoticeResult struct {
	Sent    int `json:"sent"`
	Pending int `json:"pending"` // could not be sent now (no e-mail, failure)
	Overdue int `json:"overdue"` // pending past their legal due date
}

// SendTransferNotices tells subjects of transfers of their data where
// their consent asks for it (Law 94-V Art. 19): by e-mail, in the
// consent's language. Each notice is marked sent once, and audited;
// notices that cannot be sent stay pending and count as overdue after
// their due date. Safe to run repeatedly (a job, or the API).
// Errors: EForbidden.
func (s *Service) SendTransferNotices(ctx context.Context) (*NoticeResult, error) {
	const action = "transfer.notice"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActTransfer, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not send transfer notices"))
	}
	pending, err := s.db.Read().PendingTransferNotices(ctx, 1000)
	if err != nil {
		return nil, err
	}
	res := &NoticeResult{}
	now := s.now().UTC()
	for _, n := range pending {
		outcome, err := s.sendNotice(ctx, n)
		if err != nil {
			return nil, err
		}
		sent := sql.NullInt64{}
		if outcome == "sent" {
			res.Sent++
			sent = sql.NullInt64{Int64: now.UnixMicro(), Valid: true}
		} else {
			res.Pending++
			if now.UnixMicro() > n.DueAt {
				res.Overdue++
			}
		}
		err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			e := s.entry(ctx, action, n.SubjectID, "rights", []string{"email"}, derbes.OutcomeOK, outcome)
			if outcome != "sent" {
				e.Outcome = derbes.OutcomeRefused
			}
			e.Basis = "art9-10"
			return []derbes.AuditEntry{e}, c.MarkTransferNotice(ctx, n.TransferID, n.SubjectID, outcome, sent)
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// sendNotice e-mails one notice and returns "sent", "no-email" or "failed".
func (s *Service) sendNotice(ctx context.Context, n store.TransferNotice) (string, error) {
	if s.mail == nil {
		return "no-email", nil
	}
	if s.isBlocked(ctx, n.SubjectID, "email") {
		return "blocked", nil
	}
	r := s.db.Read()
	t, _, err := r.TransferByID(ctx, n.TransferID)
	if err != nil {
		return "", err
	}
	rec, err := r.RecipientByID(ctx, t.RecipientID)
	if err != nil {
		return "", err
	}
	address, err := s.currentPlain(ctx, n.SubjectID, "email")
	if err != nil {
		return "no-email", nil
	}
	lang := "kk"
	if ks, err := r.Consents(ctx, n.SubjectID); err == nil {
		for _, k := range ks {
			if k.NotifyTransfers && k.Language != "" {
				lang = k.Language // the newest consent that asked for notices
			}
		}
	}
	w := noticeMail[lang]
	name := rec.Names[lang]
	at := time.UnixMicro(t.At).In(time.FixedZone("Asia/Almaty", 5*3600)).Format("2006-01-02")
	if err := s.mail.Send(ctx, mail.Message{To: address, Subject: w.subject, Text: fmt.Sprintf(w.body, at, name, rec.Country)}); err != nil {
		s.log.WarnContext(ctx, "transfer notice not delivered", "err", err)
		return "failed", nil
	}
	return "sent", nil
}
