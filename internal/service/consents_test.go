package service

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/mailtest"
	"github.com/derbes-kz/derbes/internal/sms"
)

// kzUniversities are two invented universities in Kazakhstan (registry ids).
var kzUniversities = []derbes.Recipient{
	{ID: "edu-kz-almaty-tech", Kind: "education-org", Country: "KZ"},
	{ID: "edu-kz-astana-ped", Kind: "education-org", Country: "KZ"},
}

// covers R-BASIS-1, R-BASIS-2, R-BASIS-3 (done-when: contract consent →
// P-4.2b1 for two Kazakh universities → read under P-4.2b1 passes → read
// under P-4.2d refused → withdrawal → refused; the history verifies).
func TestConsentLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		k, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
			Recipients: kzUniversities, Form: derbes.FormDocument, Language: "ru"})
		if err != nil {
			t.Fatal(err)
		}
		if k.OperatorName == "" || k.OperatorBIN != "180340021791" || k.TextVersion == "" || len(k.TextSHA256) != 64 {
			t.Errorf("terms not stamped: %+v", k.ConsentTerms)
		}
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.2b1"); err != nil {
			t.Fatalf("read under p4.2b1: %v", err)
		}
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.2d")
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		wd, err := e.svc.WithdrawConsent(e.ctx, v.ID, k.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if !wd.RefusalDeadline.After(wd.At.Add(15 * 24 * time.Hour)) {
			t.Errorf("refusal deadline %v is not 15 working days after %v", wd.RefusalDeadline, wd.At)
		}
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.2b1")
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		// Staff record a reasoned refusal: the order is in progress (Art. 8 p.2).
		wantErr(t, e.svc.RefuseWithdrawal(e.ctx, v.ID, k.ID, " "), derbes.EInvalid, "reason", "reason-required")
		if err := e.svc.RefuseWithdrawal(e.ctx, v.ID, k.ID, "order 17 is being processed by the university"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.2b1"); err != nil {
			t.Fatalf("after a refused withdrawal the consent holds again: %v", err)
		}
		if err := e.svc.RefuseConsent(e.ctx, v.ID, []string{"p4.2d"}, "kk"); err != nil {
			t.Fatal(err)
		}
		events, _, err := e.svc.ConsentHistory(e.ctx, v.ID)
		if err != nil || len(events) != 5 {
			t.Fatalf("history: %v, %d events", err, len(events))
		}
		rep, err := e.svc.VerifyConsents(e.ctx)
		if err != nil || !rep.OK || rep.Entries != 5 {
			t.Fatalf("consent chain: %v %+v", err, rep)
		}
		// Nothing is updated in place: an edit of the history is found.
		if _, err := e.db.Raw().Exec(`UPDATE consent_events SET terms = replace(terms, 'p4.2b1', 'p4.2d') WHERE kind = 'give' AND consent_id = $1`, k.ID); err != nil {
			t.Fatal(err)
		}
		rep, _ = e.svc.VerifyConsents(e.ctx)
		if rep.OK || rep.Findings[0].Kind != "edited" {
			t.Fatalf("edited history not found: %+v", rep)
		}
	})
}

// covers R-BASIS-3: the reasoned refusal must come within 15 working days.
func TestWithdrawalRefusalDeadline(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		now := time.Date(2026, 3, 13, 9, 0, 0, 0, time.UTC) // a Friday before Nauryz
		e.svc.now = func() time.Time { return now }
		v := e.create(applicant(), "p4.1b")
		k, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}})
		if err != nil {
			t.Fatal(err)
		}
		wd, err := e.svc.WithdrawConsent(e.ctx, v.ID, k.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		// 15 working days after Fri 13 March 2026, with Nauryz 21–25 March off.
		if got := wd.RefusalDeadline.In(time.FixedZone("KZ", 5*3600)).Format("2006-01-02"); got != "2026-04-08" {
			t.Errorf("deadline = %s, want 2026-04-08", got)
		}
		now = wd.RefusalDeadline.Add(time.Minute)
		err = e.svc.RefuseWithdrawal(e.ctx, v.ID, k.ID, "contract obligations outstanding")
		wantErr(t, err, derbes.EConflict, "consentId", "refusal-deadline-passed")
	})
}

// covers R-TRANSFER-2, R-BASIS-2 (done-when: consent for Kazakh
// institutions does not cover a Russian one, and the check says which item
// is missing).
func TestCrossBorderConsent(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true, Recipients: kzUniversities}); err != nil {
			t.Fatal(err)
		}
		cats := []string{"full_name", "iin", "education"}
		if _, err := e.svc.TransferBasis(e.ctx, v.ID, "p4.2b1", cats, kzUniversities[0]); err != nil {
			t.Fatalf("Kazakh university: %v", err)
		}
		ru := derbes.Recipient{ID: "edu-ru-moscow-state", Kind: "education-org", Country: "RU"}
		_, err := e.svc.TransferBasis(e.ctx, v.ID, "p4.2b1", cats, ru)
		wantErr(t, err, derbes.EForbidden, "recipient", "consent-recipient")
		// Naming the Russian university without cross-border consent is refused at once.
		_, err = e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true, Recipients: []derbes.Recipient{ru}})
		wantErr(t, err, derbes.EInvalid, "consent.recipients", "cross-border-countries")
		// Cross-border to Uzbekistan does not cover Russia.
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{Kind: "education-org", Country: "UZ"}}, CrossBorder: true, Countries: []string{"UZ"}}); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.TransferBasis(e.ctx, v.ID, "p4.2b1", cats, ru)
		wantErr(t, err, derbes.EForbidden, "recipient.country", "consent-country")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
			Recipients: []derbes.Recipient{ru}, CrossBorder: true, Countries: []string{"RU"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.TransferBasis(e.ctx, v.ID, "p4.2b1", cats, ru); err != nil {
			t.Fatalf("with cross-border consent to RU: %v", err)
		}
		_, err = e.svc.TransferBasis(e.ctx, v.ID, "p4.2b3", cats, ru)
		wantErr(t, err, derbes.EForbidden, "purpose", "consent-purpose")
	})
}

// covers R-BASIS-2: a consent may cover fewer categories than its purposes
// use; the rest stays uncovered (so a category a new policy version adds is
// uncovered until re-consent).
func TestConsentCategoriesLimitReads(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, Categories: []string{"full_name", "email"}}); err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.Subject(e.ctx, v.ID, "p4.2a")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Values["phone"]; ok || len(r.Values) != 2 {
			t.Errorf("p4.2a read shows %v, want only the consented full_name and email", sortedKeys(r.Values))
		}
		_, err = e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, Categories: []string{"income"}})
		wantErr(t, err, derbes.EForbidden, "consent.categories", "category-outside-purpose")
	})
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// covers R-BASIS-2 (electronic consent by one-time code through a real SMTP
// server): the code is read from the received message; a reused or expired
// code is refused; the 6th wrong code locks further attempts.
func TestElectronicConsentByEmailCode(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender, Now: func() time.Time { return now }})
		vals := applicant()
		vals["email"] = "code-" + string(e.db.Engine()) + "@example.kz"
		v := e.create(vals, "p4.1b")
		code := func(lang string) (string, string) {
			t.Helper()
			ch, err := e.svc.SendCode(e.ctx, v.ID, "email", lang)
			if err != nil {
				t.Fatal(err)
			}
			msg := srv.WaitFor(t, vals["email"], 10*time.Second)
			m := codeRE.FindStringSubmatch(msg.Text)
			if m == nil {
				t.Fatalf("no code in the message")
			}
			return ch.ID, m[1]
		}
		id, c := code("kk")
		give := func(challenge string) error {
			_, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, Form: derbes.FormCode,
				Evidence: derbes.Evidence{ChallengeID: challenge}})
			return err
		}
		wantErr(t, give(id), derbes.EForbidden, "consent.evidence.challengeId", "code-not-confirmed")
		if err := e.svc.VerifyCode(e.ctx, id, c); err != nil {
			t.Fatalf("right code: %v", err)
		}
		if err := give(id); err != nil {
			t.Fatalf("electronic consent: %v", err)
		}
		wantErr(t, e.svc.VerifyCode(e.ctx, id, c), derbes.EConflict, "code", "code-used")
		wantErr(t, give(id), derbes.EConflict, "consent.evidence.challengeId", "code-used")
		_, ks, _ := e.svc.ConsentHistory(e.ctx, v.ID)
		if ev := ks[len(ks)-1].Evidence; ev.Channel != "email" || ev.ConfirmedAt == nil {
			t.Errorf("evidence = %+v", ev)
		}
		// Expired.
		id, c = code("ru")
		now = now.Add(CodeTTL)
		wantErr(t, e.svc.VerifyCode(e.ctx, id, c), derbes.EInvalid, "code", "code-expired")
		// Five wrong codes are told apart; the 6th locks, even the right one after it.
		id, c = code("en")
		wrong := "000000"
		if c == wrong {
			wrong = "111111"
		}
		for i := range CodeMaxFailures - 1 {
			if err := e.svc.VerifyCode(e.ctx, id, wrong); derbes.RuleOf(err) != "code-wrong" {
				t.Fatalf("wrong code %d: %v", i+1, err)
			}
		}
		wantErr(t, e.svc.VerifyCode(e.ctx, id, wrong), derbes.ETooMany, "", "code-locked")
		wantErr(t, e.svc.VerifyCode(e.ctx, id, c), derbes.ETooMany, "", "code-locked")
		now = now.Add(CodeFailWindow + time.Second)
		wantErr(t, e.svc.VerifyCode(e.ctx, id, c), derbes.EInvalid, "code", "code-expired")
		// No code or address in the audit trail.
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE categories LIKE '%@%' OR reason LIKE '%@%'`).Scan(&n)
		if n != 0 {
			t.Error("an address reached the audit trail")
		}
	})
}

// covers R-BASIS-5: legacy data is stored, used for nothing under a
// consent purpose, and listed until a consent is recorded.
func TestLegacyDataIsStorageOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		in := NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b", Values: raw(applicant()),
			Source: derbes.Source{Kind: derbes.SourceImport, Ref: "spreadsheet 2023"}, Legacy: true}
		admissions := as(e.ctx, RoleAdmissions, DefaultRoles())
		_, err := e.svc.CreateSubject(admissions, in)
		wantErr(t, err, derbes.EForbidden, "legacy", "permission")
		sys := derbes.WithPrincipal(e.ctx, System("import"))
		v, err := e.svc.CreateSubject(sys, in)
		if err != nil {
			t.Fatal(err)
		}
		if a := e.lastAudit(); a.Basis != "none:legacy" {
			t.Errorf("legacy create audited with basis %q", a.Basis)
		}
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "purpose", "no-basis")
		rep, err := e.svc.LegacyReport(e.ctx)
		if err != nil || len(rep) != 1 || rep[0].SubjectID != v.ID {
			t.Fatalf("legacy report: %v %+v", err, rep)
		}
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.1b"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.1b"); err != nil {
			t.Fatalf("after consent: %v", err)
		}
		if rep, _ := e.svc.LegacyReport(e.ctx); len(rep) != 0 {
			t.Errorf("legacy report still lists the subject: %+v", rep)
		}
	})
}

// covers R-BASIS-2: the same code flow by SMS, through a real HTTP gateway
// (the pluggable generic sender) that receives the text.
func TestElectronicConsentBySMSCode(t *testing.T) {
	var mu sync.Mutex
	var got []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b struct{ Phone, Message string }
		json.NewDecoder(r.Body).Decode(&b)
		mu.Lock()
		got = append(got, b.Message)
		mu.Unlock()
	}))
	defer gw.Close()
	sender, err := sms.NewHTTP(sms.Config{URL: gw.URL + "/send", Method: "POST", ContentType: "application/json",
		Body: `{"phone":"{to}","message":"{text}"}`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		e = newEnvWith(t, string(e.db.Engine()), Options{SMS: sender})
		v := e.create(applicant(), "p4.1b")
		ch, err := e.svc.SendCode(e.ctx, v.ID, "sms", "ru")
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		m := codeRE.FindStringSubmatch(got[len(got)-1])
		mu.Unlock()
		if m == nil {
			t.Fatal("no code in the SMS")
		}
		if err := e.svc.VerifyCode(e.ctx, ch.ID, m[1]); err != nil {
			t.Fatal(err)
		}
		k, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, Form: derbes.FormCode, Evidence: derbes.Evidence{ChallengeID: ch.ID}})
		if err != nil || k.Evidence.Channel != "sms" {
			t.Fatalf("consent by SMS code: %v %+v", err, k)
		}
		_, err = e.svc.SendCode(e.ctx, v.ID, "email", "ru")
		wantErr(t, err, derbes.EUnavailable, "", "code-channel-off")
	})
}
