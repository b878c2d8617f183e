package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/service"
)

// Loaded is what Load did.
type Loaded struct {
	Created int64
	Elapsed time.Duration
}

// Load creates n applicants of workload W through the service, as the API
// would (validation, minimisation, sealing under each subject's keys, blind
// indexes, consent, audit entries, group commit), with workers concurrent
// creates: the bulk path of the scale measurements, through the vault code
// and not around it. Applicants are generated as they are needed, so that
// the loader's memory is the uniqueness set (IINs and document numbers),
// not the population. progress, when not nil, is called with the running
// count now and then.
func Load(ctx context.Context, svc *service.Service, n, workers int, seed uint64, progress func(int64)) (Loaded, error) {
	if n < 1 || workers < 1 {
		return Loaded{}, fmt.Errorf("bench: load: want at least one applicant and one worker")
	}
	ctx = derbes.WithPrincipal(ctx, service.System("bench-load"))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seen := map[string]bool{}
	for _, d := range demo.People(app.DemoSeed, app.DemoSize) {
		seen["iin:"+d.Values["iin"]], seen["doc:"+d.Values["passport_number"]] = true, true
	}
	jobs := make(chan service.NewSubject, 4*workers)
	go func() {
		defer close(jobs)
		sent := 0
		for round := uint64(0); sent < n; round++ {
			for _, d := range demo.People(seed+round, chunk) {
				in, ok := newSubject(d, seen)
				if !ok {
					continue
				}
				select {
				case jobs <- in:
				case <-ctx.Done():
					return
				}
				if sent++; sent == n {
					return
				}
			}
		}
	}()
	var created atomic.Int64
	var once sync.Once
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for in := range jobs {
				if _, err := svc.CreateSubject(ctx, in); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
				if c := created.Add(1); progress != nil && c%1000 == 0 {
					progress(c)
				}
			}
		})
	}
	wg.Wait()
	res := Loaded{Created: created.Load(), Elapsed: time.Since(start)}
	if firstErr != nil {
		return res, fmt.Errorf("bench: load: after %d applicants: %w", res.Created, firstErr)
	}
	return res, ctx.Err()
}

// newSubject is d as a create of W, unless d lacks one of the 15 values or
// shares an IIN or document number with someone already made.
func newSubject(d demo.Person, seen map[string]bool) (service.NewSubject, bool) {
	vals := make(map[string]json.RawMessage, 15)
	for _, k := range Categories() {
		v, ok := d.Values[k]
		if !ok {
			return service.NewSubject{}, false
		}
		vals[k], _ = json.Marshal(v) // a string: cannot fail
	}
	iin, doc := "iin:"+d.Values["iin"], "doc:"+d.Values["passport_number"]
	if seen[iin] || seen[doc] {
		return service.NewSubject{}, false
	}
	seen[iin], seen[doc] = true, true
	return service.NewSubject{Kind: d.Kind, Citizenship: d.Citizenship, Purpose: Purpose, Values: vals,
		Consent: &service.NewConsent{Purposes: []string{Purpose, "p4.2a"}}, Source: derbes.Source{Kind: derbes.SourceSubject}}, true
}
