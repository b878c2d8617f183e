package service

import (
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/mailtest"
)

// covers R-APPLY-1, R-APPLY-2: an order moves forward through its statuses
// with who and when; the applicant is e-mailed through a real SMTP server
// only while the consent to P-4.2a holds.
func TestOrderFlowAndStatusMail(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender})
		reg := e.recipients(t)
		vals := applicant()
		vals["email"] = "order-" + string(e.db.Engine()) + "@example.kz"
		v := e.create(vals, "p4.1b")
		_, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission", "tourism"}, AcademicYear: "2026/2027"})
		wantErr(t, err, derbes.EInvalid, "services", "service-unknown")
		_, err = e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{reg.consulate}, AcademicYear: "2026/2027"})
		wantErr(t, err, derbes.EInvalid, "institutions", "institution-kind")
		o, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission", "visa-invitation"},
			Institutions: []string{reg.kzUni, reg.ruUni}, AcademicYear: "2026/2027", Programme: "Computer science"})
		if err != nil || o.Status != "draft" {
			t.Fatalf("order: %v %+v", err, o)
		}
		// No consent to P-4.2a: moved, but nobody is mailed.
		ev, err := e.svc.MoveOrder(e.ctx, o.ID, "submitted")
		if err != nil || ev.Mailed != "no-consent" {
			t.Fatalf("submitted: %v %+v", err, ev)
		}
		if len(srv.Inbox(vals["email"])) != 0 {
			t.Fatal("mailed without consent")
		}
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, Language: "ru"}); err != nil {
			t.Fatal(err)
		}
		ev, err = e.svc.MoveOrder(e.ctx, o.ID, "sent-to-institutions")
		if err != nil || ev.Mailed != "sent" {
			t.Fatalf("sent-to-institutions: %v %+v", err, ev)
		}
		msg := srv.WaitFor(t, vals["email"], 10*time.Second)
		if !strings.Contains(msg.Text, "sent-to-institutions") || !strings.Contains(msg.Subject, "Статус") {
			t.Errorf("status mail: %q %q", msg.Subject, msg.Text)
		}
		_, err = e.svc.MoveOrder(e.ctx, o.ID, "submitted")
		wantErr(t, err, derbes.EConflict, "status", "order-backwards")
		// Documents: checked by content, stored encrypted.
		png := append([]byte("\x89PNG\r\n\x1a\n"), []byte("a synthetic passport scan")...)
		if _, err := e.svc.AttachOrderDocument(e.ctx, o.ID, "identity_scan", png); err != nil {
			t.Fatalf("document: %v", err)
		}
		_, err = e.svc.AttachOrderDocument(e.ctx, o.ID, "identity_scan", []byte("passport.png but text"))
		wantErr(t, err, derbes.EInvalid, "document", "scan-type")
		_, err = e.svc.AttachOrderDocument(e.ctx, o.ID, "iin", png)
		wantErr(t, err, derbes.EInvalid, "category", "category-not-file")
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM files WHERE order_id = $1 AND category = 'identity_scan'`, o.ID).Scan(&n)
		if n != 1 {
			t.Errorf("order documents = %d", n)
		}
		if _, err := e.svc.MoveOrder(e.ctx, o.ID, "closed"); err != nil {
			t.Fatal(err)
		}
		orders, err := e.svc.Orders(e.ctx, v.ID)
		if err != nil || len(orders) != 1 || len(orders[0].History) != 4 || !orders[0].ClosedAt.Valid {
			t.Fatalf("orders: %v %+v", err, orders)
		}
		var sent int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'message.send' AND reason = 'sent'`).Scan(&sent)
		if sent != 2 {
			t.Errorf("messages recorded: %d, want 2", sent)
		}
	})
}

// covers R-TRANSFER-3 (Art. 19): where the consent asks for it, the subject
// is told of a transfer by e-mail, tracked; a notice that cannot be sent
// stays pending and becomes overdue after 10 working days.
func TestTransferNotices(t *testing.T) {
	srv := mailtest.Start(t)
	sender, err := mail.NewSMTP(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Mail: sender, Now: clock.now})
		reg := e.recipients(t)
		vals := applicant()
		vals["email"] = "notice-" + string(e.db.Engine()) + "@example.kz"
		v := e.create(vals, "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true, NotifyTransfers: true, Language: "kk",
			Recipients: []derbes.Recipient{{ID: reg.kzUni, Kind: "education-org", Country: "KZ"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.transfer(TransferRequest{RecipientID: reg.kzUni, Purpose: "p4.2b1", Subjects: []string{v.ID},
			Categories: []string{"full_name"}, Basis: "consent"}); err != nil {
			t.Fatal(err)
		}
		var due int64
		e.db.Raw().QueryRow(`SELECT due_at FROM transfer_notices WHERE subject_id = $1`, v.ID).Scan(&due)
		// 10 working days after Wed 18 March 2026, Nauryz (21–25 March) off: Mon 6 April.
		if got := time.UnixMicro(due).In(time.FixedZone("KZ", 5*3600)).Format("2006-01-02"); got != "2026-04-06" {
			t.Errorf("notice due %s, want 2026-04-06", got)
		}
		res, err := e.svc.SendTransferNotices(e.ctx)
		if err != nil || res.Sent != 1 {
			t.Fatalf("notices: %v %+v", err, res)
		}
		msg := srv.WaitFor(t, vals["email"], 10*time.Second)
		if !strings.Contains(msg.Text, "Алатау техникалық университеті") {
			t.Errorf("notice: %q", msg.Text)
		}
		if res, _ := e.svc.SendTransferNotices(e.ctx); res.Sent != 0 {
			t.Errorf("a notice was sent twice: %+v", res)
		}
	})
}
