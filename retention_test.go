package derbes_test

import (
	"slices"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
)

// TestDecideRetention checks the storage-period rule of R-RETAIN-1 on the
// default catalogue: what an applicant's closed order leaves due, when.
func TestDecideRetention(t *testing.T) {
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	closed := t0.AddDate(0, 2, 0)
	stored := map[string]derbes.Collected{
		"full_name": {Purpose: "p4.1b", At: t0}, "iin": {Purpose: "p4.1b", At: t0}, "education": {Purpose: "p4.1b", At: t0},
		"income": {Purpose: "p4.1d", At: t0},
	}
	contract := derbes.Consent{ID: "c1", GivenAt: t0, ConsentTerms: derbes.ConsentTerms{Purposes: []string{"p4.1b", "p4.1d"}}}
	facts := func(orderClosed *time.Time, consents ...derbes.Consent) *derbes.RetentionFacts {
		return &derbes.RetentionFacts{Consents: consents, Stored: stored,
			Orders: []derbes.OrderFact{{Purposes: []string{"p4.1b", "p4.2b1"}, ClosedAt: orderClosed}}}
	}
	cases := []struct {
		name      string
		f         *derbes.RetentionFacts
		at        time.Time
		due       []string
		whole     bool
		ended     []string
		since     time.Time
		nextAfter bool
	}{
		{name: "order open: nothing due", f: facts(nil, contract), at: t0.AddDate(5, 0, 0)},
		{name: "closed, within 12 months", f: facts(&closed, contract), at: closed.AddDate(0, 11, 0), nextAfter: true},
		// p4.1d (accounting, 5 years from the contract's end) keeps the
		// name, IIN and income; education, which only the order's purposes
		// use, goes.
		{name: "closed 12 months ago: the order's data due", f: facts(&closed, contract), at: closed.AddDate(0, 12, 1),
			due: []string{"education"}, ended: []string{"p4.1b", "p4.2b1"}, since: closed.AddDate(0, 12, 0), nextAfter: true},
		{name: "five years on: everything due", f: facts(&closed, contract), at: closed.AddDate(5, 0, 1),
			due: []string{"education", "full_name", "iin", "income"}, whole: true, ended: []string{"p4.1b", "p4.1d", "p4.2b1"}, since: closed.AddDate(5, 0, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := derbes.DecideRetention(cat, tc.f, tc.at)
			if !slices.Equal(d.Due, tc.due) || d.Whole != tc.whole || !slices.Equal(d.Ended, tc.ended) || !d.Since.Equal(tc.since) {
				t.Errorf("got due %v whole %v ended %v since %v; want %v %v %v %v", d.Due, d.Whole, d.Ended, d.Since, tc.due, tc.whole, tc.ended, tc.since)
			}
			if tc.nextAfter != (!d.Next.IsZero() && d.Next.After(tc.at)) {
				t.Errorf("next end %v at %v", d.Next, tc.at)
			}
		})
	}
}

// TestStorageEndEvents covers each storage event's start (R-RETAIN-1).
func TestStorageEndEvents(t *testing.T) {
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	withdrawn := t0.AddDate(0, 1, 0)
	promo := derbes.Consent{GivenAt: t0, WithdrawnAt: &withdrawn, ConsentTerms: derbes.ConsentTerms{Purposes: []string{"p4.2d"}}}
	live := derbes.Consent{GivenAt: t0, ConsentTerms: derbes.ConsentTerms{Purposes: []string{"p4.2d", "p4.2e"}}}
	f := &derbes.RetentionFacts{Consents: []derbes.Consent{promo}, Stored: map[string]derbes.Collected{}}
	now := t0.AddDate(1, 0, 0)

	e, ok := derbes.StorageEnd(cat.Purpose("p4.2d"), f, now)
	if !ok || e.Open || !e.Start.Equal(withdrawn) || !e.Until.Equal(withdrawn.AddDate(0, 1, 0)) {
		t.Errorf("p4.2d after withdrawal: %+v %v, want one month from the withdrawal", e, ok)
	}
	f.Consents = append(f.Consents, live)
	if e, _ := derbes.StorageEnd(cat.Purpose("p4.2d"), f, now); !e.Open {
		t.Errorf("p4.2d with a live consent: %+v, want open", e)
	}
	// "collected": twelve months from the consent, live or not.
	if e, _ := derbes.StorageEnd(cat.Purpose("p4.2e"), f, now); e.Open || !e.Until.Equal(t0.AddDate(1, 0, 0)) {
		t.Errorf("p4.2e: %+v, want twelve months from collection", e)
	}
	// A purpose that never touched the subject keeps nothing.
	if _, ok := derbes.StorageEnd(cat.Purpose("p5.2"), f, now); ok {
		t.Error("p5.2 related to a subject it never touched")
	}
	// An open request keeps the rights purpose open.
	f.Activity = map[string]time.Time{"rights": t0}
	f.Open = map[string]bool{"rights": true}
	if e, ok := derbes.StorageEnd(cat.Purpose("rights"), f, now.AddDate(10, 0, 0)); !ok || !e.Open {
		t.Errorf("rights with an open request: %+v %v", e, ok)
	}
	// A depersonalising purpose marks its due data.
	f = &derbes.RetentionFacts{Consents: []derbes.Consent{{GivenAt: t0, WithdrawnAt: &withdrawn, ConsentTerms: derbes.ConsentTerms{Purposes: []string{"p4.2e"}}}},
		Stored: map[string]derbes.Collected{"languages": {Purpose: "p4.2e", At: t0}}}
	if d := derbes.DecideRetention(cat, f, t0.AddDate(1, 0, 1)); !d.Depersonalise || !d.Whole || !slices.Equal(d.Due, []string{"languages"}) {
		t.Errorf("p4.2e-only data after its period: %+v", d)
	}
}
