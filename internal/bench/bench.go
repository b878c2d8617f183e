// Package bench drives workload W against a running derbes on loopback and
// measures it: W is an applicant with 15 categories of purpose P-4.1b (5 of
// them searchable) created with its consent, then read back by IIN; every
// operation is audited and durable before derbes acknowledges it.
//
// For each client count, Run does two phases of Config.Duration each: a
// create phase, in which every client loops POST /api/v1/subjects with a
// fresh synthetic applicant, then a read phase, in which every client loops
// POST /api/v1/subjects/search by the IIN of an applicant the create phase
// made. An operation counts only when derbes answers as it should (201 with
// the 15 values; 200 with exactly one subject holding them); anything else
// is an error, described by status and problem rule, never by value.
//
// Around each phase Run reads the head of the audit trail, so the report
// says how many audit entries the phase wrote per successful operation: 2
// for a create (consent.give and subject.create), 1 for a read (one
// subject.search entry per subject found). A lost or extra audit row shows
// as a ratio off those numbers. The count is exact only when nothing else
// uses the server during the run.
//
// The applicants come from internal/demo, deterministic for Config.Seed; an
// applicant never shares its IIN or document number with another of the
// run or with the serve --demo population, since derbes refuses duplicates.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"time"
)

// Config says what to drive and for how long.
type Config struct {
	URL      string        // base URL of derbes; its host must be loopback
	Token    string        // API token; its role must read the audit trail and read and write under p4.1b
	Clients  []int         // concurrent client counts, one create and one read phase each
	Duration time.Duration // length of each phase
	Seed     uint64        // seed of the synthetic applicants
}

// Phases of a run.
const (
	PhaseCreate = "create"
	PhaseRead   = "read"
)

// Audit entries one successful operation writes: a create records the
// consent (consent.give) and the subject (subject.create); a search records
// one subject.search entry per subject found, and W finds exactly one.
const (
	AuditPerCreate = 2
	AuditPerRead   = 1
)

// Report is the result of a run, machine-readable as JSON.
type Report struct {
	Workload        string    `json:"workload"`
	URL             string    `json:"url"`
	Server          string    `json:"server,omitempty"` // what derbes ran on, when the caller knows
	Seed            uint64    `json:"seed"`
	DurationSeconds float64   `json:"durationSeconds"` // configured length of each phase
	CPUs            int       `json:"cpus"`            // of the machine running the bench
	GoVersion       string    `json:"goVersion"`
	Started         time.Time `json:"started"`
	Results         []Result  `json:"results"`
	// Ceiling, with --ceiling: what the bare storage did with the same rows
	// in the same run (internal/ceiling), per client count and phase.
	Ceiling *Ceiling `json:"ceiling,omitempty"`
}

// Ceiling describes the storage ceiling measured beside the run.
type Ceiling struct {
	Method       string          `json:"method"`
	RowsPerCopy  int             `json:"rowsPerCopy"`  // rows one create writes
	BytesPerCopy int             `json:"bytesPerCopy"` // their column bytes
	Results      []CeilingResult `json:"results"`
}

// CeilingResult is one bare-storage phase.
type CeilingResult struct {
	Clients   int     `json:"clients"`
	Phase     string  `json:"phase"`
	Ops       int64   `json:"ops"`
	OpsPerSec float64 `json:"opsPerSec"`
	P50Ms     float64 `json:"p50Ms"`
	P99Ms     float64 `json:"p99Ms"`
}

// SetCeiling records c and fills each result's ratio to the ceiling of
// the same phase and client count.
func (r *Report) SetCeiling(c *Ceiling) {
	r.Ceiling = c
	for i, x := range r.Results {
		for _, y := range c.Results {
			if y.Clients == x.Clients && y.Phase == x.Phase && y.OpsPerSec > 0 {
				r.Results[i].CeilingOpsPerSec = y.OpsPerSec
				r.Results[i].RatioToCeiling = x.OpsPerSec / y.OpsPerSec
			}
		}
	}
}

// Result is one phase at one client count.
type Result struct {
	Clients        int     `json:"clients"`
	Phase          string  `json:"phase"` // PhaseCreate or PhaseRead
	Ops            int64   `json:"ops"`   // successful operations
	Errors         int64   `json:"errors"`
	ElapsedSeconds float64 `json:"elapsedSeconds"` // from the start until the last client's last answer
	OpsPerSec      float64 `json:"opsPerSec"`      // Ops / ElapsedSeconds
	// Latency percentiles (nearest rank) and maximum of the successful
	// operations, in milliseconds, from sending the request to the end of
	// the answer's body.
	P50Ms float64 `json:"p50Ms"`
	P95Ms float64 `json:"p95Ms"`
	P99Ms float64 `json:"p99Ms"`
	MaxMs float64 `json:"maxMs"`
	// AuditEntries is how many audit entries the phase wrote (the bench's
	// own audit reads excluded); AuditExpected is AuditPerCreate or
	// AuditPerRead × Ops.
	AuditEntries  int64   `json:"auditEntries"`
	AuditExpected int64   `json:"auditExpected"`
	AuditPerOp    float64 `json:"auditPerOp"` // AuditEntries / Ops
	// CeilingOpsPerSec is the bare storage's rate for the same phase and
	// client count, RatioToCeiling OpsPerSec over it (with --ceiling).
	CeilingOpsPerSec float64 `json:"ceilingOpsPerSec,omitempty"`
	RatioToCeiling   float64 `json:"ratioToCeiling,omitempty"`
	// ErrorSamples are the first distinct kinds of error, with how often
	// each occurred.
	ErrorSamples []ErrorSample `json:"errorSamples,omitempty"`
}

// ErrorSample is one kind of error: status and problem rule (and field
// name), or a transport failure; never a value.
type ErrorSample struct {
	What  string `json:"what"`
	Count int64  `json:"count"`
}

// OK reports whether the run had no error and every phase wrote exactly
// the audit entries its successful operations should have.
func (r *Report) OK() bool {
	for _, x := range r.Results {
		if x.Errors != 0 || x.AuditEntries != x.AuditExpected || x.Ops == 0 {
			return false
		}
	}
	return len(r.Results) > 0
}

// Run drives workload W per cfg and reports. progress, when not nil,
// receives a line per phase as the run goes.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Report, error) {
	if err := CheckLoopback(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, errors.New("bench: an API token is required")
	}
	if len(cfg.Clients) == 0 || slices.Min(cfg.Clients) < 1 {
		return nil, errors.New("bench: client counts must be at least 1")
	}
	if cfg.Duration <= 0 {
		return nil, errors.New("bench: the phase duration must be positive")
	}
	if progress == nil {
		progress = io.Discard
	}
	hc, tr := newClient(slices.Max(cfg.Clients))
	defer tr.CloseIdleConnections()
	t := &target{base: trimBase(cfg.URL), token: cfg.Token, hc: hc}
	// Fail fast, before generating anyone, on a wrong URL or token.
	if _, err := t.auditHead(ctx); err != nil {
		return nil, err
	}
	rep := &Report{
		Workload: "W: an applicant with 15 categories of " + Purpose + " (5 searchable) created with its consent, " +
			"then read back by IIN; every operation audited and durable before it is acknowledged",
		URL: t.base, Seed: cfg.Seed, DurationSeconds: cfg.Duration.Seconds(),
		CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Started: time.Now().UTC(),
	}
	r := &runner{t: t, dur: cfg.Duration, pool: newPool(cfg.Seed), perClient: 300}
	for _, c := range cfg.Clients {
		created, err := r.phase(ctx, rep, c, PhaseCreate, nil, progress)
		if err != nil {
			return nil, err
		}
		if _, err := r.phase(ctx, rep, c, PhaseRead, created, progress); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// runner carries what the phases of one run share.
type runner struct {
	t         *target
	dur       time.Duration
	pool      *pool
	perClient float64 // best create rate per client so far, to size the pool
}

// worker is one client's loop state. Nothing in it is shared, so the hot
// path takes no lock.
type worker struct {
	lat     []time.Duration
	ok      int64
	errs    int64
	samples []ErrorSample
	created []string // IINs of the applicants this worker created
}

// maxSamples bounds the distinct error kinds kept.
const maxSamples = 5

func (w *worker) fail(what string) {
	w.errs++
	for i := range w.samples {
		if w.samples[i].What == what {
			w.samples[i].Count++
			return
		}
	}
	if len(w.samples) < maxSamples {
		w.samples = append(w.samples, ErrorSample{What: what, Count: 1})
	}
}

// phase runs one phase with c clients, appends its Result to rep, and
// returns the IINs a create phase made.
func (r *runner) phase(ctx context.Context, rep *Report, c int, name string, created []string, progress io.Writer) ([]string, error) {
	res := Result{Clients: c, Phase: name}
	var op func(ctx context.Context, w *worker, client, i int)
	capHint := int(math.Ceil(r.perClient*r.dur.Seconds()*1.2)) + 16
	switch name {
	case PhaseCreate:
		if need := min(capHint*c, 100_000); r.pool.remaining() < need {
			t0 := time.Now()
			r.pool.ensure(need)
			fmt.Fprintf(progress, "bench: %d client(s): %d synthetic applicants ready (%.1fs)\n", c, r.pool.remaining(), time.Since(t0).Seconds())
		}
		op = r.create
	case PhaseRead:
		if len(created) == 0 {
			res.Errors = 1
			res.ErrorSamples = []ErrorSample{{What: "no applicant was created to read", Count: 1}}
			rep.Results = append(rep.Results, res)
			fmt.Fprintf(progress, "bench: %d client(s), read: skipped, nothing was created\n", c)
			return nil, nil
		}
		op = searcher(r.t, created, c)
		capHint *= 2
	}
	before, err := r.t.auditHead(ctx)
	if err != nil {
		return nil, err
	}
	workers := make([]*worker, c)
	for i := range workers {
		workers[i] = &worker{lat: make([]time.Duration, 0, capHint)}
		if name == PhaseCreate {
			workers[i].created = make([]string, 0, capHint)
		}
	}
	grownBefore := r.pool.grown.Load()
	start := make(chan struct{})
	var deadline time.Time // set before start is closed, read after
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			<-start
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				op(ctx, w, i, n)
			}
		})
	}
	t0 := time.Now()
	deadline = t0.Add(r.dur)
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: interrupted during the %s phase: %w", name, err)
	}
	after, err := r.t.auditHead(ctx)
	if err != nil {
		return nil, err
	}
	var all []time.Duration
	var made []string
	for _, w := range workers {
		all = append(all, w.lat...)
		made = append(made, w.created...)
		res.Ops += w.ok
		res.Errors += w.errs
		res.ErrorSamples = mergeSamples(res.ErrorSamples, w.samples)
	}
	res.ElapsedSeconds = elapsed.Seconds()
	res.OpsPerSec = float64(res.Ops) / elapsed.Seconds()
	res.P50Ms, res.P95Ms, res.P99Ms, res.MaxMs = percentiles(all)
	// The "before" read wrote one audit entry, which "after" counts.
	res.AuditEntries = after - before - 1
	res.AuditExpected = AuditPerRead * res.Ops
	if name == PhaseCreate {
		res.AuditExpected = AuditPerCreate * res.Ops
	}
	if res.Ops > 0 {
		res.AuditPerOp = float64(res.AuditEntries) / float64(res.Ops)
	}
	if name == PhaseCreate && res.Ops > 0 {
		r.perClient = max(r.perClient, res.OpsPerSec/float64(c))
	}
	rep.Results = append(rep.Results, res)
	fmt.Fprintf(progress, "bench: %d client(s), %s: %d ok, %d errors in %.1fs (%.1f/s), %d audit entries (want %d)",
		c, name, res.Ops, res.Errors, res.ElapsedSeconds, res.OpsPerSec, res.AuditEntries, res.AuditExpected)
	if g := r.pool.grown.Load() - grownBefore; g > 0 {
		fmt.Fprintf(progress, "; applicants generated during the phase %d time(s)", g)
	}
	fmt.Fprintln(progress)
	return made, nil
}

// create is one create operation of W.
func (r *runner) create(ctx context.Context, w *worker, _, _ int) {
	a := r.pool.take()
	t0 := time.Now()
	status, body, err := r.t.do(ctx, http.MethodPost, "/api/v1/subjects", a.body)
	d := time.Since(t0)
	if err != nil {
		if ctx.Err() == nil {
			w.fail(transportError(err))
		}
		return
	}
	if what := checkCreate(status, body); what != "" {
		w.fail(what)
		return
	}
	w.ok++
	w.lat = append(w.lat, d)
	w.created = append(w.created, a.iin)
}

// searcher returns the read operation of W over the IINs created: client i
// of c starts at its own share of them and walks on, wrapping around.
func searcher(t *target, created []string, c int) func(ctx context.Context, w *worker, client, i int) {
	bodies := make([][]byte, len(created))
	for i, iin := range created {
		bodies[i], _ = json.Marshal(searchRequest{Purpose: Purpose, Category: "iin", Value: iin}) // strings: cannot fail
	}
	return func(ctx context.Context, w *worker, client, i int) {
		b := bodies[(client*len(bodies)/c+i)%len(bodies)]
		t0 := time.Now()
		status, body, err := t.do(ctx, http.MethodPost, "/api/v1/subjects/search", b)
		d := time.Since(t0)
		if err != nil {
			if ctx.Err() == nil {
				w.fail(transportError(err))
			}
			return
		}
		if what := checkSearch(status, body); what != "" {
			w.fail(what)
			return
		}
		w.ok++
		w.lat = append(w.lat, d)
	}
}

// mergeSamples adds more into into, keeping at most maxSamples kinds.
func mergeSamples(into, more []ErrorSample) []ErrorSample {
	for _, s := range more {
		i := slices.IndexFunc(into, func(x ErrorSample) bool { return x.What == s.What })
		switch {
		case i >= 0:
			into[i].Count += s.Count
		case len(into) < maxSamples:
			into = append(into, s)
		}
	}
	return into
}
