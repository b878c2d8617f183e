package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/mailtest"
)

var pdfScan = []byte("%PDF-1.4\n% synthetic passport scan\n")

// covers the online-application issue (done-when: the form for
// admission-only in Kazakhstan asks for no category outside those
// purposes, and a crafted request adding one is refused); P-2.3c, P-4.1b,
// P-7.1, R-APPLY-1, R-BASIS-2: an applicant verifies an e-mail, applies,
// confirms by a second code, and one transaction records the subject, the
// contract consent and the separate P-4.2b1 consent naming the
// institutions and the cross-border country, the order and the scan; the
// draft is gone.
func TestOnlineApplication(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender})
		reg := e.recipients(t)
		ctx := context.Background()
		address := "applicant-" + string(e.db.Engine()) + "@example.kz"
		code := func() string {
			t.Helper()
			m := codeRE.FindStringSubmatch(srv.WaitFor(t, address, 10*time.Second).Text)
			if m == nil {
				t.Fatal("no code in the message")
			}
			return m[1]
		}
		tok, ch, err := e.svc.ApplyBegin(ctx, address, "kk", "192.0.2.10")
		if err != nil {
			t.Fatal(err)
		}
		// Before verification the draft is no draft.
		if _, err := e.svc.ApplyDraft(ctx, tok); derbes.CodeOf(err) != derbes.EUnauthorized {
			t.Fatalf("unverified draft: %v", err)
		}
		c := code()
		wantErr(t, e.svc.ApplyVerify(ctx, tok, ch.ID, "000000"), derbes.EInvalid, "code", "code-wrong")
		if err := e.svc.ApplyVerify(ctx, tok, ch.ID, c); err != nil {
			t.Fatal(err)
		}
		// Admission only, in Kazakhstan: the form asks for the categories of
		// P-4.2b1 and nothing else.
		err = e.svc.ApplyChoose(ctx, tok, ApplyChoices{Citizenship: "kz-citizen", Services: []string{"admission"}, Institutions: []string{reg.kzUni}, AcademicYear: "2026/2027", Programme: "Информатика"})
		if err != nil {
			t.Fatal(err)
		}
		asked := e.svc.ApplyCategories([]string{"admission"})
		for _, k := range asked {
			if !e.svc.Catalogue().Purpose("p4.2b1").Covers(k) {
				t.Errorf("admission asks for %s, which P-4.2b1 does not use", k)
			}
		}
		for _, k := range []string{"military_registration", "income", "workplace", "position", "tax_status"} {
			if slices.Contains(asked, k) {
				t.Errorf("admission asks for %s", k)
			}
		}
		vals := map[string]string{"full_name": "Серікқызы Айгерім Нұрланқызы", "iin": "980514301233", "passport_number": "N12345678"}
		// A crafted request adds what the services do not need: refused, nothing kept.
		crafted := map[string]string{"full_name": vals["full_name"], "position": "инженер"}
		wantErr(t, e.svc.ApplyData(ctx, tok, crafted, nil), derbes.EForbidden, "values.position", "category-outside-purpose")
		wantErr(t, e.svc.ApplyData(ctx, tok, map[string]string{"iin": "980514301234"}, nil), derbes.EInvalid, "values.iin", "iin-checksum")
		wantErr(t, e.svc.ApplyData(ctx, tok, nil, []DraftFile{{Category: "identity_scan", ContentType: "application/pdf", Data: []byte("MZ\x90\x00 not a pdf")}}),
			derbes.EInvalid, "files.identity_scan", "scan-type")
		if d, _ := e.svc.ApplyDraft(ctx, tok); len(d.Values) != 0 || len(d.Files) != 0 {
			t.Fatalf("refused data was kept: %+v", d.Values)
		}
		if err := e.svc.ApplyData(ctx, tok, vals, []DraftFile{{Category: "identity_scan", ContentType: "application/pdf", Data: pdfScan}}); err != nil {
			t.Fatal(err)
		}
		// Now a Russian university too: the statement names Russia.
		if err := e.svc.ApplyChoose(ctx, tok, ApplyChoices{Citizenship: "kz-citizen", Services: []string{"admission"}, Institutions: []string{reg.kzUni, reg.ruUni}, AcademicYear: "2026/2027", Programme: "Информатика"}); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.ApplyPreview(ctx, tok)
		if err != nil || !slices.Equal(st.CrossBorder, []string{"RU"}) || len(st.Missing) != 0 || !slices.Contains(st.Optional, "p4.2b1") || slices.Contains(st.Optional, "p4.2b2") {
			t.Fatalf("statement %+v %v", st, err)
		}
		before := e.count("subjects")
		wantErrOf := func(err error, code derbes.ErrorCode, rule string) {
			t.Helper()
			if derbes.CodeOf(err) != code || derbes.RuleOf(err) != rule {
				t.Errorf("got %v, want %s/%s", err, code, rule)
			}
		}
		_, err = e.svc.ApplyConfirm(ctx, tok, []string{"p4.2b3"})
		wantErrOf(err, derbes.EInvalid, "purpose-unknown")
		ch2, err := e.svc.ApplyConfirm(ctx, tok, []string{"p4.2b1"})
		if err != nil {
			t.Fatal(err)
		}
		c2 := code()
		_, err = e.svc.ApplySubmit(ctx, tok, ch2.ID, "111111")
		wantErrOf(err, derbes.EInvalid, "code-wrong")
		if e.count("subjects") != before || e.count("orders") != 0 {
			t.Fatal("a wrong code wrote something")
		}
		res, err := e.svc.ApplySubmit(ctx, tok, ch2.ID, c2)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.count("application_drafts"); n != 0 {
			t.Errorf("%d drafts after submission", n)
		}
		ks, err := e.svc.Consents(e.ctx, res.SubjectID)
		if err != nil || len(ks) != 2 {
			t.Fatalf("consents %+v %v", ks, err)
		}
		for _, k := range ks {
			if k.Form != derbes.FormCode || k.Evidence.ChallengeID != ch2.ID || k.Evidence.ConfirmedAt == nil || k.Language != "kk" {
				t.Errorf("consent %v: evidence %+v form %s", k.Purposes, k.Evidence, k.Form)
			}
			if slices.Contains(k.Purposes, "p4.2b1") && (!k.CrossBorder || !slices.Equal(k.Countries, []string{"RU"}) || len(k.Recipients) != 2) {
				t.Errorf("P-4.2b1 consent %+v", k.ConsentTerms)
			}
		}
		v, err := e.svc.Subject(e.ctx, res.SubjectID, "p4.1b")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for k := range v.Values {
			got = append(got, k)
		}
		slices.Sort(got)
		if want := []string{"email", "full_name", "iin", "passport_number"}; !slices.Equal(got, want) {
			t.Errorf("stored %v, want %v", got, want)
		}
		orders, err := e.svc.Orders(e.ctx, res.SubjectID)
		if err != nil || len(orders) != 1 || orders[0].Status != "submitted" || len(orders[0].Institutions) != 2 {
			t.Fatalf("orders %+v %v", orders, err)
		}
		docs, err := e.db.Read().OrderFiles(ctx, res.SubjectID, orders[0].ID)
		if err != nil || len(docs) != 1 || docs[0].Category != "identity_scan" {
			t.Errorf("documents %+v %v", docs, err)
		}
		var byApplicant int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE actor = $1 AND action IN ('subject.create', 'consent.give', 'order.create', 'order.document')`,
			"subject:"+res.SubjectID).Scan(&byApplicant)
		if byApplicant != 5 {
			t.Errorf("%d audit entries by the applicant, want 5 (subject, two consents, order, document)", byApplicant)
		}
		// The token is spent.
		if _, err := e.svc.ApplySubmit(ctx, tok, ch2.ID, c2); derbes.CodeOf(err) != derbes.EUnauthorized {
			t.Errorf("second submit: %v", err)
		}
	})
}

// covers the online-application issue (done-when: an abandoned draft is
// destroyed after its configured time, with a clock).
func TestAbandonedDraftDestroyed(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now, DraftTTL: 2 * time.Hour})
		tok, _, err := e.svc.ApplyBegin(context.Background(), "+77011234567", "ru", "192.0.2.11")
		if err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(119 * time.Minute)
		if n, err := e.svc.PurgeDrafts(context.Background()); err != nil || n != 0 || e.count("application_drafts") != 1 {
			t.Fatalf("purge before the time: %d %v", n, err)
		}
		clock.t = clock.t.Add(2 * time.Minute)
		if _, err := e.svc.ApplyDraft(context.Background(), tok); derbes.RuleOf(err) != "draft-expired" {
			t.Errorf("an expired draft opened: %v", err)
		}
		if n, err := e.svc.PurgeDrafts(context.Background()); err != nil || n != 1 || e.count("application_drafts") != 0 {
			t.Fatalf("purge after the time: %d %v", n, err)
		}
		if a := e.lastAudit(); a.Action != "apply.drafts-destroyed" {
			t.Errorf("the destruction is not audited: %+v", a)
		}
	})
}

// covers the online-application issue (abuse resistance): new
// applications are limited per network address, each refusal audited;
// another address is not affected.
func TestApplyLimitedPerAddress(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for i := range ApplyPerOrigin {
			if _, _, err := e.svc.ApplyBegin(ctx, fmt.Sprintf("a%d@example.kz", i), "kk", "198.51.100.7"); err != nil {
				t.Fatalf("application %d: %v", i, err)
			}
		}
		_, _, err := e.svc.ApplyBegin(ctx, "one.more@example.kz", "kk", "198.51.100.7")
		if derbes.CodeOf(err) != derbes.ETooMany || derbes.RuleOf(err) != "apply-rate-limit" {
			t.Fatalf("the %dth application from one address: %v", ApplyPerOrigin+1, err)
		}
		if a := e.lastAudit(); a.Action != "apply.begin" || a.Outcome != derbes.OutcomeRefused {
			t.Errorf("the refusal is not audited: %+v", a)
		}
		if _, _, err := e.svc.ApplyBegin(ctx, "one.more@example.kz", "kk", "198.51.100.8"); err != nil {
			t.Errorf("another address: %v", err)
		}
		if n := e.count("application_drafts"); n != ApplyPerOrigin+1 {
			t.Errorf("%d drafts", n)
		}
	})
}

// covers the online-application issue (after submission): staff ask, the
// applicant answers and adds a missing document, only on their own order;
// the applicant sees the order's status.
func TestApplicantFollowsOrder(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		reg := e.recipients(t)
		mine := e.create(applicant(), "p4.1b")
		other := e.create(map[string]string{"full_name": "Басқаев Басқа", "iin": "990203400014"}, "p4.1b")
		o, err := e.svc.CreateOrder(e.ctx, mine.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{reg.kzUni}, AcademicYear: "2026/2027"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AskApplicant(e.ctx, o.ID, "Пожалуйста, приложите скан паспорта."); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.AskApplicant(e.ctx, o.ID, "  "), derbes.EInvalid, "text", "required")
		ctx := context.Background()
		// Another subject can neither answer nor add to this order.
		wantErr(t, e.svc.AnswerQuestion(ctx, other.ID, o.ID, "чужой ответ"), derbes.ENotFound, "", "not-found")
		wantErr(t, e.svc.PortalAttachDocument(ctx, other.ID, o.ID, "identity_scan", pdfScan), derbes.ENotFound, "", "not-found")
		if err := e.svc.AnswerQuestion(ctx, mine.ID, o.ID, "Приложила."); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.PortalAttachDocument(ctx, mine.ID, o.ID, "position", pdfScan), derbes.EForbidden, "category", "category-outside-purpose")
		if err := e.svc.PortalAttachDocument(ctx, mine.ID, o.ID, "identity_scan", pdfScan); err != nil {
			t.Fatal(err)
		}
		ms, err := e.svc.OrderMessages(e.ctx, "", o.ID)
		if err != nil || len(ms) != 2 || !ms[0].FromStaff || ms[1].FromStaff || ms[1].Text != "Приложила." {
			t.Fatalf("messages %+v %v", ms, err)
		}
		var stored []byte
		e.db.Raw().QueryRow(`SELECT body FROM order_messages WHERE author = 'subject'`).Scan(&stored)
		if strings.Contains(string(stored), "Приложила") {
			t.Error("a message is stored in the clear")
		}
		d, err := e.svc.MyData(ctx, mine.ID)
		if err != nil || len(d.Orders) != 1 || d.Orders[0].Status != "draft" || len(d.Orders[0].Messages) != 2 || !slices.Equal(d.Orders[0].Documents, []string{"identity_scan"}) {
			t.Fatalf("my orders %+v %v", d.Orders, err)
		}
		if d, _ := e.svc.MyData(ctx, other.ID); len(d.Orders) != 0 {
			t.Errorf("another subject sees %d orders", len(d.Orders))
		}
	})
}

// covers the online-application issue (a legal representative for a
// minor, Law 94-V Art. 7 p.1): the representative verifies their own
// contact and gives the consents; two subjects are recorded in one
// transaction, the minor's consents naming the representative; the
// representative follows the minor's order in the portal.
func TestMinorAppliesThroughRepresentative(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender})
		reg := e.recipients(t)
		ctx := context.Background()
		tok, code := e.verifiedDraft(t, srv, "parent-"+string(e.db.Engine())+"@example.kz", "ru", "192.0.2.20")
		choose := func(rep DraftRep) error {
			return e.svc.ApplyChoose(ctx, tok, ApplyChoices{Citizenship: "kz-citizen", Services: []string{"admission"}, Institutions: []string{reg.kzUni},
				AcademicYear: "2026/2027", Rep: &rep})
		}
		wantErr(t, choose(DraftRep{FullName: "Ата Ана", IIN: "800101300016", Relationship: "neighbour"}), derbes.EInvalid, "rep.relationship", "relationship")
		wantErr(t, choose(DraftRep{FullName: "Ата Ана", IIN: "800101300012", Relationship: "parent"}), derbes.EInvalid, "rep.iin", "iin-checksum")
		if err := choose(DraftRep{FullName: "Серікова Ана Қайратқызы", IIN: "800101400012", Relationship: "parent"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ApplyData(ctx, tok, map[string]string{"full_name": "Серікова Жас Талапкер", "iin": "090101600014"}, nil); err != nil {
			t.Fatal(err)
		}
		ch2, err := e.svc.ApplyConfirm(ctx, tok, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.ApplySubmit(ctx, tok, ch2.ID, code())
		if err != nil {
			t.Fatal(err)
		}
		if res.RepresentativeID == "" {
			t.Fatal("no representative recorded")
		}
		rep, err := e.db.Read().Subject(ctx, res.RepresentativeID)
		if err != nil || rep.Kind != "representative" {
			t.Fatalf("representative %+v %v", rep, err)
		}
		ks, _ := e.svc.Consents(e.ctx, res.SubjectID)
		if len(ks) != 1 || ks[0].Representative != res.RepresentativeID || ks[0].Relationship != "parent" {
			t.Fatalf("the minor's consents %+v", ks)
		}
		minor, err := e.svc.Subject(e.ctx, res.SubjectID, "p4.1b")
		if err != nil || minor.Values["email"].Value != nil || minor.Values["full_name"].Value == nil {
			t.Errorf("the minor's values %+v %v", minor, err)
		}
		parent, err := e.svc.Subject(e.ctx, res.RepresentativeID, "p4.1b")
		if err != nil || parent.Values["email"].Value == nil {
			t.Errorf("the representative's values %+v %v", parent, err)
		}
		d, err := e.svc.MyData(ctx, res.RepresentativeID)
		if err != nil || len(d.Orders) != 1 || d.Orders[0].ID != res.OrderID {
			t.Fatalf("the representative's portal orders %+v %v", d.Orders, err)
		}
		if err := e.svc.AnswerQuestion(ctx, res.RepresentativeID, res.OrderID, "Ответ родителя."); err != nil {
			t.Errorf("the representative answers: %v", err)
		}
	})
}

// covers the online-application issue (an institution the registry lacks
// is proposed for staff to confirm): it is recorded inactive with the
// order, named in the consent by kind and country, receives no transfer
// until the responsible person confirms it.
func TestProposedInstitution(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender})
		ctx := context.Background()
		tok, code := e.verifiedDraft(t, srv, "proposer-"+string(e.db.Engine())+"@example.kz", "en", "192.0.2.30")
		choose := func(p DraftProposal) error {
			return e.svc.ApplyChoose(ctx, tok, ApplyChoices{Citizenship: "kz-citizen", Services: []string{"admission"}, AcademicYear: "2026/2027", Proposed: &p})
		}
		wantErr(t, choose(DraftProposal{Name: "Uni", Country: "XX"}), derbes.EInvalid, "proposed.country", "country-code")
		wantErr(t, choose(DraftProposal{Name: " ", Country: "CZ"}), derbes.EInvalid, "proposed.name", "text-length")
		if err := choose(DraftProposal{Name: "Vltava Technical University", Country: "cz"}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ApplyData(ctx, tok, map[string]string{"full_name": "Серікқызы Айгерім", "iin": "980514301233"}, nil); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.ApplyPreview(ctx, tok)
		if err != nil || !slices.Equal(st.CrossBorder, []string{"CZ"}) {
			t.Fatalf("statement %+v %v", st, err)
		}
		ch2, err := e.svc.ApplyConfirm(ctx, tok, []string{"p4.2b1"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.ApplySubmit(ctx, tok, ch2.ID, code())
		if err != nil {
			t.Fatal(err)
		}
		orders, _ := e.svc.Orders(e.ctx, res.SubjectID)
		if len(orders) != 1 || len(orders[0].Institutions) != 1 {
			t.Fatalf("orders %+v", orders)
		}
		recID := orders[0].Institutions[0]
		rec, err := e.db.Read().RecipientByID(ctx, recID)
		if err != nil || rec.Active || rec.Country != "CZ" || rec.CreatedBy != "subject:"+res.SubjectID {
			t.Fatalf("proposed recipient %+v %v", rec, err)
		}
		_, err = e.transfer(TransferRequest{RecipientID: recID, Purpose: "p4.2b1", Subjects: []string{res.SubjectID}, Categories: []string{"full_name"}, Basis: "consent"})
		wantErr(t, err, derbes.EInvalid, "recipientId", "recipient-inactive")
		wantErr(t, e.svc.ConfirmRecipient(as(ctx, RoleAdmissions, DefaultRoles()), recID), derbes.EForbidden, "", "permission")
		if err := e.svc.ConfirmRecipient(e.ctx, recID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.ConfirmRecipient(e.ctx, recID), derbes.EConflict, "", "recipient-active")
		if _, err := e.transfer(TransferRequest{RecipientID: recID, Purpose: "p4.2b1", Subjects: []string{res.SubjectID}, Categories: []string{"full_name"}, Basis: "consent"}); err != nil {
			t.Errorf("transfer after confirmation: %v", err)
		}
	})
}

// covers R-APPLY-2: a question about an order is announced by e-mail
// under the consent to P-4.2a, without its text (the text stays in the
// portal).
func TestQuestionAnnouncedByMail(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender})
		reg := e.recipients(t)
		vals := applicant()
		vals["email"] = "asked-" + string(e.db.Engine()) + "@example.kz"
		v := e.create(vals, "p4.1b", "p4.2a")
		o, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{reg.kzUni}, AcademicYear: "2026/2027"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AskApplicant(e.ctx, o.ID, "Секретный вопрос о дипломе"); err != nil {
			t.Fatal(err)
		}
		msg := srv.WaitFor(t, strings.ToLower(vals["email"]), 10*time.Second)
		if strings.Contains(msg.Text, "Секретный") || !strings.Contains(msg.Text, "портал") {
			t.Errorf("the announcement %q", msg.Text)
		}
	})
}

// verifiedDraft starts an application for address and verifies it with the
// code from srv's inbox; it returns the draft's token and a function that
// reads the next code sent to address.
func (e *env) verifiedDraft(t *testing.T, srv *mailtest.Server, address, lang, origin string) (string, func() string) {
	t.Helper()
	code := func() string {
		t.Helper()
		return codeRE.FindStringSubmatch(srv.WaitFor(t, address, 10*time.Second).Text)[1]
	}
	tok, ch, err := e.svc.ApplyBegin(context.Background(), address, lang, origin)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ApplyVerify(context.Background(), tok, ch.ID, code()); err != nil {
		t.Fatal(err)
	}
	return tok, code
}
