// Package demo makes a synthetic population of applicants for demos, load
// tests and screenshots. Nobody in it is real: names are drawn from lists
// and combined at random, identifiers are generated with valid check
// digits but random serials, phones are random subscriber numbers, e-mail
// addresses are under the reserved example.* domains, cities are invented.
//
// Every value that internal/ident has a validator for is in the canonical
// form it returns, so a demo person goes through the same checks as a real one.
// The population is deterministic for a seed, so a demo or a failing test
// can be reproduced.
package demo

import (
	"math/rand/v2"
	"time"

	"github.com/derbes-kz/derbes/internal/ident"
)

// Person is one synthetic applicant: the values are catalogue category keys
// → string values in their canonical forms.
//
// Values holds every key of Keys, except that a stateless person has no
// "citizenship": a country code cannot say "none", and Citizenship already
// says "stateless".
type Person struct {
	Kind        string // always "applicant"
	Citizenship string // "kz-citizen", "foreign-citizen" or "stateless"
	Values      map[string]string
}

// Keys returns the catalogue category keys that People fills, in a fixed
// order.
func Keys() []string {
	return []string{
		"full_name", "iin", "passport_number", "passport_details", "phone", "email",
		"address", "citizenship", "education", "languages", "specialty", "workplace",
		"position", "work_experience", "income", "tax_status", "military_registration",
		"professional_education_docs", "academic_degree", "other",
	}
}

// asOf is the date the population is generated "as of". It is fixed, not
// time.Now, so that a seed gives the same people next year too.
func asOf() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// People returns n synthetic applicants, the same ones for the same seed
// (and the same n: person i does not depend on n). About 88% are Kazakh
// citizens, 10% foreign citizens of RU, UZ, KG, CN or TR, 2% stateless;
// birth years are 1995–2009; IINs and e-mail addresses are unique.
// It returns nil for n <= 0 and never fails.
func People(seed uint64, n int) []Person {
	if n <= 0 {
		return nil
	}
	g := &gen{
		r:      rand.New(rand.NewPCG(seed, 0x64656d6f)), // "demo"
		iins:   make(map[string]bool, n),
		emails: make(map[string]bool, n),
	}
	out := make([]Person, n)
	for i := range out {
		out[i] = g.person()
	}
	return out
}

// gen carries the random source and what must stay unique across people.
type gen struct {
	r      *rand.Rand
	iins   map[string]bool
	emails map[string]bool
}

// subject is what the values of one person are derived from.
type subject struct {
	status  string // Person.Citizenship
	country string // ISO code, "" when stateless
	male    bool
	birth   time.Time
	surname string
	given   string
}

func (g *gen) person() Person {
	s := g.subject()
	p := kazakhPool()
	switch {
	case s.country != "KZ" && s.country != "":
		p = foreignPool(s.country)
	case g.r.IntN(10) < 3: // Kazakhstan's Russian-named citizens
		p = russianPool()
	}
	v := map[string]string{"iin": g.iin(s.birth, s.male)}
	s.surname, s.given, v["full_name"] = p.fullName(g.r, s.male)
	if s.country != "" {
		v["citizenship"] = s.country
	}
	g.documents(s, v)
	g.contacts(s, v)
	g.career(s, v)
	return Person{Kind: "applicant", Citizenship: s.status, Values: v}
}

// subject draws citizenship, sex and date of birth.
func (g *gen) subject() subject {
	s := subject{status: "kz-citizen", country: "KZ", male: g.r.IntN(2) == 0}
	switch roll := g.r.IntN(100); {
	case roll < 2:
		s.status, s.country = "stateless", ""
	case roll < 12:
		foreign := []string{"RU", "RU", "RU", "RU", "UZ", "UZ", "KG", "KG", "CN", "TR"}
		s.status, s.country = "foreign-citizen", foreign[g.r.IntN(len(foreign))]
	}
	first := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	s.birth = first.AddDate(0, 0, g.r.IntN(days))
	return s
}

// iin draws IINs until one is new: 10,000 serials per birthday and sex
// make a clash rare, but a demo database has a unique index on it.
func (g *gen) iin(birth time.Time, male bool) string {
	for {
		s := ident.GenerateIIN(g.r, birth, male)
		if !g.iins[s] {
			g.iins[s] = true
			return s
		}
	}
}

// age returns full years at asOf.
func (s subject) age() int {
	a := asOf().Year() - s.birth.Year()
	if s.birth.AddDate(a, 0, 0).After(asOf()) {
		a--
	}
	return a
}
