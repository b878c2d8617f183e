package bench

import (
	"encoding/json"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/demo"
)

// Purpose is the purpose every applicant of workload W is created and read
// under (P-4.1b, admission services).
const Purpose = "p4.1b"

// Categories are the 15 categories of Purpose that every applicant of W
// carries: every category of P-4.1b except the three file categories
// (identity_scan, photo, education_files) and the free-form "other".
func Categories() []string {
	return []string{
		"full_name", "iin", "passport_number", "phone", "email", // searchable
		"passport_details", "citizenship", "education", "professional_education_docs", "academic_degree",
		"languages", "specialty", "work_experience", "position", "address",
	}
}

// Searchable are the five categories of Categories with a search index.
func Searchable() []string { return Categories()[:5] }

// chunk is how many people one demo.People call makes. demo.People keeps
// e-mail addresses unique with a search that grows with the population, so
// small calls under successive seeds are far cheaper than one large call.
const chunk = 1000

// applicant is one pre-encoded create request and the IIN to read it back by.
type applicant struct {
	iin  string
	body []byte
}

// pool hands out applicants that no other applicant of the run, nor the
// demo population of serve --demo, shares an IIN or a document number with:
// both are unique in derbes, so a clash would be a 409, not a measurement.
// The hot path (take) is an atomic increment and an atomic load; only an
// exhausted pool takes the mutex, to grow.
type pool struct {
	people atomic.Pointer[[]applicant] // replaced, never modified, when grown
	next   atomic.Int64
	grown  atomic.Int64 // growths under load (take found the pool exhausted)

	mu    sync.Mutex // guards growth and what follows
	seed  uint64
	round uint64          // the next demo.People call is seed+round
	seen  map[string]bool // "iin:…" and "doc:…" already handed out
}

func newPool(seed uint64) *pool {
	p := &pool{seed: seed, seen: map[string]bool{}}
	for _, d := range demo.People(app.DemoSeed, app.DemoSize) {
		p.seen["iin:"+d.Values["iin"]] = true
		p.seen["doc:"+d.Values["passport_number"]] = true
	}
	p.people.Store(&[]applicant{})
	return p
}

// remaining is how many applicants are ready and not yet taken.
func (p *pool) remaining() int {
	return len(*p.people.Load()) - int(p.next.Load())
}

// ensure grows the pool until at least n applicants are ready and untaken.
// Run calls it between phases, so that generation is not measured.
func (p *pool) ensure(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.remaining() < n {
		p.grow()
	}
}

// take returns the next unused applicant.
func (p *pool) take() applicant {
	i := int(p.next.Add(1) - 1)
	if s := *p.people.Load(); i < len(s) {
		return s[i]
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(*p.people.Load()) <= i {
		p.grown.Add(1)
		p.grow()
	}
	return (*p.people.Load())[i]
}

// grow appends the usable people of the next demo.People call. The caller
// holds mu.
func (p *pool) grow() {
	old := *p.people.Load()
	fresh := make([]applicant, 0, chunk)
	for _, d := range demo.People(p.seed+p.round, chunk) {
		if a, ok := p.usable(d); ok {
			fresh = append(fresh, a)
		}
	}
	p.round++
	all := slices.Concat(old, fresh)
	p.people.Store(&all)
}

// usable encodes d as a create request of W, unless d lacks one of the 15
// values (a stateless person has no citizenship) or clashes with someone
// already handed out.
func (p *pool) usable(d demo.Person) (applicant, bool) {
	vals := make(map[string]string, 15)
	for _, k := range Categories() {
		v, ok := d.Values[k]
		if !ok {
			return applicant{}, false
		}
		vals[k] = v
	}
	iin, doc := "iin:"+vals["iin"], "doc:"+vals["passport_number"]
	if p.seen[iin] || p.seen[doc] {
		return applicant{}, false
	}
	p.seen[iin], p.seen[doc] = true, true
	body, err := json.Marshal(createRequest{
		Kind: d.Kind, Citizenship: d.Citizenship, Purpose: Purpose,
		Consent: consent{Purposes: []string{Purpose, "p4.2a"}},
		Source:  source{Kind: "subject"}, Values: vals,
	})
	if err != nil {
		panic("bench: encoding a create request: " + err.Error())
	}
	return applicant{iin: vals["iin"], body: body}, true
}

// createRequest is the body of POST /api/v1/subjects.
type createRequest struct {
	Kind        string            `json:"kind"`
	Citizenship string            `json:"citizenship"`
	Purpose     string            `json:"purpose"`
	Consent     consent           `json:"consent"`
	Source      source            `json:"source"`
	Values      map[string]string `json:"values"`
}

type consent struct {
	Purposes []string `json:"purposes"`
}

type source struct {
	Kind string `json:"kind"`
}

// searchRequest is the body of POST /api/v1/subjects/search.
type searchRequest struct {
	Purpose  string `json:"purpose"`
	Category string `json:"category"`
	Value    string `json:"value"`
}
