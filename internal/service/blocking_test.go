package service

import (
	"testing"

	"github.com/derbes-kz/derbes"
)

// covers R-RIGHTS-4: while blocked, reads for any purpose but the request
// handling itself, search results, transfers and messages treat the data
// as unavailable; unblocking is a recorded decision that restores it.
func TestBlockingOnEveryPath(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		reg := e.recipients(t)
		v := e.create(applicant(), "p4.1b", "p4.2a")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{ID: reg.kzUni, Kind: "education-org", Country: "KZ"}}}); err != nil {
			t.Fatal(err)
		}
		// One category blocked: it disappears from reads, stays for the request handling.
		if _, err := e.svc.Block(e.ctx, v.ID, "phone", "the subject disputes the number"); err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.Subject(e.ctx, v.ID, "p4.2a")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Values["phone"]; ok {
			t.Error("a blocked category was read")
		}
		if r, _ := e.svc.Subject(e.ctx, v.ID, "rights"); r == nil || r.Values["phone"].Value == nil {
			t.Error("the request handling cannot see the blocked value")
		}
		_, err = e.svc.ValueHistory(e.ctx, v.ID, "p4.1b", "phone")
		wantErr(t, err, derbes.EForbidden, "category", "category-blocked")
		_, err = e.transfer(TransferRequest{RecipientID: reg.kzUni, Purpose: "p4.2b1", Subjects: []string{v.ID}, Categories: []string{"phone"}, Basis: "consent"})
		if de := derbes.AsError(err); de == nil || len(de.Problems) == 0 || de.Problems[0].Rule != "blocked" {
			t.Errorf("transfer of a blocked category: %v", err)
		}
		if _, err := e.transfer(TransferRequest{RecipientID: reg.kzUni, Purpose: "p4.2b1", Subjects: []string{v.ID}, Categories: []string{"full_name"}, Basis: "consent"}); err != nil {
			t.Errorf("transfer of an unblocked category: %v", err)
		}
		// The whole subject blocked: reads, search and messages stop.
		if _, err := e.svc.Block(e.ctx, v.ID, "*", "blocking request 12"); err != nil {
			t.Fatal(err)
		}
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "", "subject-blocked")
		if got, err := e.svc.Search(e.ctx, "p4.1b", "iin", "980514301233"); err != nil || len(got) != 0 {
			t.Errorf("search found a blocked subject: %v %d", err, len(got))
		}
		o, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, AcademicYear: "2026/2027"})
		if err != nil {
			t.Fatal(err)
		}
		if ev, _ := e.svc.MoveOrder(e.ctx, o.ID, "submitted"); ev == nil || ev.Mailed == "sent" {
			t.Errorf("a blocked subject was messaged: %+v", ev)
		}
		// Unblock both: a recorded decision.
		blocks, err := e.svc.Blocks(e.ctx, v.ID)
		if err != nil || len(blocks) != 2 {
			t.Fatalf("blocks: %v %d", err, len(blocks))
		}
		for _, b := range blocks {
			if err := e.svc.Unblock(e.ctx, v.ID, b.ID); err != nil {
				t.Fatal(err)
			}
		}
		wantErr(t, e.svc.Unblock(e.ctx, v.ID, blocks[0].ID), derbes.ENotFound, "blockId", "block-unknown")
		if r, err := e.svc.Subject(e.ctx, v.ID, "p4.2a"); err != nil || r.Values["phone"].Value == nil {
			t.Errorf("after unblocking: %v", err)
		}
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('subject.block', 'subject.unblock') AND outcome = 'ok'`).Scan(&n)
		if n != 4 {
			t.Errorf("block decisions audited: %d, want 4", n)
		}
	})
}
