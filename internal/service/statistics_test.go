package service

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/anon"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/store"
)

// statsPopulation creates n synthetic applicants (demo people, every
// third without consent to statistics) with an order each, in parallel,
// and one rare applicant: stateless, 41, studying archaeology in New
// Zealand. It returns the rare subject's id and the consenting count.
func (e *env) statsPopulation(t testing.TB, n int) (rare string, consenting int) {
	t.Helper()
	countries := []string{"KZ", "KZ", "KZ", "KZ", "KZ", "RU", "RU", "TR", "CN", "KR"}
	unis := map[string]string{}
	for _, c := range append(countries, "NZ") {
		if unis[c] != "" {
			continue
		}
		r, err := e.svc.CreateRecipient(e.ctx, store.Recipient{Kind: "education-org", Country: c, Channel: "email", Contact: "office@example.org",
			Names: map[string]string{"kk": "Университет " + c, "ru": "Университет " + c, "en": "University " + c}})
		if err != nil {
			t.Fatal(err)
		}
		unis[c] = r.ID
	}
	programmes := []string{"Информатика", "Медицина", "Экономика", "Юриспруденция", "Инженерия"}
	people := demo.People(7, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				p := people[i]
				purposes := []string{"p4.1b", "p4.2e"}
				if i%3 == 2 {
					purposes = purposes[:1]
				}
				vals := map[string]string{"full_name": p.Values["full_name"], "iin": p.Values["iin"], "address": p.Values["address"]}
				if c := p.Values["citizenship"]; c != "" {
					vals["citizenship"] = c
				}
				v, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: p.Citizenship, Purpose: "p4.1b",
					Consent: &NewConsent{Purposes: purposes}, Values: raw(vals), Source: derbes.Source{Kind: derbes.SourceSubject}})
				if err == nil {
					_, err = e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{unis[countries[i%len(countries)]]},
						AcademicYear: []string{"2025/2026", "2026/2027"}[i%2], Programme: programmes[i%len(programmes)]})
				}
				if err != nil {
					errs <- fmt.Errorf("applicant %d: %w", i, err)
					return
				}
				if len(purposes) == 2 {
					mu.Lock()
					consenting++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "stateless", Purpose: "p4.1b",
		Consent: &NewConsent{Purposes: []string{"p4.1b", "p4.2e"}},
		Values:  raw(map[string]string{"full_name": "Жоқбаев Сирек Бірегейұлы", "iin": "850101300015", "address": "Ұлытау облысы, Жезқазған, Бірлік к-сі, 1"}),
		Source:  derbes.Source{Kind: derbes.SourceSubject}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateOrder(e.ctx, v.ID, NewOrder{Services: []string{"admission"}, Institutions: []string{unis["NZ"]},
		AcademicYear: "2026/2027", Programme: "Археология"}); err != nil {
		t.Fatal(err)
	}
	return v.ID, consenting + 1
}

// covers R-RETAIN-2 (done-when: a k-anonymity test on a generated
// population of 10,000 subjects: every released group ≥ k; a deliberately
// rare subject is not identifiable in the extract; the extract is
// reproducible from its recorded specification; only subjects whose
// consent covers P-4.2e are included).
func TestStatsExtractIsKAnonymous(t *testing.T) {
	n := 10000
	if s := os.Getenv("DERBES_STATS_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	eachEngine(t, func(t *testing.T, e *env) {
		start := time.Now()
		rare, consenting := e.statsPopulation(t, n)
		t.Logf("%d applicants created in %v", n+1, time.Since(start).Round(time.Millisecond))
		start = time.Now()
		x, err := e.svc.MakeStatsExtract(e.ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("extract made in %v: %d of %d rows released, levels %v", time.Since(start).Round(time.Millisecond),
			len(x.Applicants().Rows), consenting, x.Spec.Levels)
		body, _ := json.Marshal(x)
		for name, v := range x.Views {
			if err := anon.Check(v.Rows, 5); err != nil {
				t.Errorf("view %s: %v", name, err)
			}
			if got := len(v.Rows) + v.Suppressed; got != consenting {
				t.Errorf("view %s covers %d subjects, want the %d who consented to P-4.2e", name, got, consenting)
			}
			for _, row := range v.Rows {
				if strings.Contains(strings.Join(row, "|"), "NZ") {
					t.Errorf("view %s releases the rare applicant's country: %v", name, row)
				}
			}
		}
		if len(x.Applicants().Rows) < consenting/2 {
			t.Errorf("only %d of %d rows released: the extract is useless", len(x.Applicants().Rows), consenting)
		}
		for name, cells := range x.Tables {
			for _, c := range cells {
				if c.Count < 5 {
					t.Errorf("table %s releases a cell of %d", name, c.Count)
				}
			}
		}
		if strings.Contains(string(body), "850101300015") || strings.Contains(string(body), "Жоқбаев") || strings.Contains(string(body), rare) {
			t.Error("the extract holds an identifier of the rare applicant")
		}
		if got := x.Tables["ordersByStatus"]; len(got) != 1 || got[0].Key != "draft" || got[0].Count != consenting {
			t.Errorf("orders by status %+v, want %d drafts", got, consenting)
		}
		// Reproducible: the recorded spec gives the same digest.
		again, same, err := e.svc.ReproduceStatsExtract(e.ctx, x.ID)
		if err != nil || !same || again.Digest != x.Digest {
			t.Errorf("reproduction: same=%v %v", same, err)
		}
		// The admissions manager reads statistics but may not export them.
		adm := as(context.Background(), RoleAdmissions, DefaultRoles())
		if got, err := e.svc.StatsExtractByID(adm, ""); err != nil || got.ID != x.ID {
			t.Errorf("admissions reads the newest extract: %v", err)
		}
		_, err = e.svc.StatsCSV(adm, "")
		wantErr(t, err, derbes.EForbidden, "", "permission")
		_, err = e.svc.MakeStatsExtract(e.ctx, 1)
		wantErr(t, err, derbes.EInvalid, "k", "range")
	})
}

// covers R-RETAIN-2: a withdrawal takes the subject out of the next
// extract; a subject destroyed by retention after consenting to P-4.2e
// stays in statistics only as a depersonalised record.
func TestStatsFollowConsentAndRetention(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		_, consenting := e.statsPopulation(t, 12)
		x, err := e.svc.MakeStatsExtract(e.ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(x.Views["year"].Rows) + x.Views["year"].Suppressed; got != consenting {
			t.Fatalf("extract covers %d, want %d", got, consenting)
		}
		// Everyone's period passes (drafts never close, so P-4.1b stays
		// open: withdraw the contract consent of one, the statistics
		// consent of another).
		ids := column(t, e, `SELECT subject_id FROM consent_events WHERE terms LIKE '%p4.2e%' ORDER BY subject_id`)
		ks, err := e.svc.Consents(e.ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if _, err := e.svc.WithdrawConsent(e.ctx, ids[0], k.ID, "test"); err != nil {
				t.Fatal(err)
			}
		}
		clock.t = clock.t.AddDate(6, 0, 0)
		if err := e.svc.SetRetentionAuto(e.ctx, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.Raw().Exec(`UPDATE orders SET closed_at = $1`, clock.t.AddDate(-6, 0, 0).UnixMicro()); err != nil {
			t.Fatal(err)
		}
		act, _, err := e.svc.RunRetention(e.ctx)
		if err != nil || act == nil {
			t.Fatalf("retention: %v %v", act, err)
		}
		deper := 0
		for _, it := range act.Items {
			if it.Action == RetainDepersonalise {
				deper++
			}
		}
		if deper == 0 || deper != e.count("depersonalised") {
			t.Errorf("%d items depersonalised, %d records kept", deper, e.count("depersonalised"))
		}
		var body string
		e.db.Raw().QueryRow(`SELECT body FROM depersonalised`).Scan(&body)
		if strings.Contains(body, "@") || len(body) > 200 {
			t.Errorf("a depersonalised record %q", body)
		}
		x2, err := e.svc.MakeStatsExtract(e.ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(x2.Views["year"].Rows) + x2.Views["year"].Suppressed; got != deper {
			t.Errorf("after retention the extract covers %d, want the %d depersonalised records", got, deper)
		}
	})
}

func column(t *testing.T, e *env, q string) []string {
	t.Helper()
	rows, err := e.db.Raw().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		if len(out) == 0 || out[len(out)-1] != s {
			out = append(out, s)
		}
	}
	return out
}
