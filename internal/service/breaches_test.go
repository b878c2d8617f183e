package service

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// covers R-OPS-3 (done-when: a breach detected on a Friday evening gets the
// next working day as its deadline, and after a holiday the day after; the
// notice PDF's text holds the required items).
func TestBreachDeadlinesAndNotice(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2027, 1, 10, 9, 0, 0, 0, almaty)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		for _, c := range []struct {
			detected time.Time
			due      string
		}{
			{time.Date(2026, 6, 5, 21, 30, 0, 0, almaty), "2026-06-08"},  // Friday evening → Monday
			{time.Date(2026, 3, 20, 18, 0, 0, 0, almaty), "2026-03-26"},  // Friday before Nauryz → the day after the holidays
			{time.Date(2026, 12, 15, 10, 0, 0, 0, almaty), "2026-12-17"}, // the day before Independence Day
		} {
			b, err := e.svc.RecordBreach(e.ctx, NewBreach{DetectedAt: c.detected, Description: "a laptop with exports was stolen", Personal: true,
				Categories: []string{"full_name", "passport_number"}, Subjects: []string{"s1", "s2"}, Measures: "remote wipe; passwords rotated"})
			if err != nil {
				t.Fatal(err)
			}
			if got := b.DueAt.In(almaty).Format("2006-01-02"); got != c.due {
				t.Errorf("detected %v: due %s, want %s", c.detected, got, c.due)
			}
		}
		bs, err := e.svc.Breaches(e.ctx)
		if err != nil || len(bs) != 3 {
			t.Fatalf("register: %v %d", err, len(bs))
		}
		// The responsible person's appointment shows in the notice.
		st, err := e.svc.CreateStaff(derbes.WithPrincipal(context.Background(), System("test")), NewStaff{Name: "Жұмабаев Арман Серікұлы",
			Login: "arman@example.kz", Role: RoleResponsible, Password: staffPassword})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Appoint(derbes.WithPrincipal(context.Background(), System("test")), st.ID, "2026-01-05", "Order 7-П"); err != nil {
			t.Fatal(err)
		}
		doc, err := e.svc.BreachNotice(e.ctx, bs[0].ID, "kk")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.ExtractText(t, doc)), " ")
		for _, w := range []string{"ТОО «Тест Оператор»", "180340021791", "Жұмабаев Арман Серікұлы", "arman@example.kz", "laptop", "remote wipe", "Төлқұжат", "2"} {
			if !strings.Contains(strings.ToLower(text), strings.ToLower(w)) {
				t.Errorf("notice lacks %q", w)
			}
		}
		if err := e.svc.MoveBreach(e.ctx, bs[0].ID, "authority-notified", ""); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.MoveBreach(e.ctx, bs[0].ID, "open", ""), derbes.EConflict, "status", "breach-backwards")
		_, err = e.svc.RecordBreach(e.ctx, NewBreach{DetectedAt: clock.t.Add(time.Hour), Description: "x"})
		wantErr(t, err, derbes.EInvalid, "detectedAt", "date-past")
	})
}
