package service

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/anon"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// statsPurpose is statistics and research on depersonalised data (P-4.2e).
const statsPurpose = "p4.2e"

// StatColumns are the extract's quasi-identifiers, in column order: the
// only attributes a depersonalised row has (R-RETAIN-2).
var StatColumns = []string{"age", "region", "citizenship", "studyCountry", "field", "year"}

func statAttributes() []anon.Attribute {
	return []anon.Attribute{anon.AgeBand(), anon.Region(), anon.CitizenshipGroup(), anon.StudyCountry(), anon.Field(), anon.Year()}
}

// statRecord is one subject's quasi-identifiers before generalisation:
// age in years, region key, citizenship country, country of study, field
// key, academic year. Never a name, number, contact or address.
type statRecord [6]string

func (r statRecord) encode() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// StatsSpec is the recorded specification an extract is made from: with
// the same data, the same spec gives the same extract.
type StatsSpec struct {
	K           int       `json:"k"`
	MaxSuppress float64   `json:"maxSuppress"`
	AsOf        time.Time `json:"asOf"` // ages are counted at this date
	Columns     []string  `json:"columns"`
	// Levels are the generalisation levels chosen per view and column
	// (filled in when the extract is released; a reproduction applies them
	// as given).
	Levels     map[string][]int `json:"levels,omitempty"`
	Population string           `json:"population"`
	Catalogue  int              `json:"catalogue"`
}

// StatCount is one released cell of an aggregate table.
type StatCount struct {
	Key    string `json:"key"`
	Series string `json:"series,omitempty"`
	Count  int    `json:"count"`
}

// StatView is one k-anonymous release over some of the quasi-identifiers:
// generalised rows, every combination shared by at least K subjects.
type StatView struct {
	Columns    []string   `json:"columns"`
	Rows       [][]string `json:"rows"`
	Suppressed int        `json:"suppressed"`
}

// statViews are the releases an extract makes: the research microdata
// over every quasi-identifier (the CSV export), and narrower views that
// keep the detail each chart needs. Each view is anonymised on its own.
var statViews = []struct {
	name string
	cols []int // indexes into StatColumns
}{
	{"applicants", []int{0, 1, 2, 3, 4, 5}},
	{"countryField", []int{3, 4}},
	{"year", []int{5}},
	{"ageCitizenship", []int{0, 2}},
	{"region", []int{1}},
}

// StatsExtract is a released depersonalised extract: k-anonymous views and
// aggregate tables whose every cell counts at least K.
type StatsExtract struct {
	ID     string                 `json:"id"`
	At     time.Time              `json:"at"`
	Spec   StatsSpec              `json:"spec"`
	Views  map[string]*StatView   `json:"views"`
	Tables map[string][]StatCount `json:"tables"`
	Digest string                 `json:"digest"`
}

// Applicants is the research microdata view (every quasi-identifier).
func (x *StatsExtract) Applicants() *StatView { return x.Views["applicants"] }

// statsBody is what the digest covers.
type statsBody struct {
	Views  map[string]*StatView   `json:"views"`
	Tables map[string][]StatCount `json:"tables"`
}

// population is what an extract is made from, before anonymisation.
type population struct {
	records []statRecord
	tables  map[string]map[[2]string]int
}

// MakeStatsExtract builds and releases a depersonalised extract
// (R-RETAIN-2) with k (0: the default 5): subjects whose live consent
// covers P-4.2e, plus the depersonalised records kept when data was
// destroyed; k-anonymity is checked before anything is stored.
// Errors: EInvalid (k), EForbidden.
func (s *Service) MakeStatsExtract(ctx context.Context, k int) (*StatsExtract, error) {
	const action = "stats.extract"
	if k == 0 {
		k = 5
	}
	var err error
	switch {
	case !s.mayExport(ctx):
		err = s.denied(ctx, "", "your role may not make statistics extracts")
	case k < 2 || k > 1000:
		err = derbes.Invalid("k", "range", "k is between 2 and 1000")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", statsPurpose, nil, err)
	}
	spec := StatsSpec{K: k, MaxSuppress: 0.02, AsOf: s.now().UTC().Truncate(24 * time.Hour), Columns: StatColumns,
		Population: "live consent to " + statsPurpose + " and depersonalised records", Catalogue: s.cat.Version}
	x, err := s.buildExtract(ctx, spec)
	if err != nil {
		return nil, err
	}
	x.ID, x.At = newID(), s.now().UTC()
	body, _ := json.Marshal(statsBody{Views: x.Views, Tables: x.Tables})
	specJSON, _ := json.Marshal(x.Spec)
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", statsPurpose, s.cat.Purpose(statsPurpose).Categories, derbes.OutcomeOK,
			fmt.Sprintf("extract %s: %d rows released, %d withheld", x.ID, len(x.Applicants().Rows), x.Applicants().Suppressed))
		return []derbes.AuditEntry{e}, c.InsertStatExtract(ctx, store.StatExtract{ID: x.ID, At: x.At.UnixMicro(), Spec: string(specJSON),
			Digest: x.Digest, Rows: int64(len(x.Applicants().Rows)), Body: string(body), MadeBy: derbes.PrincipalFrom(ctx).ID})
	})
	if err != nil {
		return nil, err
	}
	return x, nil
}

// buildExtract reads the population and anonymises it under spec; when
// spec.Levels is set it applies them instead of choosing.
func (s *Service) buildExtract(ctx context.Context, spec StatsSpec) (*StatsExtract, error) {
	pop, err := s.population(ctx, spec.AsOf)
	if err != nil {
		return nil, err
	}
	x := &StatsExtract{Spec: spec, Views: map[string]*StatView{}, Tables: map[string][]StatCount{}}
	choose := len(spec.Levels) == 0
	if choose {
		x.Spec.Levels = map[string][]int{}
	}
	all := statAttributes()
	for _, v := range statViews {
		raw := make([][]string, len(pop.records))
		attrs := make([]anon.Attribute, len(v.cols))
		view := &StatView{}
		for j, c := range v.cols {
			attrs[j] = all[c]
			view.Columns = append(view.Columns, StatColumns[c])
		}
		for i, r := range pop.records {
			raw[i] = make([]string, len(v.cols))
			for j, c := range v.cols {
				raw[i][j] = r[c]
			}
		}
		if choose {
			res, err := anon.Anonymise(raw, attrs, spec.K, spec.MaxSuppress)
			if err != nil {
				return nil, fmt.Errorf("statistics: view %s: %w", v.name, err)
			}
			view.Rows, view.Suppressed, x.Spec.Levels[v.name] = res.Rows, res.Suppressed, res.Levels
		} else {
			gen, err := anon.Generalised(raw, attrs, spec.Levels[v.name])
			if err != nil {
				return nil, fmt.Errorf("statistics: view %s: %w", v.name, err)
			}
			view.Rows, view.Suppressed = anon.Suppress(gen, spec.K)
		}
		if view.Rows == nil {
			view.Rows = [][]string{}
		}
		// The release check, whatever produced the rows.
		if err := anon.Check(view.Rows, spec.K); err != nil {
			return nil, fmt.Errorf("statistics: refusing to release view %s: %w", v.name, err)
		}
		x.Views[v.name] = view
	}
	for name, cells := range pop.tables {
		x.Tables[name] = releasedCells(cells, spec.K)
	}
	body, _ := json.Marshal(statsBody{Views: x.Views, Tables: x.Tables})
	sum := sha256.Sum256(body)
	x.Digest = hex.EncodeToString(sum[:])
	return x, nil
}

// releasedCells keeps the cells that count at least k, sorted by key and
// series: a smaller cell could single a person out.
func releasedCells(cells map[[2]string]int, k int) []StatCount {
	out := []StatCount{}
	for key, n := range cells {
		if n >= k {
			out = append(out, StatCount{Key: key[0], Series: key[1], Count: n})
		}
	}
	slices.SortFunc(out, func(a, b StatCount) int {
		if a.Key != b.Key {
			return compareStrings(a.Key, b.Key)
		}
		return compareStrings(a.Series, b.Series)
	})
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// population reads the statistics population: the only place statistics
// touch the vault, as the system, under P-4.2e, returning no identifier.
func (s *Service) population(ctx context.Context, asOf time.Time) (*population, error) {
	c := s.db.Read()
	pop := &population{tables: map[string]map[[2]string]int{
		"ordersByStatus": {}, "ordersByService": {}, "transfersByRecipientKind": {}, "requestsByKind": {},
	}}
	p := s.cat.Purpose(statsPurpose)
	recipients, err := c.Recipients(ctx)
	if err != nil {
		return nil, err
	}
	country := map[string]string{}
	for _, r := range recipients {
		country[r.ID] = r.Country
	}
	for after := ""; ; {
		ids, err := c.SubjectIDs(ctx, after, 500)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			break
		}
		after = ids[len(ids)-1]
		for _, id := range ids {
			subj, vals, ok, err := s.statValues(ctx, c, id, p, true)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue // no live consent to P-4.2e, or blocked
			}
			rec, orders, err := s.recordOf(ctx, c, subj, vals, country, asOf)
			if err != nil {
				return nil, err
			}
			pop.records = append(pop.records, rec)
			if err := s.countActivity(ctx, c, id, orders, pop.tables, asOf); err != nil {
				return nil, err
			}
		}
	}
	kept, err := c.Depersonalised(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range kept {
		var r statRecord
		if err := json.Unmarshal([]byte(b), &r); err != nil {
			return nil, fmt.Errorf("statistics: a depersonalised record does not decode: %w", err)
		}
		pop.records = append(pop.records, r)
	}
	return pop, nil
}

// recordOf turns a subject's P-4.2e values and latest order into its
// quasi-identifiers at asOf.
func (s *Service) recordOf(ctx context.Context, c store.Conn, subj derbes.Subject, vals map[string]string, country map[string]string, asOf time.Time) (statRecord, []store.Order, error) {
	var r statRecord
	if info, err := ident.IIN(vals["iin"]); err == nil {
		age := asOf.Year() - info.Birth.Year()
		if asOf.YearDay() < info.Birth.YearDay() {
			age--
		}
		r[0] = strconv.Itoa(age)
	}
	r[1] = anon.RegionOf(vals["address"])
	switch {
	case subj.Citizenship == "stateless":
		r[2] = "stateless"
	case vals["citizenship"] != "":
		r[2] = vals["citizenship"]
	case subj.Citizenship == "kz-citizen":
		r[2] = "KZ"
	}
	orders, err := c.SubjectOrders(ctx, subj.ID)
	if err != nil {
		return r, nil, err
	}
	if len(orders) > 0 { // newest first
		o := orders[0]
		if len(o.Institutions) > 0 {
			r[3] = country[o.Institutions[0]]
		}
		r[4], r[5] = anon.FieldOf(o.Programme), o.AcademicYear
	}
	return r, orders, nil
}

// statRecord is the depersonalised record of a subject about to be
// destroyed: its quasi-identifiers, read as the system under P-4.2e's
// categories whatever consent remains (the subject consented to it).
func (s *Service) statRecord(ctx context.Context, c store.Conn, subjectID string) (statRecord, error) {
	subj, vals, _, err := s.statValues(ctx, c, subjectID, s.cat.Purpose(statsPurpose), false)
	if err != nil {
		return statRecord{}, err
	}
	recipients, err := c.Recipients(ctx)
	if err != nil {
		return statRecord{}, err
	}
	country := map[string]string{}
	for _, r := range recipients {
		country[r.ID] = r.Country
	}
	rec, _, err := s.recordOf(ctx, c, subj, vals, country, s.now())
	return rec, err
}

// statValues decrypts the P-4.2e categories statistics use (IIN for the
// age, address for the region, citizenship), unmasked, for the record
// only. With live set it reports ok=false for a subject without a live
// consent covering them, destroyed, or blocked.
func (s *Service) statValues(ctx context.Context, c store.Conn, id string, p *derbes.Purpose, live bool) (derbes.Subject, map[string]string, bool, error) {
	subj, err := c.Subject(ctx, id)
	if err != nil {
		return subj, nil, false, err
	}
	cats := []string{"iin", "address", "citizenship"}
	if live {
		consents, err := c.Consents(ctx, id)
		if err != nil {
			return subj, nil, false, err
		}
		if _, err := derbes.ResolveBasis(p, consents, s.now()); err != nil {
			return subj, nil, false, nil
		}
		covered := derbes.CoveredCategories(p, consents, s.now())
		blocked, err := s.blockedCategories(ctx, c, id, p)
		if err != nil {
			return subj, nil, false, nil // the whole subject is blocked
		}
		cats = slices.DeleteFunc(cats, func(k string) bool { return !slices.Contains(covered, k) || blocked[k] })
	}
	vals := map[string]string{}
	if len(cats) == 0 {
		return subj, vals, true, nil
	}
	rows, err := c.CurrentValues(ctx, id, cats)
	if err != nil {
		return subj, nil, false, err
	}
	keys, err := c.SubjectKeys(ctx, id)
	if err != nil {
		return subj, nil, false, err
	}
	opened := map[string]*vault.SubjectKey{}
	for _, r := range rows {
		plain, err := s.open(keys, opened, r)
		if err != nil {
			return subj, nil, false, err
		}
		vals[r.Category] = plain
	}
	return subj, vals, true, nil
}

// countActivity adds a subject's orders, transfers and requests to the
// aggregate tables.
func (s *Service) countActivity(ctx context.Context, c store.Conn, id string, orders []store.Order, t map[string]map[[2]string]int, now time.Time) error {
	for _, o := range orders {
		t["ordersByStatus"][[2]string{o.Status, ""}]++
		for _, sv := range o.Services {
			t["ordersByService"][[2]string{sv, ""}]++
		}
	}
	a, err := c.Activity(ctx, id)
	if err != nil {
		return err
	}
	for _, k := range a.RecipientKinds {
		t["transfersByRecipientKind"][[2]string{k, ""}]++
	}
	for _, r := range a.Requests {
		on := "on-time"
		switch {
		case r.Closed.Valid && r.Closed.Int64 > r.Due:
			on = "late"
		case !r.Closed.Valid && now.UnixMicro() > r.Due:
			on = "late"
		case !r.Closed.Valid:
			on = "open"
		}
		t["requestsByKind"][[2]string{r.Kind, on}]++
	}
	return nil
}

func (s *Service) mayExport(ctx context.Context) bool {
	r := derbes.PrincipalFrom(ctx).Role
	return r.AllowsAny(derbes.ActExport, statsPurpose) || r.AllowsAny(derbes.ActAudit, "*")
}

// StatsExtractByID returns a released extract (id "": the newest); any
// signed-in staff member may read it: it holds no personal data.
// Errors: ENotFound, EForbidden.
func (s *Service) StatsExtractByID(ctx context.Context, id string) (*StatsExtract, error) {
	if derbes.PrincipalFrom(ctx).ID == "" {
		return nil, s.Refuse(ctx, "stats.read", "", statsPurpose, nil, s.denied(ctx, "", "sign in to see statistics"))
	}
	row, err := s.db.Read().LatestStatExtract(ctx, id)
	if err != nil {
		return nil, err
	}
	x := &StatsExtract{ID: row.ID, At: fromMicros(row.At), Digest: row.Digest}
	var body statsBody
	if err := json.Unmarshal([]byte(row.Spec), &x.Spec); err != nil {
		return nil, fmt.Errorf("statistics: spec of %s: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Body), &body); err != nil {
		return nil, fmt.Errorf("statistics: body of %s: %w", row.ID, err)
	}
	x.Views, x.Tables = body.Views, body.Tables
	return x, nil
}

// ReproduceStatsExtract rebuilds a released extract from its recorded
// specification and reports whether the result has the recorded digest
// (it does while the population is unchanged). Errors: ENotFound, EForbidden.
func (s *Service) ReproduceStatsExtract(ctx context.Context, id string) (*StatsExtract, bool, error) {
	if !s.mayExport(ctx) {
		return nil, false, s.Refuse(ctx, "stats.reproduce", "", statsPurpose, nil, s.denied(ctx, "", "your role may not make statistics extracts"))
	}
	old, err := s.StatsExtractByID(ctx, id)
	if err != nil {
		return nil, false, err
	}
	x, err := s.buildExtract(ctx, old.Spec)
	if err != nil {
		return nil, false, err
	}
	x.ID, x.At = old.ID, old.At
	return x, x.Digest == old.Digest, s.db.Audit(ctx, s.entry(ctx, "stats.reproduce", "", statsPurpose, nil, derbes.OutcomeOK, "extract "+id))
}

// WriteCSV writes the extract's released rows as CSV with a header: the
// research export (no identifier, every row's combination shared by at
// least k subjects).
func (x *StatsExtract) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	v := x.Applicants()
	if err := cw.Write(v.Columns); err != nil {
		return fmt.Errorf("statistics: write CSV: %w", err)
	}
	if err := cw.WriteAll(v.Rows); err != nil {
		return fmt.Errorf("statistics: write CSV: %w", err)
	}
	return nil
}

// StatsCSV returns a released extract (id "": the newest) for download as
// CSV, recording the export. Errors: ENotFound, EForbidden.
func (s *Service) StatsCSV(ctx context.Context, id string) (*StatsExtract, error) {
	if !s.mayExport(ctx) {
		return nil, s.Refuse(ctx, "stats.export", "", statsPurpose, nil, s.denied(ctx, "", "your role may not export statistics extracts"))
	}
	x, err := s.StatsExtractByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return x, s.db.Audit(ctx, s.entry(ctx, "stats.export", "", statsPurpose, nil, derbes.OutcomeOK, "extract "+x.ID))
}
