package service

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/ident"
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
