package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// covers R-AUDIT-3 (P-7.2.7): the internal control report counts legacy
// data, requests near or past their deadlines, consents expiring, staff
// without acknowledgement, unusual access per staff member against their
// own history, the audit chain, breaches; it is kept, dated, and printable.
func TestInternalControlReport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, almaty)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		sys := derbes.WithPrincipal(context.Background(), System("test"))
		v := e.create(applicant(), "p4.1b")
		soon := clock.t.Add(10 * 24 * time.Hour)
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2a"}, ExpiresAt: &soon}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "blocking", Channel: "portal", Details: "block please"}); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.CreateStaff(sys, NewStaff{Name: "Жұмабаев Арман Серікұлы", Login: "arman@example.kz", Role: RoleAdmissions, Password: staffPassword})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.RecordBreach(e.ctx, NewBreach{DetectedAt: clock.t.Add(-72 * time.Hour), Description: "a mis-sent e-mail", Personal: true}); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(3 * 24 * time.Hour) // the request is now overdue
		staff := derbes.WithPrincipal(context.Background(), derbes.Principal{ID: "staff:" + st.ID, Role: DefaultRoles()[1]})
		for range unusualMinimum {
			if _, err := e.svc.Subject(staff, v.ID, "p4.1b"); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := e.svc.RunControlReport(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RequestsOverdue != 1 || rep.ConsentsExpiring != 1 || rep.StaffWithoutAck != 1 || !rep.AuditChainOK ||
			rep.BreachesOpen != 1 || rep.BreachNoticesOverdue != 1 || len(rep.UnusualAccess) != 1 || rep.UnusualAccess[0].Actor != "staff:"+st.ID {
			t.Errorf("report: %+v", rep)
		}
		if n := e.count("control_reports"); n != 1 {
			t.Errorf("reports kept: %d", n)
		}
		doc, err := e.svc.ControlReportPDF(rep, "en")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.ExtractText(t, doc)), " ")
		for _, w := range []string{"Internal control report", "acknowledgement", "Unusual access", "staff:" + st.ID} {
			if !strings.Contains(text, w) {
				t.Errorf("pdf lacks %q", w)
			}
		}
		auditor := as(context.Background(), RoleAuditor, DefaultRoles())
		if _, err := e.svc.RunControlReport(auditor); err != nil {
			t.Errorf("auditor: %v", err)
		}
		_, err = e.svc.RunControlReport(as(context.Background(), RoleAdmissions, DefaultRoles()))
		wantErr(t, err, derbes.EForbidden, "", "permission")
	})
}

// covers R-AUDIT-3: scheduled jobs run once per period, whichever of the
// services sharing one database asks first.
func TestScheduledJobsRunOncePerPeriod(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ran, err := e.svc.RunScheduled(context.Background())
		if err != nil || len(ran) != 6 {
			t.Fatalf("first run: %v %v", err, ran)
		}
		if ran, err := e.svc.RunScheduled(context.Background()); err != nil || len(ran) != 0 {
			t.Fatalf("second run in the same period: %v %v", err, ran)
		}
	})
}
