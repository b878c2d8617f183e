package service

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// retentionStory is an applicant whose admission order closes, with
// accounting data kept longer under P-4.1d.
func (e *env) retentionStory(t *testing.T, reg registry, iin string) (subjectID, orderID string) {
	t.Helper()
	vals := applicant()
	vals["iin"] = iin
	delete(vals, "passport_number")
	delete(vals, "email")
	v := e.create(vals, "p4.1b", "p4.1d", "p4.2b1")
	if _, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1d", Values: raw(map[string]string{"income": "350000 KZT"}),
		Source: derbes.Source{Kind: derbes.SourceStaff, Ref: "contract"}}); err != nil {
		t.Fatal(err)
	}
	o, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{reg.kzUni}, AcademicYear: "2026/2027", Programme: "Computer science"})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID, o.ID
}

func (e *env) stored(t *testing.T, subjectID string) []string {
	t.Helper()
	rows, err := e.db.Raw().Query(`SELECT category FROM pd_values WHERE subject_id = $1 AND current ORDER BY category`, subjectID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		rows.Scan(&c)
		out = append(out, c)
	}
	return out
}

// covers R-RETAIN-1 (done-when: an order closes, its period passes, the
// job destroys exactly the data no other purpose needs, writes the act,
// and a second run does nothing; a legal hold prevents it and its release
// lets it happen; five years on, the whole subject goes).
func TestRetentionDestroysWhatNoPurposeNeeds(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		reg := e.recipients(t)
		a, orderA := e.retentionStory(t, reg, "980514301233")
		held, orderH := e.retentionStory(t, reg, "000101500011")
		open, _ := e.retentionStory(t, reg, "990203400014")
		for _, o := range []string{orderA, orderH} {
			if _, err := e.svc.MoveOrder(e.ctx, o, "closed"); err != nil {
				t.Fatal(err)
			}
		}
		hold, err := e.svc.PlaceHold(e.ctx, held, "Civil case No. 2-1234/2026")
		if err != nil {
			t.Fatal(err)
		}
		before := e.stored(t, a)

		// Within the period: nothing due, and a run records no act.
		clock.t = clock.t.AddDate(0, 11, 0)
		if p, err := e.svc.RetentionPreview(e.ctx, time.Time{}); err != nil || len(p.Items) != 0 || p.Upcoming90 != 2 || p.Upcoming30 != 0 {
			t.Fatalf("preview within the period: %+v %v", p, err)
		}
		clock.t = clock.t.AddDate(0, 1, 1)
		p, err := e.svc.RetentionPreview(e.ctx, time.Time{})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("preview after 12 months: %+v %v", p, err)
		}
		// p4.1d keeps the name, IIN, citizenship and income for five years;
		// the rest served only the order.
		var wantDue []string
		for _, c := range before {
			if !e.svc.Catalogue().Purpose("p4.1d").Covers(c) {
				wantDue = append(wantDue, c)
			}
		}
		for _, it := range p.Items {
			want := map[string]string{a: RetainDestroy, held: RetainRestrict}[it.SubjectID]
			if it.Action != want || !slices.Equal(it.Categories, wantDue) || !slices.Contains(it.Purposes, "p4.1b") {
				t.Errorf("item %+v, want %s of %v", it, want, wantDue)
			}
		}
		act, n, err := e.svc.RunRetention(e.ctx)
		if err != nil || act == nil || act.Status != "pending" || n != 0 || len(act.Items) != 2 {
			t.Fatalf("run: %+v %d %v", act, n, err)
		}
		if got := e.stored(t, a); !slices.Equal(got, before) {
			t.Fatalf("a pending act destroyed data: %v", got)
		}
		// The admissions manager may not approve; the responsible person does.
		_, err = e.svc.ApproveRetentionAct(as(context.Background(), RoleAdmissions, DefaultRoles()), act.ID)
		wantErr(t, err, derbes.EForbidden, "", "permission")
		done, err := e.svc.ApproveRetentionAct(e.ctx, act.ID)
		if err != nil || done.Status != "done" {
			t.Fatalf("approve: %+v %v", done, err)
		}
		if got := e.stored(t, a); len(got) != len(before)-len(wantDue) || slices.ContainsFunc(got, func(c string) bool { return slices.Contains(wantDue, c) }) {
			t.Errorf("after the act %v remain of %v (due %v)", got, before, wantDue)
		}
		if v, err := e.svc.Subject(e.ctx, a, "p4.1d"); err != nil || v.Values["income"].Value == nil || v.Values["iin"].Value == nil {
			t.Errorf("P-4.1d lost its data: %+v %v", v, err)
		}
		if got := e.stored(t, open); len(got) != len(before) {
			t.Errorf("the open order's applicant lost data: %v", got)
		}
		// Held: still stored, but blocked.
		if got := e.stored(t, held); len(got) != len(before) {
			t.Errorf("held data was destroyed: %v", got)
		}
		if v, err := e.svc.Subject(e.ctx, held, "p4.1b"); err != nil || v.Values["education"].Value != nil || v.Values["full_name"].Value == nil {
			t.Errorf("held data not restricted: %+v %v", v, err)
		}
		body, err := e.svc.RetentionActPDF(e.ctx, act.ID, "kk")
		if err != nil {
			t.Fatal(err)
		}
		// Table cells wrap (a subject id over three lines): look for the
		// first line of each.
		text := pdftest.ExtractText(t, body)
		for _, want := range []string{act.ID, a[:8], held[:8], "p4.1b", "Law 94-V Art. 12 p.2", "санаттарды", "шектеу", "restricted"} {
			if !strings.Contains(text, want) {
				t.Errorf("act PDF lacks %q", want)
			}
		}

		// A second run: nothing new.
		if act2, n, err := e.svc.RunRetention(e.ctx); err != nil || act2 != nil || n != 0 {
			t.Fatalf("second run: %+v %d %v", act2, n, err)
		}
		// The hold ends; the next run (automatic now) destroys.
		if err := e.svc.ReleaseHold(e.ctx, hold.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, e.svc.ReleaseHold(e.ctx, hold.ID), derbes.EConflict, "", "hold-released")
		if err := e.svc.SetRetentionAuto(e.ctx, true); err != nil {
			t.Fatal(err)
		}
		act3, n, err := e.svc.RunRetention(e.ctx)
		if err != nil || act3 == nil || n != 1 || act3.Items[0].SubjectID != held || act3.Items[0].Action != RetainDestroy || act3.Status != "done" {
			t.Fatalf("run after release: %+v %d %v", act3, n, err)
		}
		if got := e.stored(t, held); len(got) != len(before)-len(wantDue) {
			t.Errorf("after release %v remain", got)
		}

		// Five years after the contract ended: nothing keeps anything.
		clock.t = clock.t.AddDate(4, 0, 0)
		act4, n, err := e.svc.RunRetention(e.ctx)
		if err != nil || act4 == nil || n != 2 {
			t.Fatalf("five years on: %+v %d %v", act4, n, err)
		}
		for _, it := range act4.Items {
			if it.Action != RetainDestroySubject || it.Outcome != "done" {
				t.Errorf("five years on: %+v", it)
			}
		}
		if gone, _ := e.db.Read().Erased(context.Background(), a); !gone || len(e.stored(t, a)) != 0 {
			t.Error("the subject was not destroyed whole")
		}
		var keys int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM subject_keys WHERE subject_id = $1`, a).Scan(&keys)
		if keys != 0 {
			t.Errorf("%d data keys survive the subject", keys)
		}
		if got := e.stored(t, open); len(got) != len(before) {
			t.Errorf("the open order's applicant lost data: %v", got)
		}
	})
}

// covers R-RETAIN-1: a plan made before an order reopens is decided again
// when carried out; refusals are audited; bad input changes nothing.
func TestRetentionDecidesAgainAndRefuses(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		reg := e.recipients(t)
		a, order := e.retentionStory(t, reg, "980514301233")
		if _, err := e.svc.MoveOrder(e.ctx, order, "closed"); err != nil {
			t.Fatal(err)
		}
		before := e.stored(t, a)
		clock.t = clock.t.AddDate(1, 0, 2)
		act, _, err := e.svc.RunRetention(e.ctx)
		if err != nil || act == nil {
			t.Fatalf("run: %v %v", act, err)
		}
		// A new order before approval: the data is needed again.
		if _, err := e.svc.CreateOrder(e.ctx, a, NewOrder{Services: []string{"admission"}, Institutions: []string{reg.kzUni}, AcademicYear: "2027/2028"}); err != nil {
			t.Fatal(err)
		}
		done, err := e.svc.ApproveRetentionAct(e.ctx, act.ID)
		if err != nil || done.Items[0].Outcome != "no-longer-due" {
			t.Fatalf("approve after a new order: %+v %v", done, err)
		}
		if got := e.stored(t, a); !slices.Equal(got, before) {
			t.Errorf("data needed by the new order was destroyed: %v", got)
		}
		_, err = e.svc.ApproveRetentionAct(e.ctx, act.ID)
		wantErr(t, err, derbes.EConflict, "", "not-pending")
		_, err = e.svc.ApproveRetentionAct(e.ctx, "no-such-act")
		wantErr(t, err, derbes.ENotFound, "", "not-found")
		_, err = e.svc.PlaceHold(e.ctx, a, "  ")
		wantErr(t, err, derbes.EInvalid, "reason", "required")
		if e.lastAudit().Outcome != derbes.OutcomeRefused {
			t.Error("a refused hold is not audited")
		}
		_, err = e.svc.RetentionPreview(as(context.Background(), RoleAdmissions, DefaultRoles()), time.Time{})
		wantErr(t, err, derbes.EForbidden, "", "permission")
		if n := e.count("legal_holds"); n != 0 {
			t.Errorf("%d holds after refusals", n)
		}
	})
}

// covers R-RETAIN-1: destroying a purpose's last values keeps the
// subject's key for that purpose while something else is sealed under it
// (the questions and answers about an order), so they still open.
func TestRetentionKeepsKeysStillInUse(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		reg := e.recipients(t)
		v := e.create(map[string]string{"education": "Школа-лицей №12, 2024", "passport_number": "N12345678"}, "p4.1b", "p4.1d")
		if _, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1d", Values: raw(map[string]string{"income": "350000 KZT"}),
			Source: derbes.Source{Kind: derbes.SourceStaff}}); err != nil {
			t.Fatal(err)
		}
		o, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{reg.kzUni}, AcademicYear: "2026/2027"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.AskApplicant(e.ctx, o.ID, "Приложите аттестат."); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.MoveOrder(e.ctx, o.ID, "closed"); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.AddDate(1, 0, 2)
		if err := e.svc.SetRetentionAuto(e.ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, n, err := e.svc.RunRetention(e.ctx); err != nil || n != 1 {
			t.Fatalf("run: %d %v", n, err)
		}
		if got := e.stored(t, v.ID); !slices.Equal(got, []string{"income"}) {
			t.Fatalf("stored after the run %v, want only income", got)
		}
		ms, err := e.svc.OrderMessages(e.ctx, "", o.ID)
		if err != nil || len(ms) != 1 {
			t.Errorf("the order's messages after the run: %+v %v", ms, err)
		}
		if _, err := e.svc.MyData(context.Background(), v.ID); err != nil {
			t.Errorf("the subject's own data after the run: %v", err)
		}
	})
}
