package service

import (
	"context"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/store"
)

// HoldView is a legal hold as staff and the API see it.
type HoldView struct {
	ID        string    `json:"id"`
	SubjectID string    `json:"subjectId"`
	Reason    string    `json:"reason"`
	PlacedBy  string    `json:"placedBy"`
	PlacedAt  time.Time `json:"placedAt"`
}

func holdView(h store.LegalHold) HoldView {
	return HoldView{ID: h.ID, SubjectID: h.SubjectID, Reason: h.Reason, PlacedBy: h.PlacedBy, PlacedAt: fromMicros(h.PlacedAt)}
}

// PlaceHold puts a subject's data under a legal hold (R-RETAIN-1):
// another law or a court case requires keeping it, so a retention run
// restricts what is due instead of destroying it. reason is the official
// reference (law, case number). Errors: EInvalid (reason), ENotFound,
// EConflict (destroyed), EForbidden.
func (s *Service) PlaceHold(ctx context.Context, subjectID, reason string) (*HoldView, error) {
	const action = "hold.place"
	reason = strings.TrimSpace(reason)
	var err error
	switch {
	case !s.mayRetain(ctx, false):
		err = s.denied(ctx, "", "your role may not place legal holds")
	case reason == "" || len(reason) > 300 || checkText(reason) != nil:
		err = derbes.Invalid("reason", "required", "a legal hold names its basis (a law, a case number), up to 300 characters")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, "", nil, err)
	}
	h := &store.LegalHold{ID: newID(), SubjectID: subjectID, Reason: reason, PlacedBy: derbes.PrincipalFrom(ctx).ID, PlacedAt: s.now().UnixMicro()}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "", nil, derbes.OutcomeOK, "hold "+h.ID)
		if err := s.checkDestroyable(ctx, c, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertHold(ctx, *h)
	})
	if err != nil {
		return nil, err
	}
	v := holdView(*h)
	return &v, nil
}

// ReleaseHold ends a legal hold: the blocks it put on due data are lifted,
// and the next retention run destroys what is still due.
// Errors: ENotFound, EConflict (already released), EForbidden.
func (s *Service) ReleaseHold(ctx context.Context, holdID string) error {
	const action = "hold.release"
	if !s.mayRetain(ctx, false) {
		return s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not release legal holds"))
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		h, err := c.HoldByID(ctx, holdID)
		if err != nil {
			return nil, err
		}
		e := s.entry(ctx, action, h.SubjectID, "", nil, derbes.OutcomeOK, "hold "+h.ID)
		by, now := derbes.PrincipalFrom(ctx).ID, s.now().UnixMicro()
		ok, err := c.ReleaseHold(ctx, holdID, by, now)
		if err == nil && !ok {
			err = &derbes.Error{Code: derbes.EConflict, Rule: "hold-released", Message: "this legal hold was already released"}
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		blocks, err := c.ActiveBlocks(ctx, h.SubjectID)
		if err != nil {
			return nil, err
		}
		for _, b := range blocks {
			if b.Reason == holdReason(h.ID) {
				if _, err := c.ReleaseBlock(ctx, h.SubjectID, b.ID, by, now); err != nil {
					return nil, err
				}
			}
		}
		return []derbes.AuditEntry{e}, nil
	})
}

// Holds lists the legal holds in force. Errors: EForbidden.
func (s *Service) Holds(ctx context.Context) ([]HoldView, error) {
	if !s.mayRetain(ctx, true) {
		return nil, s.Refuse(ctx, "hold.list", "", "", nil, s.denied(ctx, "", "your role may not see legal holds"))
	}
	hs, err := s.db.Read().Holds(ctx, "")
	out := make([]HoldView, 0, len(hs))
	for _, h := range hs {
		out = append(out, holdView(h))
	}
	return out, err
}

var retentionWords = map[string]map[string]string{
	"kk": {"title": "Сақтау мерзімі өткен дербес деректерді жою актісі", "act": "Акт", "created": "Жасалған күні", "status": "Күйі",
		"approved": "Бекіткен", "subject": "Субъект", "action": "Әрекет", "categories": "Санаттар", "purposes": "Мерзімі өткен мақсаттар",
		"due": "Мерзімі өткен күн", "outcome": "Нәтиже", "law": "«Дербес деректер және оларды қорғау туралы» Заңның 12-бабының 2-тармағы және 18-бабы.",
		"periods": "Сақтау мерзімдері (каталог бойынша)", "sign": "Жауапты тұлға: ____________________   Күні: __________",
		RetainDestroy: "санаттарды жою", RetainDestroySubject: "субъектіні толық жою", RetainDepersonalise: "иесіздендіру, содан кейін жою", RetainRestrict: "шектеу (заңды тыйым)"},
	"ru": {"title": "Акт об уничтожении персональных данных с истёкшим сроком хранения", "act": "Акт", "created": "Составлен", "status": "Статус",
		"approved": "Утвердил", "subject": "Субъект", "action": "Действие", "categories": "Категории", "purposes": "Цели с истёкшим сроком",
		"due": "Срок истёк", "outcome": "Итог", "law": "Пункт 2 статьи 12 и статья 18 Закона «О персональных данных и их защите».",
		"periods": "Сроки хранения (по каталогу)", "sign": "Ответственное лицо: ____________________   Дата: __________",
		RetainDestroy: "уничтожение категорий", RetainDestroySubject: "полное уничтожение", RetainDepersonalise: "обезличивание и уничтожение", RetainRestrict: "ограничение (правовое удержание)"},
	"en": {"title": "Act of destruction of personal data past its storage period", "act": "Act", "created": "Drawn up", "status": "Status",
		"approved": "Approved by", "subject": "Subject", "action": "Action", "categories": "Categories", "purposes": "Purposes whose period ended",
		"due": "Due since", "outcome": "Outcome", "law": "Law on personal data and their protection, Art. 12 p.2 and Art. 18.",
		"periods": "Storage periods (from the catalogue)", "sign": "Responsible person: ____________________   Date: __________",
		RetainDestroy: "destroy categories", RetainDestroySubject: "destroy the subject", RetainDepersonalise: "depersonalise, then destroy", RetainRestrict: "restrict (legal hold)"},
}

// RetentionActPDF renders an act (Law 94-V Art. 18): what, whose (by id),
// the basis (the purposes whose storage periods ended, with their legal
// references), the date, who approved it. Errors: EInvalid (language),
// ENotFound, EForbidden.
func (s *Service) RetentionActPDF(ctx context.Context, id, lang string) ([]byte, error) {
	w, ok := retentionWords[lang]
	if !ok {
		return nil, derbes.Invalid("lang", "language", "the language is kk, ru or en")
	}
	if !s.mayRetain(ctx, true) {
		return nil, s.Refuse(ctx, "retention.act", "", "", nil, s.denied(ctx, "", "your role may not read retention acts"))
	}
	a, err := s.db.Read().RetentionAct(ctx, id)
	if err != nil {
		return nil, err
	}
	act := actView(a)
	approved := "—"
	if act.ApprovedAt != nil {
		approved = act.ApprovedBy + ", " + act.ApprovedAt.Format("2006-01-02 15:04 UTC")
	}
	rows := [][2]string{{w["act"], act.ID}, {w["created"], act.CreatedAt.Format("2006-01-02 15:04 UTC")}, {w["status"], act.Status}, {w["approved"], approved}}
	if ap, _ := s.Responsible(ctx); ap != nil {
		rows = append(rows, [2]string{"", ap.Name + " (" + ap.OrderRef + ")"})
	}
	table := pdf.Table{Header: []string{w["subject"], w["action"], w["categories"], w["purposes"], w["due"], w["outcome"]}}
	used := map[string]bool{}
	for _, it := range act.Items {
		var labels []string
		for _, c := range it.Categories {
			if cat := s.cat.Category(c); cat != nil {
				labels = append(labels, cat.Label.In(lang))
			}
		}
		for _, p := range it.Purposes {
			used[p] = true
		}
		table.Rows = append(table.Rows, []string{it.SubjectID, w[it.Action], strings.Join(labels, ", "), strings.Join(it.Purposes, ", "),
			it.DueSince.Format(time.DateOnly), it.Outcome})
	}
	var periods []string
	for _, p := range s.cat.Purposes {
		if used[p.Code] {
			periods = append(periods, p.Code+" ("+p.Policy+"): "+p.Storage.Reference)
		}
	}
	return pdf.Render(pdf.Document{Title: w["title"], Subtitle: s.operator.Name + " · BIN " + s.operator.BIN, Lang: lang, Footer: act.ID,
		Blocks: []pdf.Block{pdf.Fields{Rows: rows}, table, pdf.Heading{Text: w["periods"]}, pdf.List{Items: periods},
			pdf.Paragraph{Text: w["law"]}, pdf.Signature{Lines: []string{w["sign"]}}}})
}
