package service

import (
	"context"
	"crypto/ed25519"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/store"
)

// Destroy destroys a subject's personal data (R-RIGHTS-6): the subject's
// keys are crypto-shredded, then values, files, blind-index entries and
// order documents deleted, in one transaction with the ledger line that
// proves it (subject id, date, basis, categories, by whom: never a value).
// Every earlier recipient of the data gets a drafted notice. basis names
// why: a request ("request:<id>"), retention, a court decision.
// Errors: EInvalid (basis), ENotFound, EConflict (already destroyed), EForbidden.
func (s *Service) Destroy(ctx context.Context, subjectID, basis string) (*store.Erasure, error) {
	const action = "subject.destroy"
	basis = strings.TrimSpace(basis)
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActDestroy, "*") && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActDestroy, "rights"):
		err = s.denied(ctx, "", "your role may not destroy data")
	case basis == "" || len(basis) > 200 || checkText(basis) != nil:
		err = derbes.Invalid("basis", "required", "a destruction states its basis")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, err)
	}
	er := &store.Erasure{SubjectID: subjectID, At: s.now().UnixMicro(), Basis: basis, DestroyedBy: derbes.PrincipalFrom(ctx).ID}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "rights", nil, derbes.OutcomeOK, basis)
		e.Basis = "art9-10"
		if err := s.checkDestroyable(ctx, c, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		versions, err := c.ValueVersions(ctx, subjectID)
		if err != nil {
			return nil, err
		}
		er.Categories = sortedKeys(versions)
		for _, cat := range er.Categories {
			if err := s.draftRecipientNotices(ctx, c, subjectID, cat, "destruction", 0); err != nil {
				return nil, err
			}
		}
		if err := c.ShredSubject(ctx, subjectID); err != nil {
			return nil, err
		}
		e.Categories = er.Categories
		return []derbes.AuditEntry{e}, c.InsertErasure(ctx, *er)
	})
	if err != nil {
		return nil, err
	}
	return er, nil
}

func (s *Service) checkDestroyable(ctx context.Context, c store.Conn, subjectID string) error {
	if _, err := c.Subject(ctx, subjectID); err != nil {
		return err
	}
	ers, err := c.Erasures(ctx)
	if err != nil {
		return err
	}
	for _, e := range ers {
		if e.SubjectID == subjectID {
			return &derbes.Error{Code: derbes.EConflict, Rule: "already-destroyed", Message: "this subject's data was already destroyed"}
		}
	}
	return nil
}

// Erasures exports the erasure ledger: subject ids, dates and bases only,
// to be kept apart from the data and handed to every restore.
// Errors: EForbidden.
func (s *Service) Erasures(ctx context.Context) ([]store.Erasure, error) {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*") {
		return nil, s.Refuse(ctx, "erasure.export", "", "", nil, s.denied(ctx, "", "your role may not export the erasure ledger"))
	}
	ers, err := s.db.Read().Erasures(ctx)
	if err != nil {
		return nil, err
	}
	if ers == nil {
		ers = []store.Erasure{}
	}
	for i := range ers {
		ers[i].Sig, _ = s.kr.SignCheckpoint(ers[i].Message())
	}
	return ers, s.db.Audit(ctx, s.entry(ctx, "erasure.export", "", "", nil, derbes.OutcomeOK, ""))
}

// ApplyErasures re-applies a ledger to this installation: every subject in
// it that still has data (a restore from a backup older than the
// destruction) is shredded again, and the ledger lines are recorded. It is
// idempotent; it returns how many subjects it shredded.
func (s *Service) ApplyErasures(ctx context.Context, ledger []store.Erasure) (int, error) {
	const action = "erasure.reapply"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*") {
		return 0, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not apply the erasure ledger"))
	}
	// Only lines derbes signed: a made-up ledger cannot shred anyone.
	pubs := s.kr.AuditPublicKeys()
	for _, er := range ledger {
		if !slices.ContainsFunc(slices.Collect(maps.Values(pubs)), func(p ed25519.PublicKey) bool { return ed25519.Verify(p, er.Message(), er.Sig) }) {
			return 0, s.Refuse(ctx, action, er.SubjectID, "", nil, derbes.Invalid("erasures", "ledger-signature", "a ledger line is not signed by this installation"))
		}
	}
	n := 0
	for _, er := range ledger {
		err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			keys, err := c.SubjectKeys(ctx, er.SubjectID)
			if err != nil {
				return nil, err
			}
			if err := c.ShredSubject(ctx, er.SubjectID); err != nil {
				return nil, err
			}
			if _, err := c.Subject(ctx, er.SubjectID); err == nil {
				if err := c.InsertErasure(ctx, er); err != nil {
					return nil, err
				}
			}
			if len(keys) == 0 {
				return nil, nil
			}
			n++
			return []derbes.AuditEntry{s.entry(ctx, action, er.SubjectID, "rights", er.Categories, derbes.OutcomeOK, er.Basis)}, nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

var actWords = map[string]map[string]string{
	"kk": {"title": "Дербес деректерді жою актісі", "subject": "Субъект (сәйкестендіргіш)", "date": "Жойылған күні", "basis": "Негізі",
		"categories": "Жойылған деректер санаттары", "by": "Жойған", "method": "Тәсілі",
		"how": "Субъектінің шифрлау кілттері жойылды (криптографиялық жою), содан кейін мәндер, файлдар мен іздеу индекстері өшірілді. Ескі сақтық көшірмеден әрбір қалпына келтіру жою журналын қайта қолданады.",
		"law": "«Дербес деректер және оларды қорғау туралы» Заңның 18-бабы.", "sign": "Жауапты тұлға: ____________________   Күні: __________"},
	"ru": {"title": "Акт об уничтожении персональных данных", "subject": "Субъект (идентификатор)", "date": "Дата уничтожения", "basis": "Основание",
		"categories": "Уничтоженные категории данных", "by": "Уничтожил", "method": "Способ",
		"how": "Ключи шифрования субъекта уничтожены (криптографическое уничтожение), затем удалены значения, файлы и поисковые индексы. Каждое восстановление из более ранней резервной копии повторно применяет журнал уничтожений.",
		"law": "Статья 18 Закона «О персональных данных и их защите».", "sign": "Ответственное лицо: ____________________   Дата: __________"},
	"en": {"title": "Act of destruction of personal data", "subject": "Subject (identifier)", "date": "Destroyed on", "basis": "Basis",
		"categories": "Categories of data destroyed", "by": "Destroyed by", "method": "Method",
		"how": "The subject's encryption keys were destroyed (crypto-shredding), then the values, files and search indexes deleted. Every restore of an older backup re-applies the erasure ledger, which destroys the subject's keys and values again.",
		"law": "Law on personal data and their protection, Art. 18.", "sign": "Responsible person: ____________________   Date: __________"},
}

// DestructionAct renders the act of destruction (PDF) for a ledger line:
// what, whose (by id), basis, date, by whom, and the responsible person.
// Errors: EInvalid (language), ENotFound, EForbidden.
func (s *Service) DestructionAct(ctx context.Context, subjectID, lang string) ([]byte, error) {
	w, ok := actWords[lang]
	if !ok {
		return nil, derbes.Invalid("lang", "language", "the language is kk, ru or en")
	}
	ers, err := s.Erasures(ctx)
	if err != nil {
		return nil, err
	}
	for _, er := range ers {
		if er.SubjectID != subjectID {
			continue
		}
		var labels []string
		for _, c := range er.Categories {
			if cat := s.cat.Category(c); cat != nil {
				labels = append(labels, cat.Label.In(lang))
			}
		}
		rows := [][2]string{{w["subject"], er.SubjectID}, {w["date"], time.UnixMicro(er.At).UTC().Format("2006-01-02 15:04 UTC")},
			{w["basis"], er.Basis}, {w["by"], er.DestroyedBy}}
		if ap, _ := s.Responsible(ctx); ap != nil {
			rows = append(rows, [2]string{"", ap.Name + " (" + ap.OrderRef + ")"})
		}
		return pdf.Render(pdf.Document{Title: w["title"], Subtitle: s.operator.Name + " · BIN " + s.operator.BIN, Lang: lang, Footer: er.SubjectID,
			Blocks: []pdf.Block{pdf.Fields{Rows: rows}, pdf.Heading{Text: w["categories"]}, pdf.List{Items: labels},
				pdf.Heading{Text: w["method"]}, pdf.Paragraph{Text: w["how"]}, pdf.Paragraph{Text: w["law"]}, pdf.Signature{Lines: []string{w["sign"]}}}})
	}
	return nil, derbes.NotFound("no destruction of this subject is recorded")
}
