package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
)

// InstructionText is one language's data-protection instructions and the
// statement of liability a staff member acknowledges (P-7.2.3, 7.2.4).
type InstructionText struct {
	Title     string `json:"title"`
	Body      string `json:"body"`
	Liability string `json:"liability"`
}

// Instructions is a published version of the instructions.
type Instructions struct {
	Version     int                        `json:"version"`
	Texts       map[string]InstructionText `json:"texts"`
	PublishedAt time.Time                  `json:"publishedAt"`
	PublishedBy string                     `json:"publishedBy"`
}

// defaultInstructions is version 1, installed on a new database; the
// responsible person publishes the operator's own text as version 2.
var defaultInstructions = map[string]InstructionText{
	"kk": {Title: "Дербес деректерді қорғау жөніндегі нұсқаулық",
		Body: "Дербес деректерге тек өз жұмысыңыз талап ететін мақсатпен және көлемде қол жеткізіңіз. Әр әрекет мақсатты көрсетеді және аудит журналына жазылады. " +
			"Деректерді үшінші тұлғаларға тек derbes арқылы, заңды негіз болғанда беріңіз; телефон арқылы дербес деректер туралы сұрақтарға жауап бермеңіз (Саясаттың 5.3-тармағы). " +
			"Жеке басты куәландыратын құжаттардың қағаз көшірмелерін жасамаңыз. Кез келген инцидент туралы дереу жауапты тұлғаға хабарлаңыз.",
		Liability: "Дербес деректерді өңдеу және қорғау қағидаларын бұзғаным үшін Қазақстан Республикасының заңнамасына сәйкес жауапты болатынымды түсінемін («Дербес деректер және оларды қорғау туралы» Заңның 31-бабы, ӘҚБтК 79-бабы)."},
	"ru": {Title: "Инструкция по защите персональных данных",
		Body: "Обращайтесь к персональным данным только с той целью и в том объёме, которых требует ваша работа. Каждое действие указывает цель и записывается в журнал аудита. " +
			"Передавайте данные третьим лицам только через derbes и только при наличии законного основания; не отвечайте на вопросы о персональных данных по телефону (пункт 5.3 Политики). " +
			"Не делайте бумажных копий документов, удостоверяющих личность. О любом инциденте немедленно сообщайте ответственному лицу.",
		Liability: "Я понимаю, что несу ответственность за нарушение правил обработки и защиты персональных данных в соответствии с законодательством Республики Казахстан (статья 31 Закона «О персональных данных и их защите», статья 79 КоАП)."},
	"en": {Title: "Instructions on the protection of personal data",
		Body: "Access personal data only for the purpose and to the extent your work requires. Every action names its purpose and is recorded in the audit trail. " +
			"Give data to third parties only through derbes and only on a lawful basis; do not answer questions about personal data by telephone (Policy clause 5.3). " +
			"Do not make paper copies of identity documents. Report any incident to the responsible person at once.",
		Liability: "I understand that I am liable for breaching the rules on processing and protecting personal data under the law of the Republic of Kazakhstan (Law on personal data, Art. 31; Code of Administrative Offences, Art. 79)."},
}

// EnsureInstructions installs version 1 when none is published.
func (s *Service) EnsureInstructions(ctx context.Context) error {
	if _, have, err := s.db.Read().LatestInstructions(ctx); err != nil || have {
		return err
	}
	_, err := s.PublishInstructions(derbes.WithPrincipal(ctx, System("install")), defaultInstructions)
	return err
}

// CurrentInstructions returns the version in force.
// Errors: ENotFound when none is published.
func (s *Service) CurrentInstructions(ctx context.Context) (*Instructions, error) {
	in, have, err := s.db.Read().LatestInstructions(ctx)
	if err != nil {
		return nil, err
	}
	if !have {
		return nil, derbes.NotFound("no instructions are published")
	}
	out := &Instructions{Version: in.Version, PublishedAt: time.UnixMicro(in.PublishedAt).UTC(), PublishedBy: in.PublishedBy}
	if err := json.Unmarshal([]byte(in.Texts), &out.Texts); err != nil {
		return nil, err
	}
	return out, nil
}

// PublishInstructions publishes a new version: every staff member must
// acknowledge it before reaching personal data again (R-ACCESS-3).
// Errors: EInvalid (a language or part missing), EForbidden.
func (s *Service) PublishInstructions(ctx context.Context, texts map[string]InstructionText) (*Instructions, error) {
	const action = "instructions.publish"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "only the responsible person publishes instructions"))
	}
	for _, l := range []string{"kk", "ru", "en"} {
		t := texts[l]
		if strings.TrimSpace(t.Title) == "" || strings.TrimSpace(t.Body) == "" || strings.TrimSpace(t.Liability) == "" ||
			len(t.Title) > 300 || checkText(t.Title) != nil || !utf8.ValidString(t.Body+t.Liability) {
			return nil, s.Refuse(ctx, action, "", "", nil, derbes.Invalid("texts."+l, "required", "each language needs a title, a body and the liability statement"))
		}
	}
	if len(texts) != 3 {
		return nil, s.Refuse(ctx, action, "", "", nil, derbes.Invalid("texts", "language", "the languages are kk, ru and en"))
	}
	body, _ := json.Marshal(texts)
	out := &Instructions{Texts: texts, PublishedAt: s.now().UTC(), PublishedBy: derbes.PrincipalFrom(ctx).ID}
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		cur, _, err := c.LatestInstructions(ctx)
		if err != nil {
			return nil, err
		}
		out.Version = cur.Version + 1
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "")
		return []derbes.AuditEntry{e}, c.InsertInstructions(ctx, store.Instructions{Version: out.Version, Texts: string(body),
			PublishedAt: out.PublishedAt.UnixMicro(), PublishedBy: out.PublishedBy})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AcknowledgeInstructions records that the signed-in staff member has read
// and acknowledged version (which must be the current one).
// Errors: EConflict (not the current version), ENotFound.
func (s *Service) AcknowledgeInstructions(ctx context.Context, staffID string, version int) error {
	const action = "instructions.acknowledge"
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "")
		cur, have, err := c.LatestInstructions(ctx)
		if err != nil {
			return nil, err
		}
		if !have || cur.Version != version {
			err := &derbes.Error{Code: derbes.EConflict, Field: "version", Rule: "instructions-outdated", Message: "a newer version of the instructions is in force"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertAcknowledgement(ctx, staffID, version, s.now().UnixMicro())
	})
}

// Appointment is the dated appointment of the responsible person.
type Appointment struct {
	StaffID     string `json:"staffId"`
	Name        string `json:"name"`
	FromDate    string `json:"fromDate"`
	OrderRef    string `json:"orderRef"`
	AppointedBy string `json:"appointedBy"`
}

// Appoint records the appointment of a staff member as the person
// responsible for organising the processing of personal data (P-7.2.1,
// Law 94-V Art. 25 p.2 sub.10): who, from when, by which order.
// Errors: EInvalid (date, order), ENotFound (staff), EForbidden.
func (s *Service) Appoint(ctx context.Context, staffID, fromDate, orderRef string) error {
	const action = "staff.appoint"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*"):
		err = s.denied(ctx, "", "your role may not record appointments")
	case func() bool { _, e := time.Parse("2006-01-02", fromDate); return e != nil }():
		err = derbes.Invalid("fromDate", "date-format", "the date is YYYY-MM-DD")
	case strings.TrimSpace(orderRef) == "" || len(orderRef) > 200:
		err = derbes.Invalid("orderRef", "required", "the appointing order's number and date")
	}
	if err != nil {
		return s.Refuse(ctx, action, "", "", nil, err)
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "")
		if _, err := c.StaffByID(ctx, staffID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertAppointment(ctx, store.Appointment{ID: newID(), StaffID: staffID, FromDate: fromDate,
			OrderRef: strings.TrimSpace(orderRef), AppointedBy: derbes.PrincipalFrom(ctx).ID, At: s.now().UnixMicro()})
	})
}

// Responsible returns the appointment in force today, or nil. Its name is
// the responsible person's, shown in every report and notice.
func (s *Service) Responsible(ctx context.Context) (*Appointment, error) {
	as, err := s.db.Read().Appointments(ctx)
	if err != nil {
		return nil, err
	}
	today := s.now().In(time.FixedZone("Asia/Almaty", 5*3600)).Format("2006-01-02")
	for _, a := range as {
		if a.FromDate <= today {
			name, err := s.staffName(ctx, a.StaffID)
			if err != nil {
				return nil, err
			}
			return &Appointment{StaffID: a.StaffID, Name: name, FromDate: a.FromDate, OrderRef: a.OrderRef, AppointedBy: a.AppointedBy}, nil
		}
	}
	return nil, nil
}

func (s *Service) staffName(ctx context.Context, staffID string) (string, error) {
	st, err := s.db.Read().StaffByID(ctx, staffID)
	if err != nil {
		return "", err
	}
	return s.optionalPlain(ctx, st.SubjectID, "full_name")
}

// Roles lists the roles with their permissions.
// Errors: EForbidden.
func (s *Service) Roles(ctx context.Context) ([]derbes.Role, error) {
	role := derbes.PrincipalFrom(ctx).Role
	if !role.AllowsAny(derbes.ActAdminister, "*") && !role.AllowsAny(derbes.ActApprove, "*") && !role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, "role.list", "", "", nil, s.denied(ctx, "", "your role may not list roles"))
	}
	return s.db.Read().Roles(ctx)
}

// PutRole creates or replaces a role: roles are data, edited by the
// responsible person only, every change audited (R-ACCESS-1).
// Errors: EInvalid (name, permission), EForbidden.
func (s *Service) PutRole(ctx context.Context, r derbes.Role) error {
	const action = "role.update"
	var err error
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActApprove, "*") {
		err = s.denied(ctx, "", "only the responsible person edits roles")
	} else {
		err = s.checkRole(r)
	}
	if err != nil {
		return s.Refuse(ctx, action, "", "", nil, err)
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "role:"+r.Name)
		return []derbes.AuditEntry{e}, c.PutRole(ctx, r, s.now().UnixMicro())
	})
}

func (s *Service) checkRole(r derbes.Role) error {
	if r.Permissions == nil {
		return derbes.Invalid("permissions", "required", "a role lists its permissions (an empty list for none)")
	}
	if r.Name == "" || len(r.Name) > 64 || strings.ContainsAny(r.Name, " /") || checkText(r.Name) != nil {
		return derbes.Invalid("name", "role-name", "a role name is 1 to 64 characters without spaces or slashes")
	}
	actions := []derbes.Action{derbes.ActRead, derbes.ActWrite, derbes.ActExport, derbes.ActTransfer, derbes.ActApprove,
		derbes.ActDestroy, derbes.ActAdminister, derbes.ActAudit}
	for _, p := range r.Permissions {
		switch {
		case !slices.Contains(actions, p.Action):
			return derbes.Invalid("permissions", "permission-action", "unknown action")
		case p.Purpose != "*" && s.cat.Purpose(p.Purpose) == nil:
			return derbes.Invalid("permissions", "purpose-unknown", "unknown purpose")
		case p.Category != "*" && s.cat.Category(p.Category) == nil:
			return derbes.Invalid("permissions", "category-unknown", "unknown category")
		}
	}
	return nil
}
