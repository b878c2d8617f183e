package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// DemoSize is the number of synthetic applicants serve --demo loads.
const DemoSize = 200

// DemoSeed fixes the demo population, so screenshots and notes agree.
const DemoSeed = 2026

// SeedDemo loads the synthetic demo population through the same service
// path as the API, unless the database already has subjects. Each applicant
// is created under P-4.1b with the contract consent and some of the P-4.2
// opt-ins; every third also has accounting data collected under P-4.1d.
// It returns the number of subjects created.
func SeedDemo(ctx context.Context, svc *service.Service, n int) (int, error) {
	ctx = derbes.WithPrincipal(ctx, service.System("demo"))
	if have, err := svc.SubjectCount(ctx); err != nil || have > 0 {
		return 0, err
	}
	cat := svc.Catalogue()
	admission := cat.Purpose("p4.1b")
	accounting := cat.Purpose("p4.1d")
	unis, err := seedDemoRegistry(ctx, svc)
	if err != nil {
		return 0, err
	}
	for i, p := range demo.People(DemoSeed, n) {
		purposes := []string{"p4.1b", "p4.1d", "p4.2a", "p4.2b1"}
		if i%4 == 0 {
			purposes = append(purposes, "p4.2b2", "p4.2b3")
		}
		if i%2 == 0 {
			purposes = append(purposes, "p4.2e")
		}
		v, err := svc.CreateSubject(ctx, service.NewSubject{
			Kind: p.Kind, Citizenship: p.Citizenship, Purpose: admission.Code,
			Consent: &service.NewConsent{Purposes: purposes},
			Values:  rawValues(p.Values, admission), Source: derbes.Source{Kind: derbes.SourceSubject},
		})
		if err != nil {
			return i, fmt.Errorf("demo: applicant %d: %w", i, err)
		}
		if err := seedDemoOrder(ctx, svc, i, v.ID, unis); err != nil {
			return i, fmt.Errorf("demo: applicant %d order: %w", i, err)
		}
		if i%3 != 0 {
			continue
		}
		_, err = svc.UpdateSubject(ctx, v.ID, service.SubjectUpdate{Purpose: accounting.Code,
			Values: rawValues(p.Values, accounting, "income", "tax_status", "workplace"),
			Source: derbes.Source{Kind: derbes.SourceStaff, Ref: "service contract"}})
		if err != nil {
			return i, fmt.Errorf("demo: applicant %d accounting: %w", i, err)
		}
	}
	// The statistics page has something to show at once (the daily job
	// makes the next extract).
	if _, err := svc.MakeStatsExtract(ctx, 0); err != nil {
		return n, fmt.Errorf("demo: statistics extract: %w", err)
	}
	return n, nil
}

// demoUniversities are invented institutions in real countries, weighted
// (by repetition) as applicants choose them: most stay in Kazakhstan.
var demoUniversities = []struct{ country, kk, ru, en string }{
	{"KZ", "Алатау техникалық университеті", "Алатауский технический университет", "Alatau Technical University"},
	{"KZ", "Сарыарқа медициналық университеті", "Сарыаркинский медицинский университет", "Saryarka Medical University"},
	{"KZ", "Каспий гуманитарлық университеті", "Каспийский гуманитарный университет", "Caspian University of Humanities"},
	{"RU", "Волга мемлекеттік университеті", "Волжский государственный университет", "Volga State University"},
	{"RU", "Сібір инженерлік институты", "Сибирский инженерный институт", "Siberian Institute of Engineering"},
	{"TR", "Анадолы техникалық университеті", "Анатолийский технический университет", "Anatolia Technical University"},
	{"CN", "Шыңжаң тілдер университеті", "Синьцзянский университет языков", "Xinjiang University of Languages"},
	{"KR", "Хан өзені бизнес мектебі", "Бизнес-школа Ханган", "Han River Business School"},
	{"DE", "Рейн қолданбалы ғылымдар университеті", "Рейнский университет прикладных наук", "Rhine University of Applied Sciences"},
}

// demoProgrammes are programme names as applicants write them.
var demoProgrammes = []string{"Информатика", "Computer science", "Медицина", "Юриспруденция", "Экономика",
	"Халықаралық қатынастар", "Инженерия", "Педагогика", "Менеджмент", "Филология"}

// seedDemoRegistry adds the demo's universities, returning their ids in
// the order of demoUniversities.
func seedDemoRegistry(ctx context.Context, svc *service.Service) ([]string, error) {
	var ids []string
	for _, u := range demoUniversities {
		r, err := svc.CreateRecipient(ctx, store.Recipient{Kind: "education-org", Country: u.country, Channel: "email",
			Contact: "admissions@university.example.org", Names: map[string]string{"kk": u.kk, "ru": u.ru, "en": u.en}})
		if err != nil {
			return nil, fmt.Errorf("demo registry: %w", err)
		}
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// seedDemoOrder gives applicant i an order: mostly admission at a Kazakh
// university, some abroad with a visa invitation and insurance, at every
// step of the flow; every eighth applicant has also asked for information.
func seedDemoOrder(ctx context.Context, svc *service.Service, i int, subjectID string, unis []string) error {
	weights := []int{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 3, 4, 5, 6, 7, 8}
	uni := weights[(i*7)%len(weights)]
	services := []string{"admission"}
	if i%4 == 0 && uni >= 3 {
		services = append(services, "visa-invitation", "insurance")
	}
	year := []string{"2025/2026", "2026/2027", "2026/2027"}[i%3]
	o, err := svc.CreateOrder(ctx, subjectID, service.NewOrder{Services: services, Institutions: []string{unis[uni]},
		AcademicYear: year, Programme: demoProgrammes[(i*3)%len(demoProgrammes)]})
	if err != nil {
		return err
	}
	steps := []string{"submitted", "documents-complete", "sent-to-institutions", "decision", "closed"}
	for _, st := range steps[:i%(len(steps)+1)] {
		if _, err := svc.MoveOrder(ctx, o.ID, st); err != nil {
			return err
		}
	}
	if i%8 == 2 {
		_, err = svc.OpenRequest(ctx, subjectID, service.NewRequest{Kind: "information", Channel: "portal", Details: "Какие мои данные вы храните?"})
	}
	return err
}

// rawValues picks the person's values that purpose p covers (all of them,
// or only the keys named), as JSON for the service.
func rawValues(vals map[string]string, p *derbes.Purpose, only ...string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range vals {
		if !p.Covers(k) || (len(only) > 0 && !slices.Contains(only, k)) {
			continue
		}
		if k == "other" {
			out[k] = json.RawMessage(v)
			continue
		}
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

// DemoLogin is a demo staff account as printed at the first demo start.
type DemoLogin struct {
	Role, Login, Password string
	Recovery              []string // single-use second-factor codes
}

// demoStaff are the demo's staff accounts (invented people).
var demoStaff = []struct{ role, login, name string }{
	{service.RoleResponsible, "responsible@demo.example.kz", "Сәрсенова Әйгерім Болатқызы"},
	{service.RoleAdmissions, "admissions@demo.example.kz", "Ахметов Ерлан Маратұлы"},
	{service.RoleAuditor, "auditor@demo.example.kz", "Иванова Мария Петровна"},
	{service.RoleAdmin, "admin@demo.example.kz", "Ким Денис Олегович"},
}

// SeedDemoStaff creates the demo's staff accounts, once: each with a fresh
// random password and an enrolled second factor, returned so that the demo
// can print them (the secret itself is not printed: the recovery codes sign
// in instead). The responsible person is appointed. On later starts it
// returns nothing: the accounts exist, and their passwords are not stored.
func SeedDemoStaff(ctx context.Context, svc *service.Service) ([]DemoLogin, error) {
	sys := derbes.WithPrincipal(ctx, service.System("demo"))
	if existing, err := svc.Staff(sys); err != nil || len(existing) > 0 {
		return nil, err
	}
	var out []DemoLogin
	for _, d := range demoStaff {
		pw := randomPassword()
		st, err := svc.CreateStaff(sys, service.NewStaff{Name: d.name, Login: d.login, Role: d.role, Password: pw})
		if err != nil {
			return nil, fmt.Errorf("demo staff %s: %w", d.role, err)
		}
		enr, err := svc.BeginTOTP(sys, st.ID)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(enr.URI)
		if err != nil {
			return nil, err
		}
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(u.Query().Get("secret"))
		if err != nil {
			return nil, err
		}
		codes, err := svc.ConfirmTOTP(sys, st.ID, auth.TOTPCode(secret, svc.Now()))
		if err != nil {
			return nil, err
		}
		if d.role == service.RoleResponsible {
			if err := svc.Appoint(sys, st.ID, svc.Now().Format("2006-01-02"), "Demo order No. 1"); err != nil {
				return nil, err
			}
		}
		out = append(out, DemoLogin{Role: d.role, Login: d.login, Password: pw, Recovery: codes[:3]})
	}
	return out, nil
}

func randomPassword() string {
	var b [12]byte
	rand.Read(b[:])
	return "demo-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}
