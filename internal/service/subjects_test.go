package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
)

// covers R-VAULT-1, R-VAULT-2, R-ACCESS-2, R-BASIS-1
func TestCreateAndReadByPurpose(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b", "p4.2a", "p4.2e")
		if v.Basis == "" || !strings.HasPrefix(v.Basis, "consent:") {
			t.Fatalf("basis = %q", v.Basis)
		}
		// Normalised on the way in.
		if got := v.Values["phone"].Value; got != "+77011234567" {
			t.Errorf("phone = %v, want E.164", got)
		}
		if got := v.Values["email"].Value; got != "aigerim@example.kz" {
			t.Errorf("email = %v, want lower-case", got)
		}
		// P-4.2a sees only its three categories.
		r, err := e.svc.Subject(e.ctx, v.ID, "p4.2a")
		if err != nil {
			t.Fatal(err)
		}
		if got := sortedKeys(r.Values); strings.Join(got, ",") != "email,full_name,phone" {
			t.Errorf("p4.2a categories = %v", got)
		}
		// P-4.2e covers the IIN but not whole: masked.
		r, err = e.svc.Subject(e.ctx, v.ID, "p4.2e")
		if err != nil {
			t.Fatal(err)
		}
		iin := r.Values["iin"]
		if !iin.Masked || iin.Value != "••••••••1233" {
			t.Errorf("p4.2e iin = %+v, want masked", iin)
		}
		// P-4.1b needs it whole.
		r, err = e.svc.Subject(e.ctx, v.ID, "p4.1b")
		if err != nil {
			t.Fatal(err)
		}
		if iin := r.Values["iin"]; iin.Masked || iin.Value != "980514301233" {
			t.Errorf("p4.1b iin = %+v, want whole", iin)
		}
		if a := e.lastAudit(); a.Action != "subject.read" || a.Purpose != "p4.1b" || a.Outcome != derbes.OutcomeOK ||
			a.SubjectID != v.ID || !strings.HasPrefix(a.Basis, "consent:") || len(a.Categories) != 7 {
			t.Errorf("audit = %+v", a)
		}
		// No consent for marketing: refused and audited.
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.2d")
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		if a := e.lastAudit(); a.Outcome != derbes.OutcomeRefused || a.Reason != "no-basis" || a.Purpose != "p4.2d" {
			t.Errorf("refusal audit = %+v", a)
		}
	})
}

// covers R-BASIS-1, R-BASIS-3
func TestWithdrawalStopsProcessingAtOnce(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		k, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.2b1"); err != nil {
			t.Fatalf("read under p4.2b1 with consent: %v", err)
		}
		if _, err := e.svc.WithdrawConsent(e.ctx, v.ID, k.ID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.2b1")
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		// Writing under it is refused too, inside the transaction.
		_, err = e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.2b1", Values: raw(map[string]string{"languages": "English B2"}),
			Source: derbes.Source{Kind: derbes.SourceStaff}})
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		// Withdrawing twice: nothing live to withdraw.
		_, err = e.svc.WithdrawConsent(e.ctx, v.ID, k.ID, "")
		wantErr(t, err, derbes.ENotFound, "consentId", "consent-not-live")
		// An Art. 9 purpose needs no consent.
		r, err := e.svc.Subject(e.ctx, v.ID, "p5.1")
		if err != nil || r.Basis != "art9-5" {
			t.Fatalf("p5.1: %v %+v", err, r)
		}
	})
}

// covers R-BASIS-1
func TestConsentExpiry(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		e.svc.now = func() time.Time { return now }
		v := e.create(applicant(), "p4.1b")
		end := now.Add(24 * time.Hour)
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, ExpiresAt: &end}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.2a"); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		now = end
		_, err := e.svc.Subject(e.ctx, v.ID, "p4.2a")
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		past := now.Add(-time.Hour)
		_, err = e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, ExpiresAt: &past})
		wantErr(t, err, derbes.EInvalid, "consent.expiresAt", "date-future")
	})
}

// covers N-4, R-VAULT-5, R-CAT-2, R-AUDIT-1: every bad input is refused
// naming field and rule, writes nothing, and is audited.
func TestBadInputWritesNothingAndIsAudited(t *testing.T) {
	with := func(k, v string) map[string]json.RawMessage {
		m := raw(applicant())
		b, _ := json.Marshal(v)
		m[k] = b
		return m
	}
	cases := []struct {
		name        string
		in          NewSubject
		code        derbes.ErrorCode
		field, rule string
	}{
		{"invalid IIN", NewSubject{Values: with("iin", "980514301234")}, derbes.EInvalid, "values.iin", "iin-checksum"},
		{"IIN date", NewSubject{Values: with("iin", "981314301233")}, derbes.EInvalid, "values.iin", "iin-date"},
		{"invalid phone", NewSubject{Values: with("phone", "+7 000")}, derbes.EInvalid, "values.phone", "phone-format"},
		{"invalid e-mail", NewSubject{Values: with("email", "not-an-address")}, derbes.EInvalid, "values.email", "email-format"},
		{"Kazakh passport", NewSubject{Values: with("passport_number", "AB1234")}, derbes.EInvalid, "values.passport_number", "doc-kz-format"},
		{"unknown category", NewSubject{Values: with("shoe_size", "42")}, derbes.EInvalid, "values.shoe_size", "category-unknown"},
		{"outside purpose", NewSubject{Values: with("income", "350000 KZT")}, derbes.EForbidden, "values.income", "category-outside-purpose"},
		{"no basis", NewSubject{Consent: &NewConsent{Purposes: []string{"p4.2a"}}}, derbes.EForbidden, "purpose", "no-basis"},
		{"unknown purpose", NewSubject{Purpose: "p9.9"}, derbes.EInvalid, "purpose", "purpose-unknown"},
		{"no purpose", NewSubject{Purpose: "-"}, derbes.EInvalid, "purpose", "purpose-required"},
		{"bad kind", NewSubject{Kind: "robot"}, derbes.EInvalid, "kind", "subject-kind"},
		{"bad source", NewSubject{Source: derbes.Source{Kind: "rumour"}}, derbes.EInvalid, "source.kind", "source-kind"},
		{"consent to art9", NewSubject{Consent: &NewConsent{Purposes: []string{"p4.1b", "p5.1"}}}, derbes.EInvalid, "consent.purposes", "purpose-not-consent"},
		{"file as value", NewSubject{Values: with("identity_scan", "x")}, derbes.EInvalid, "values.identity_scan", "file-upload-required"},
		{"empty value", NewSubject{Values: with("education", "  ")}, derbes.EInvalid, "values.education", "required"},
	}
	eachEngine(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := c.in
				if in.Kind == "" {
					in.Kind = "applicant"
				}
				in.Citizenship = "kz-citizen"
				switch in.Purpose {
				case "":
					in.Purpose = "p4.1b"
				case "-":
					in.Purpose = ""
				}
				if in.Consent == nil {
					in.Consent = &NewConsent{Purposes: []string{"p4.1b"}}
				}
				if in.Values == nil {
					in.Values = raw(applicant())
				}
				if in.Source.Kind == "" {
					in.Source.Kind = derbes.SourceSubject
				}
				before := e.count("audit_log")
				_, err := e.svc.CreateSubject(e.ctx, in)
				wantErr(t, err, c.code, c.field, c.rule)
				for _, table := range []string{"subjects", "pd_values", "blind_index", "consent_events", "subject_keys"} {
					if n := e.count(table); n != 0 {
						t.Errorf("%s has %d rows after a refused create", table, n)
					}
				}
				if n := e.count("audit_log"); n != before+1 {
					t.Errorf("audit entries %d → %d, want one refusal", before, n)
				}
				a := e.lastAudit()
				if a.Outcome != derbes.OutcomeRefused || a.Reason != c.rule || a.Action != "subject.create" {
					t.Errorf("audit = %+v", a)
				}
				if err != nil && strings.Contains(err.Error(), "980514301234") {
					t.Errorf("error text leaks the value: %v", err)
				}
			})
		}
	})
}

// covers R-VAULT-4
func TestUpdateKeepsVersionsAndProvenance(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b", "p4.1d")
		up, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1b",
			Values: raw(map[string]string{"phone": "87027654321"}), Source: derbes.Source{Kind: derbes.SourceStaff, Ref: "application form 17"}})
		if err != nil {
			t.Fatal(err)
		}
		if p := up.Values["phone"]; p.Version != 2 || p.Value != "+77027654321" || p.Source.Ref != "application form 17" {
			t.Errorf("updated phone = %+v", p)
		}
		// A second purpose gets its own key: accounting data under p4.1d.
		if _, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1d",
			Values: raw(map[string]string{"income": "350000 KZT"}), Source: derbes.Source{Kind: derbes.SourceStaff}}); err != nil {
			t.Fatal(err)
		}
		if n := e.count("subject_keys"); n != 2 {
			t.Errorf("subject keys = %d, want one per purpose (2)", n)
		}
		hist, err := e.svc.ValueHistory(e.ctx, v.ID, "p4.1b", "phone")
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Value != "+77011234567" || hist[0].Source.Kind != derbes.SourceSubject ||
			hist[1].Value != "+77027654321" || hist[1].Source.Kind != derbes.SourceStaff {
			t.Errorf("history = %+v", hist)
		}
		// Reading under p4.1b shows the current version only; income is not its business.
		r, err := e.svc.Subject(e.ctx, v.ID, "p4.1b")
		if err != nil {
			t.Fatal(err)
		}
		if r.Values["phone"].Version != 2 {
			t.Errorf("current phone version = %d", r.Values["phone"].Version)
		}
		if _, ok := r.Values["income"]; ok {
			t.Error("p4.1b read shows income, which it does not cover")
		}
	})
}

// covers R-VAULT-3: exact search through blind indexes, normalised.
func TestSearchByBlindIndex(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		other := applicant()
		other["iin"], other["passport_number"], other["full_name"] = "051103645675", "N87654321", "Иванов Пётр Сергеевич"
		other["phone"], other["email"] = "+77051112233", "petr@example.kz"
		e.create(other, "p4.1b")
		for _, q := range []struct{ cat, value string }{
			{"iin", "980514301233"},
			{"phone", "8 (701) 123-45-67"},
			{"email", "AIGERIM@example.kz"},
			{"full_name", "СЕРИКҚЫЗЫ  Айгерим нұрланқызы"},
			{"passport_number", "n 12345678"},
		} {
			got, err := e.svc.Search(e.ctx, "p4.1b", q.cat, q.value)
			if err != nil {
				t.Fatalf("search %s: %v", q.cat, err)
			}
			if len(got) != 1 || got[0].ID != v.ID {
				t.Errorf("search %s: got %d results", q.cat, len(got))
			}
		}
		got, err := e.svc.Search(e.ctx, "p4.1b", "iin", "001231600911")
		if err != nil || len(got) != 0 {
			t.Errorf("unknown IIN: %v, %d results", err, len(got))
		}
		_, err = e.svc.Search(e.ctx, "p4.2a", "iin", "980514301233")
		wantErr(t, err, derbes.EForbidden, "category", "category-outside-purpose")
		_, err = e.svc.Search(e.ctx, "p4.1b", "education", "x")
		wantErr(t, err, derbes.EInvalid, "category", "category-not-searchable")
		_, err = e.svc.Search(e.ctx, "p4.1b", "iin", "12345")
		wantErr(t, err, derbes.EInvalid, "value", "iin-format")
		// A duplicate IIN is refused.
		_, err = e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
			Consent: &NewConsent{Purposes: []string{"p4.1b"}}, Values: raw(map[string]string{"iin": "980514301233"}),
			Source: derbes.Source{Kind: derbes.SourceSubject}})
		wantErr(t, err, derbes.EConflict, "values.iin", "duplicate-subject")
	})
}

// covers R-ACCESS-1, R-ACCESS-2: roles limit purposes and categories.
func TestRolesLimitAccess(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b", "p4.1d")
		roles := DefaultRoles()
		admin := as(context.Background(), RoleAdmin, roles)
		_, err := e.svc.Subject(admin, v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "purpose", "permission")
		auditor := as(context.Background(), RoleAuditor, roles)
		_, err = e.svc.Subject(auditor, v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "purpose", "permission")
		if _, err := e.svc.VerifyAudit(auditor); err != nil {
			t.Errorf("auditor verify: %v", err)
		}
		acct := as(context.Background(), RoleAccountant, roles)
		if _, err := e.svc.Subject(acct, v.ID, "p4.1d"); err != nil {
			t.Errorf("accountant under p4.1d: %v", err)
		}
		_, err = e.svc.Subject(acct, v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "purpose", "permission")
		_, err = e.svc.VerifyAudit(acct)
		wantErr(t, err, derbes.EForbidden, "", "permission")
		if a := e.lastAudit(); a.Outcome != derbes.OutcomeRefused || a.Actor != "test:"+RoleAccountant {
			t.Errorf("refusal audit = %+v", a)
		}
		// Withdrawing needs write permission under every purpose of the consent.
		k, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.WithdrawConsent(acct, v.ID, k.ID, "")
		wantErr(t, err, derbes.EForbidden, "consentId", "permission")
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.2b1"); err != nil {
			t.Errorf("a refused withdrawal changed the consent: %v", err)
		}
	})
}
