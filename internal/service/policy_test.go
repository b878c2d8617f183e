package service

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/policy"
)

// testClock is a settable clock for the service (tests run in one goroutine).
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func (c *testClock) step() { c.t = c.t.Add(time.Minute) }

// withClock makes e's service read c, starting at a fixed time.
func (e *env) withClock() *testClock {
	c := &testClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	e.svc.now = c.now
	return c
}

// policyV2 is a valid version 2: it adds a purpose, a category and a kind
// of recipient.
func policyV2() policy.Version {
	return policy.Version{
		Effective: "2026-04-01",
		Texts: map[string]string{
			"kk": "# Саясат\n\n- **4.2** c. сапаны жақсарту.\n",
			"ru": "# Политика\n\n- **4.2** c. улучшение качества.\n",
			"en": "# Policy\n\n- **4.2** c. improving quality.\n",
		},
		Summary: map[string]string{"kk": "4.2c мақсаты қосылды", "ru": "Добавлена цель 4.2c", "en": "Adds purpose 4.2c"},
		Adds:    policy.Adds{Purposes: []string{"p4.2c"}, Categories: []string{"languages"}, RecipientKinds: []string{"insurer"}},
	}
}

// covers R-OPS-2
func TestEnsurePolicySeedsVersion1(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		for range 2 {
			if err := e.svc.EnsurePolicy(ctx); err != nil {
				t.Fatal(err)
			}
		}
		vs, err := e.svc.PolicyVersions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seed, _ := policy.Seed()
		if len(vs) != 1 || vs[0].Number != 1 || vs[0].Effective != seed.Effective || vs[0].PublishedBy != "system:install" ||
			!maps.Equal(vs[0].Texts, seed.Texts) || !maps.Equal(vs[0].Summary, seed.Summary) || !vs[0].Adds.Empty() {
			t.Fatalf("versions = %d, first %+v", len(vs), vs[0].Adds)
		}
		if a := e.lastAudit(); a.Action != "policy.publish" || a.Actor != "system:install" || a.Outcome != derbes.OutcomeOK {
			t.Errorf("audit = %+v", a)
		}
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'policy.publish'`).Scan(&n)
		if n != 1 {
			t.Errorf("%d policy.publish entries, want 1 (EnsurePolicy is idempotent)", n)
		}
	})
}

// covers R-OPS-2
func TestPublishPolicyRefusesBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		if err := e.svc.EnsurePolicy(e.ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name        string
			edit        func(v *policy.Version)
			field, rule string
		}{
			{"text missing", func(v *policy.Version) { delete(v.Texts, "en") }, "texts.en", "required"},
			{"text blank", func(v *policy.Version) { v.Texts["kk"] = " \n " }, "texts.kk", "required"},
			{"extra language", func(v *policy.Version) { v.Texts["de"] = "x" }, "texts", "language"},
			{"control character", func(v *policy.Version) { v.Texts["ru"] = "a\x00b" }, "texts.ru", "text-control"},
			{"text too long", func(v *policy.Version) { v.Texts["en"] = strings.Repeat("x", maxPolicyTextBytes+1) }, "texts.en", "text-length"},
			{"summary missing", func(v *policy.Version) { delete(v.Summary, "kk") }, "summary.kk", "required"},
			{"summary two lines", func(v *policy.Version) { v.Summary["ru"] = "a\nb" }, "summary.ru", "text-single-line"},
			{"no effective date", func(v *policy.Version) { v.Effective = "" }, "effective", "required"},
			{"not a date", func(v *policy.Version) { v.Effective = "2026-02-30" }, "effective", "date-format"},
			{"not the format", func(v *policy.Version) { v.Effective = "01.04.2026" }, "effective", "date-format"},
			{"before version 1", func(v *policy.Version) { v.Effective = "2025-12-31" }, "effective", "effective-before-previous"},
			{"unknown purpose", func(v *policy.Version) { v.Adds.Purposes = []string{"p9.9"} }, "adds.purposes", "purpose-unknown"},
			{"unknown category", func(v *policy.Version) { v.Adds.Categories = []string{"salary"} }, "adds.categories", "category-unknown"},
			{"repeated category", func(v *policy.Version) { v.Adds.Categories = []string{"income", "income"} }, "adds.categories", "repeated"},
			{"unknown recipient kind", func(v *policy.Version) { v.Adds.RecipientKinds = []string{"bank"} }, "adds.recipientKinds", "recipient-kind-unknown"},
		} {
			t.Run(c.name, func(t *testing.T) {
				v := policyV2()
				c.edit(&v)
				_, err := e.svc.PublishPolicy(e.ctx, v)
				wantErr(t, err, derbes.EInvalid, c.field, c.rule)
				if a := e.lastAudit(); a.Action != "policy.publish" || a.Outcome != derbes.OutcomeRefused || a.Reason != c.rule {
					t.Errorf("audit = %+v", a)
				}
			})
		}
		// Only the responsible person publishes; the refusal is audited.
		for _, role := range []string{RoleAdmissions, RoleAdmin, RoleAuditor} {
			_, err := e.svc.PublishPolicy(as(context.Background(), role, DefaultRoles()), policyV2())
			wantErr(t, err, derbes.EForbidden, "", "permission")
			if a := e.lastAudit(); a.Action != "policy.publish" || a.Actor != "test:"+role || a.Outcome != derbes.OutcomeRefused || a.Reason != "permission" {
				t.Errorf("%s: audit = %+v", role, a)
			}
		}
		if n := e.count("policy_versions"); n != 1 {
			t.Fatalf("%d versions after refusals, want 1", n)
		}
		// Version numbers follow on; an equal effective date is allowed.
		for want := 2; want <= 3; want++ {
			v, err := e.svc.PublishPolicy(e.ctx, policyV2())
			if err != nil {
				t.Fatal(err)
			}
			if v.Number != want || v.PublishedBy != "test:"+RoleResponsible {
				t.Errorf("published %d by %s, want %d", v.Number, v.PublishedBy, want)
			}
		}
	})
}

// covers R-OPS-2
func TestReconsentAfterPolicyAdds(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := e.withClock()
		if err := e.svc.EnsurePolicy(e.ctx); err != nil {
			t.Fatal(err)
		}
		person := func(name string) map[string]string {
			return map[string]string{"full_name": name, "education": "School No. 1, 2025", "phone": "+7 701 123 45 67"}
		}
		createWith := func(name string, c NewConsent) string {
			t.Helper()
			clock.step()
			v, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
				Consent: &c, Values: raw(person(name)), Source: derbes.Source{Kind: derbes.SourceSubject}})
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return v.ID
		}
		// Before version 2:
		// a consented to p4.1b naming no categories (derbes records all that
		// p4.1b had then, languages among them);
		a := createWith("Subject A", NewConsent{Purposes: []string{"p4.1b"}})
		// d consented to p4.1b naming three categories, not languages;
		d := createWith("Subject D", NewConsent{Purposes: []string{"p4.1b"}, Categories: []string{"full_name", "education", "phone"}})
		// b consented to p4.1b and p4.2c, naming the categories, languages among them;
		b := createWith("Subject B", NewConsent{Purposes: []string{"p4.1b", "p4.2c"},
			Categories: []string{"full_name", "education", "phone", "languages"}})
		// c consented to p4.1b and to p4.2b3 without transfer to third parties;
		c := createWith("Subject C", NewConsent{Purposes: []string{"p4.1b", "p4.2b3"}})
		// w consented, then withdrew.
		w := createWith("Subject W", NewConsent{Purposes: []string{"p4.1b"}})
		ks, err := e.svc.Consents(e.ctx, w)
		if err != nil || len(ks) != 1 {
			t.Fatal(ks, err)
		}
		clock.step()
		if _, err := e.svc.WithdrawConsent(e.ctx, w, ks[0].ID, "withdrawn by the subject"); err != nil {
			t.Fatal(err)
		}

		clock.step()
		v2, err := e.svc.PublishPolicy(e.ctx, policyV2())
		if err != nil {
			t.Fatal(err)
		}
		if v2.Number != 2 {
			t.Fatalf("published version %d, want 2", v2.Number)
		}
		if a := e.lastAudit(); a.Action != "policy.publish" || a.Outcome != derbes.OutcomeOK || a.Purpose != "p4.2c" ||
			!slices.Equal(a.Categories, []string{"languages"}) {
			t.Errorf("audit = %+v", a)
		}
		// After version 2, n consents under the new text: not affected.
		n := createWith("Subject N", NewConsent{Purposes: []string{"p4.1b"}})
		// c consents to transfer to an insurer after version 2.
		clock.step()
		if _, err := e.svc.GiveConsent(e.ctx, c, NewConsent{Purposes: []string{"p4.2b3"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{Kind: "insurer", Country: "KZ"}}}); err != nil {
			t.Fatal(err)
		}

		report := func(version int) map[string][]string {
			t.Helper()
			items, err := e.svc.ReconsentNeeded(e.ctx, version)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string][]string{}
			for _, it := range items {
				out[it.SubjectID] = it.Missing
			}
			if a := e.lastAudit(); a.Action != "policy.reconsent-report" || a.Outcome != derbes.OutcomeOK || a.SubjectID != "" {
				t.Errorf("audit = %+v", a)
			}
			return out
		}
		got := report(2)
		want := map[string][]string{
			a: {"purpose:p4.2c"},
			c: {"purpose:p4.2c"},
			d: {"purpose:p4.2c", "category:p4.1b/languages"},
		}
		if len(got) != len(want) {
			t.Errorf("report lists %d subjects, want %d: %v", len(got), len(want), got)
		}
		for id, m := range want {
			if !slices.Equal(got[id], m) {
				t.Errorf("subject %s missing %v, want %v", id, got[id], m)
			}
		}
		for _, id := range []string{b, w, n} {
			if _, listed := got[id]; listed {
				t.Errorf("subject %s listed: %v", id, got[id])
			}
		}
		// Before c's new consent it lacked the insurer too.
		clock.t = clock.t.Add(-90 * time.Second)
		if got := report(2); !slices.Equal(got[c], []string{"purpose:p4.2c", "recipientKind:p4.2b3/insurer"}) {
			t.Errorf("c before its new consent: %v", got[c])
		}
		clock.t = clock.t.Add(90 * time.Second)

		// a re-consents: it is no longer listed.
		clock.step()
		if _, err := e.svc.GiveConsent(e.ctx, a, NewConsent{Purposes: []string{"p4.1b", "p4.2c"}}); err != nil {
			t.Fatal(err)
		}
		if got := report(2); len(got[a]) != 0 || len(got[c]) != 1 {
			t.Errorf("after a's re-consent: %v", got)
		}
		// Version 1 adds nothing; an unknown version is not found.
		if got := report(1); len(got) != 0 {
			t.Errorf("version 1 report: %v", got)
		}
		_, err = e.svc.ReconsentNeeded(e.ctx, 9)
		wantErr(t, err, derbes.ENotFound, "version", "not-found")
		// The report reads every subject's consents: read under every purpose.
		for _, role := range []string{RoleAdmissions, RoleAuditor} {
			_, err := e.svc.ReconsentNeeded(as(context.Background(), role, DefaultRoles()), 2)
			wantErr(t, err, derbes.EForbidden, "", "permission")
			if a := e.lastAudit(); a.Action != "policy.reconsent-report" || a.Outcome != derbes.OutcomeRefused {
				t.Errorf("%s: audit = %+v", role, a)
			}
		}
	})
}
