package service

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/store"
)

// BreachNoticeDays is the term, in working days from detection, to notify
// the authorised body of a personal-data breach (Law 94-V Art. 25 p.2 sub.8).
const BreachNoticeDays = 1

// Breach statuses, in order.
var breachStatuses = []string{"open", "authority-notified", "subjects-notified", "closed"}

// NewBreach records an incident. Description and measures are the
// operator's words: they must not hold personal values (subjects are named
// by id in Subjects).
type NewBreach struct {
	DetectedAt  time.Time
	Description string
	Categories  []string
	Subjects    []string
	Measures    string
	Personal    bool // a breach of personal data: the one-working-day notice applies
}

// BreachView is an incident as the register shows it.
type BreachView struct {
	store.Breach
	DetectedAt          time.Time  `json:"detectedAt"`
	DueAt               time.Time  `json:"dueAt"`
	Overdue             bool       `json:"overdue"`
	AuthorityNotifiedAt *time.Time `json:"authorityNotifiedAt,omitempty"`
	SubjectsNotifiedAt  *time.Time `json:"subjectsNotifiedAt,omitempty"`
	ClosedAt            *time.Time `json:"closedAt,omitempty"`
}

func optTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.UnixMicro(n.Int64).UTC()
	return &t
}

func (s *Service) breachView(b store.Breach) BreachView {
	due := time.UnixMicro(b.DueAt).UTC()
	return BreachView{Breach: b, DetectedAt: time.UnixMicro(b.DetectedAt).UTC(), DueAt: due,
		Overdue:             b.Personal && b.Status == "open" && s.now().After(due),
		AuthorityNotifiedAt: optTime(b.AuthorityNotifiedAt), SubjectsNotifiedAt: optTime(b.SubjectsNotifiedAt), ClosedAt: optTime(b.ClosedAt)}
}

// RecordBreach registers an incident; for a personal-data breach the
// deadline to notify the authorised body is one working day from detection
// on Kazakhstan's calendar (R-OPS-3).
// Errors: EInvalid (description, categories, detection time), EForbidden.
func (s *Service) RecordBreach(ctx context.Context, in NewBreach) (*BreachView, error) {
	const action = "breach.record"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*"):
		err = s.denied(ctx, "", "your role may not record incidents")
	case strings.TrimSpace(in.Description) == "" || len(in.Description) > 4000 || checkText(in.Description) != nil:
		err = derbes.Invalid("description", "required", "describe the incident (without personal values)")
	case len(in.Measures) > 4000 || checkText(in.Measures) != nil:
		err = derbes.Invalid("measures", "text-length", "the measures are too long or not plain text")
	case in.DetectedAt.IsZero() || in.DetectedAt.After(s.now().Add(time.Minute)):
		err = derbes.Invalid("detectedAt", "date-past", "the detection time is required and may not be in the future")
	case len(in.Subjects) > 100000:
		err = derbes.Invalid("subjects", "subjects-count", "too many subjects in one record")
	}
	for _, c := range in.Categories {
		if err == nil && s.cat.Category(c) == nil {
			err = derbes.Invalid("categories", "category-unknown", "not a category of the catalogue")
		}
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "", in.Categories, err)
	}
	b := store.Breach{ID: newID(), DetectedAt: in.DetectedAt.UTC().UnixMicro(), Description: strings.TrimSpace(in.Description),
		Categories: in.Categories, Subjects: in.Subjects, Measures: strings.TrimSpace(in.Measures), Personal: in.Personal,
		Status: "open", DueAt: s.cal.AddWorkingDays(in.DetectedAt, BreachNoticeDays).UnixMicro(), RecordedBy: derbes.PrincipalFrom(ctx).ID}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, action, "", "", in.Categories, derbes.OutcomeOK, "breach:"+b.ID)}, c.InsertBreach(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	v := s.breachView(b)
	return &v, nil
}

// MoveBreach moves an incident forward: open → authority-notified →
// subjects-notified → closed, recording when; measures may be updated.
// Errors: EInvalid (status), EConflict (backwards), ENotFound, EForbidden.
func (s *Service) MoveBreach(ctx context.Context, id, status, measures string) error {
	const action = "breach.move"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*"):
		err = s.denied(ctx, "", "your role may not handle incidents")
	case !slices.Contains(breachStatuses, status):
		err = derbes.Invalid("status", "breach-status", "the status is open, authority-notified, subjects-notified or closed")
	case len(measures) > 4000 || checkText(measures) != nil:
		err = derbes.Invalid("measures", "text-length", "the measures are too long or not plain text")
	}
	if err != nil {
		return s.Refuse(ctx, action, "", "", nil, err)
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		b, err := c.BreachByID(ctx, id)
		if err != nil {
			return nil, err
		}
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, status+":"+id)
		if slices.Index(breachStatuses, status) <= slices.Index(breachStatuses, b.Status) {
			err := &derbes.Error{Code: derbes.EConflict, Field: "status", Rule: "breach-backwards", Message: "an incident moves forward only"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		now := sql.NullInt64{Int64: s.now().UnixMicro(), Valid: true}
		b.Status = status
		if strings.TrimSpace(measures) != "" {
			b.Measures = strings.TrimSpace(measures)
		}
		switch status {
		case "authority-notified":
			b.AuthorityNotifiedAt = now
		case "subjects-notified":
			b.SubjectsNotifiedAt = now
		case "closed":
			b.ClosedAt = now
		}
		return []derbes.AuditEntry{e}, c.UpdateBreach(ctx, b)
	})
}

// Breaches lists the register, newest first, with overdue notices marked.
// Errors: EForbidden.
func (s *Service) Breaches(ctx context.Context) ([]BreachView, error) {
	role := derbes.PrincipalFrom(ctx).Role
	if !role.AllowsAny(derbes.ActApprove, "*") && !role.AllowsAny(derbes.ActAdminister, "*") && !role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, "breach.list", "", "", nil, s.denied(ctx, "", "your role may not read the incident register"))
	}
	bs, err := s.db.Read().Breaches(ctx)
	if err != nil {
		return nil, err
	}
	out := []BreachView{}
	for _, b := range bs {
		out = append(out, s.breachView(b))
	}
	return out, nil
}

var breachWords = map[string]map[string]string{
	"kk": {"title": "Дербес деректердің қауіпсіздігі бұзылғаны туралы хабарлама", "operator": "Оператор", "bin": "БСН",
		"responsible": "Жауапты тұлға", "detected": "Анықталған уақыты", "description": "Сипаттамасы", "categories": "Деректер санаттары",
		"subjects": "Қозғалған субъектілер саны", "ids": "Субъектілердің сәйкестендіргіштері", "measures": "Қабылданған шаралар",
		"law": "«Дербес деректер және оларды қорғау туралы» Заңның 25-бабы 2-тармағының 8) тармақшасы бойынша уәкілетті органға.", "none": "тағайындалмаған"},
	"ru": {"title": "Уведомление о нарушении безопасности персональных данных", "operator": "Оператор", "bin": "БИН",
		"responsible": "Ответственное лицо", "detected": "Время обнаружения", "description": "Описание", "categories": "Категории данных",
		"subjects": "Число затронутых субъектов", "ids": "Идентификаторы субъектов", "measures": "Принятые меры",
		"law": "В уполномоченный орган согласно подпункту 8) пункта 2 статьи 25 Закона «О персональных данных и их защите».", "none": "не назначено"},
	"en": {"title": "Notice of a personal data security breach", "operator": "Operator", "bin": "BIN",
		"responsible": "Responsible person", "detected": "Detected at", "description": "Description", "categories": "Categories of data",
		"subjects": "Number of subjects affected", "ids": "Subjects' identifiers", "measures": "Measures taken",
		"law": "To the authorised body under Law 94-V Art. 25 p.2 sub.8.", "none": "not appointed"},
}

// BreachNotice renders the notice to the authorised body (PDF): operator,
// BIN, the responsible person and their appointment, description,
// measures, affected subjects (count and ids) and categories. Audited.
// Errors: EInvalid (language), ENotFound, EForbidden.
func (s *Service) BreachNotice(ctx context.Context, id, lang string) ([]byte, error) {
	w, ok := breachWords[lang]
	if !ok {
		return nil, derbes.Invalid("lang", "language", "the language is kk, ru or en")
	}
	bs, err := s.Breaches(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(bs, func(b BreachView) bool { return b.ID == id })
	if i < 0 {
		return nil, derbes.NotFound("no such incident")
	}
	b := bs[i]
	responsible := w["none"]
	if ap, err := s.Responsible(ctx); err == nil && ap != nil {
		responsible = ap.Name + " (" + ap.OrderRef + ", " + ap.FromDate + ")"
		if st, err := s.db.Read().StaffByID(ctx, ap.StaffID); err == nil {
			if email, err := s.optionalPlain(ctx, st.SubjectID, "email"); err == nil && email != "" {
				responsible += ", " + email
			}
		}
	}
	var labels []string
	for _, c := range b.Categories {
		if cat := s.cat.Category(c); cat != nil {
			labels = append(labels, cat.Label.In(lang))
		} else {
			labels = append(labels, c) // a category since retired from the catalogue
		}
	}
	doc, err := pdf.Render(pdf.Document{Title: w["title"], Subtitle: s.operator.Name + " · " + w["bin"] + " " + s.operator.BIN, Lang: lang, Footer: b.ID,
		Blocks: []pdf.Block{
			pdf.Fields{Rows: [][2]string{{w["operator"], s.operator.Name}, {w["bin"], s.operator.BIN}, {w["responsible"], responsible},
				{w["detected"], b.DetectedAt.In(time.FixedZone("Asia/Almaty", 5*3600)).Format("2006-01-02 15:04")},
				{w["subjects"], strconv.Itoa(len(b.Subjects))}}},
			pdf.Heading{Text: w["description"]}, pdf.Paragraph{Text: b.Description},
			pdf.Heading{Text: w["categories"]}, pdf.List{Items: labels},
			pdf.Heading{Text: w["measures"]}, pdf.Paragraph{Text: b.Measures},
			pdf.Heading{Text: w["ids"]}, pdf.Paragraph{Text: strings.Join(b.Subjects, ", ")},
			pdf.Paragraph{Text: w["law"]},
		}})
	if err != nil {
		return nil, err
	}
	return doc, s.db.Audit(ctx, s.entry(ctx, "breach.notice", "", "", b.Categories, derbes.OutcomeOK, "breach:"+b.ID))
}
