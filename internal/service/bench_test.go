package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
)

// benchValues is workload W's applicant: 15 categories of p4.1b, 5 of them
// searchable, with a unique IIN and passport number per n.
func benchValues(n int) map[string]string {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	birth := time.Date(1990+n%15, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC)
	return map[string]string{
		"full_name": "Тестов Бенчмарк Сергеевич", "iin": ident.GenerateIIN(r, birth, true),
		"passport_number": fmt.Sprintf("N%08d", n), "phone": "+77011234567", "email": fmt.Sprintf("b%d@example.kz", n),
		"passport_details": "МВД РК, 2021-03-04", "citizenship": "KZ", "education": "Школа-лицей №12",
		"professional_education_docs": "Колледж, 2020", "academic_degree": "Бакалавр", "languages": "қазақ, орыс",
		"specialty": "Информатика", "work_experience": "2 года", "position": "Стажёр", "address": "Алматы, ул. Абая 1",
	}
}

// BenchmarkCreateSubject measures a whole create of workload W on SQLite:
// validation, 15 seals, 5 blind indexes, consent, two chained audit
// entries, group-committed and durable (synchronous=FULL).
func BenchmarkCreateSubject(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := newEnv(b, engine)
			var n atomic.Int64
			b.SetParallelism(4) // 8 writers on 2 cores: enough to form group commits
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					_, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
						Consent: &NewConsent{Purposes: []string{"p4.1b"}}, Values: raw(benchValues(i)), Source: derbes.Source{Kind: derbes.SourceSubject}})
					if err != nil && derbes.CodeOf(err) != derbes.EConflict {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkSearchByIIN measures an audited read of workload W: blind-index
// lookup, 15 decrypts, and the audit entry made durable before returning.
func BenchmarkSearchByIIN(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := newEnv(b, engine)
			const pop = 200
			iins := make([]string, 0, pop)
			for i := range pop {
				v := benchValues(i)
				if _, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
					Consent: &NewConsent{Purposes: []string{"p4.1b"}}, Values: raw(v), Source: derbes.Source{Kind: derbes.SourceSubject}}); err == nil {
					iins = append(iins, v["iin"])
				}
			}
			var n atomic.Int64
			b.SetParallelism(4) // 8 writers on 2 cores: enough to form group commits
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					got, err := e.svc.Search(e.ctx, "p4.1b", "iin", iins[int(n.Add(1))%len(iins)])
					if err != nil || len(got) != 1 || len(got[0].Values) != 15 {
						b.Fatalf("search: %v, %d results", err, len(got))
					}
				}
			})
		})
	}
}

// BenchmarkRetentionAndStats measures a retention preview and a statistics
// extract over a population of 2,000 applicants (DERBES_STATS_N), per
// subject, against a baseline measured in the same run: walking the same
// subjects and reading only their consent histories.
func BenchmarkRetentionAndStats(b *testing.B) {
	n := 2000
	if s := os.Getenv("DERBES_STATS_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, engine := range dbtest.Engines() {
		e := newEnv(b, engine)
		_, _ = e.statsPopulation(b, n)
		perSubject := func(b *testing.B, f func() error) {
			b.ResetTimer()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+1), "ns/subject")
		}
		b.Run(engine+"/baseline-consents", func(b *testing.B) {
			perSubject(b, func() error {
				c := e.db.Read()
				for after := ""; ; {
					ids, err := c.SubjectIDs(context.Background(), after, 500)
					if err != nil || len(ids) == 0 {
						return err
					}
					after = ids[len(ids)-1]
					for _, id := range ids {
						if _, err := c.Consents(context.Background(), id); err != nil {
							return err
						}
					}
				}
			})
		})
		b.Run(engine+"/retention-preview", func(b *testing.B) {
			perSubject(b, func() error { _, err := e.svc.RetentionPreview(e.ctx, time.Time{}); return err })
		})
		b.Run(engine+"/stats-extract", func(b *testing.B) {
			perSubject(b, func() error { _, err := e.svc.MakeStatsExtract(e.ctx, 5); return err })
		})
	}
}

// BenchmarkAccessReport measures a subject's full access report (the
// performance issue: 50 values, 20 transfers, 500 audit entries, target
// ≤ 50 ms): everything derbes holds about them as the portal shows it
// (MyData: values opened, purposes, consents, transfers, requests, orders)
// and the audit entries of every access to their data.
func BenchmarkAccessReport(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(engine, func(b *testing.B) {
			e := newEnv(b, engine)
			uni, err := e.svc.CreateRecipient(e.ctx, store.Recipient{Kind: "education-org", Country: "KZ", Channel: "email",
				Contact: "office@example.org", Names: map[string]string{"kk": "Университет", "ru": "Университет", "en": "University"}})
			if err != nil {
				b.Fatal(err)
			}
			v, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
				Consent: &NewConsent{Purposes: []string{"p4.1b"}}, Values: raw(benchValues(1)), Source: derbes.Source{Kind: derbes.SourceSubject}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
				Recipients: []derbes.Recipient{{ID: uni.ID, Kind: "education-org", Country: "KZ"}}}); err != nil {
				b.Fatal(err)
			}
			for i := range 35 { // 15 values + 35 new versions = 50
				cat := []string{"email", "phone", "address", "position", "work_experience"}[i%5]
				val := map[string]string{"email": fmt.Sprintf("v%d@example.kz", i), "phone": fmt.Sprintf("+770112%05d", i),
					"address": fmt.Sprintf("Алматы, ул. Абая %d", i), "position": fmt.Sprintf("Стажёр %d", i), "work_experience": fmt.Sprintf("%d лет", i)}[cat]
				if _, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1b", Values: raw(map[string]string{cat: val}),
					Source: derbes.Source{Kind: derbes.SourceSubject}}); err != nil {
					b.Fatal(err)
				}
			}
			for range 20 {
				if _, err := e.svc.Transfer(e.ctx, TransferRequest{RecipientID: uni.ID, Purpose: "p4.2b1", Channel: "email",
					Subjects: []string{v.ID}, Categories: []string{"full_name", "iin", "education"}, Basis: "consent"}); err != nil {
					b.Fatal(err)
				}
			}
			for range 500 - 58 {
				if _, err := e.svc.Subject(e.ctx, v.ID, "p4.1b"); err != nil {
					b.Fatal(err)
				}
			}
			var values, entries int
			e.db.Raw().QueryRow(`SELECT COUNT(*) FROM pd_values WHERE subject_id = $1`, v.ID).Scan(&values)
			e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE subject_id = $1`, v.ID).Scan(&entries)
			if values != 50 || entries < 500 {
				b.Fatalf("the subject has %d values and %d audit entries", values, entries)
			}
			b.ResetTimer()
			for b.Loop() {
				d, err := e.svc.MyData(e.ctx, v.ID)
				if err != nil || len(d.Transfers) < 20 {
					b.Fatalf("%v, %d transfers", err, len(d.Transfers))
				}
				trail, err := e.svc.AuditTrail(e.ctx, store.AuditFilter{SubjectID: v.ID, Limit: 1000})
				if err != nil || len(trail) < 500 {
					b.Fatalf("%v, %d entries", err, len(trail))
				}
			}
		})
	}
}
