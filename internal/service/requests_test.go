package service

import (
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
)

var almaty = time.FixedZone("Asia/Almaty", 5*3600)

// covers R-RIGHTS-2, R-RIGHTS-3 (done-when: deadlines around Kazakh
// holidays: a request received the working day before Nauryz; one
// received on a Friday).
func TestRequestDeadlines(t *testing.T) {
	cases := []struct {
		name     string
		received time.Time
		kind     string
		due      string
	}{
		{"blocking, the working day before Nauryz 2026", time.Date(2026, 3, 20, 11, 0, 0, 0, almaty), "blocking", "2026-03-26"},
		{"information, the working day before Nauryz 2026", time.Date(2026, 3, 20, 11, 0, 0, 0, almaty), "information", "2026-03-30"},
		{"destruction on a Friday", time.Date(2026, 6, 5, 17, 30, 0, 0, almaty), "destruction", "2026-06-08"},
		{"rectification on Friday before Independence Day 2026 (Wed)", time.Date(2026, 12, 11, 9, 0, 0, 0, almaty), "rectification", "2026-12-14"},
		{"withdrawal over New Year", time.Date(2026, 12, 25, 9, 0, 0, 0, almaty), "withdrawal", "2027-01-20"},
	}
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		for _, c := range cases {
			clock := &clockT{t: c.received}
			e.svc.now = clock.now
			r, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: c.kind, Channel: "portal", Details: "please act"})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.DueAt.In(almaty).Format("2006-01-02"); got != c.due {
				t.Errorf("%s: due %s, want %s", c.name, got, c.due)
			}
		}
	})
}

// covers R-RIGHTS-2, R-RIGHTS-3: registered from paper with the identity
// check, handled, closed; overdue requests are escalated once.
func TestRequestFlowAndEscalation(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, almaty)}
		e.svc.now = clock.now
		v := e.create(applicant(), "p4.1b")
		_, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "rectification", Channel: "paper", Details: "my name is misspelt"})
		wantErr(t, err, derbes.EInvalid, "identityCheck", "identity-check-required")
		_, err = e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "gossip", Channel: "portal"})
		wantErr(t, err, derbes.EInvalid, "kind", "request-kind")
		r, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "rectification", Channel: "paper",
			Details: "my name is misspelt", IdentityCheck: "ID card seen by the reception"})
		if err != nil {
			t.Fatal(err)
		}
		info, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "information", Channel: "email", Details: "what do you hold?", IdentityCheck: "reply from the registered address"})
		if err != nil {
			t.Fatal(err)
		}
		list, err := e.svc.Requests(e.ctx, "")
		if err != nil || len(list) != 2 || list[0].ID != r.ID || list[0].Details != "my name is misspelt" {
			t.Fatalf("queue: %v %+v", err, list)
		}
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM rights_requests WHERE details LIKE '%misspelt%'`).Scan(&n)
		if n != 0 {
			t.Error("the request's text is stored in plaintext")
		}
		wantErr(t, e.svc.UpdateRequest(e.ctx, r.ID, "done", "", ""), derbes.EInvalid, "response", "required")
		if err := e.svc.UpdateRequest(e.ctx, r.ID, "done", "", "corrected to the passport's spelling"); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.UpdateRequest(e.ctx, r.ID, "in-progress", "", ""), derbes.EConflict, "status", "request-closed")
		clock.t = clock.t.Add(10 * 24 * time.Hour)
		over, err := e.svc.EscalateOverdue(e.ctx)
		if err != nil || over != 1 {
			t.Fatalf("overdue: %v %d", err, over)
		}
		e.svc.EscalateOverdue(e.ctx)
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'request.escalate'`).Scan(&n)
		if n != 1 {
			t.Errorf("escalations audited %d times, want once", n)
		}
		list, _ = e.svc.Requests(e.ctx, v.ID)
		for _, q := range list {
			if q.ID == info.ID && (!q.Overdue || !q.Escalated) {
				t.Errorf("information request: %+v", q)
			}
		}
	})
}
