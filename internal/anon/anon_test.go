package anon

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// attrs6 are the quasi-identifiers of derbes's statistics extract.
func attrs6() []Attribute {
	return []Attribute{AgeBand(), Region(), CitizenshipGroup(), StudyCountry(), Field(), Year()}
}

// rareRow is one applicant unlike any other of the population.
var rareRow = []string{"41", "ulytau", "stateless", "NZ", "arts", "2026/2027"}

type weighted struct {
	value  string
	weight int
}

func pick(r *rand.Rand, choices []weighted) string {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	panic("unreachable")
}

// population returns n synthetic applicants skewed like derbes's: mostly
// Kazakh citizens aged 17 to 19 studying in Kazakhstan or Russia; rareRow
// is the row at n/2.
func population(n int) [][]string {
	r := rand.New(rand.NewPCG(2026, 2027))
	ages := []weighted{{"16", 3}, {"17", 20}, {"18", 30}, {"19", 15}, {"20", 8}, {"21", 6}, {"22", 4},
		{"23", 3}, {"24", 2}, {"26", 3}, {"28", 2}, {"33", 2}, {"37", 1}, {"45", 1}, {"", 1}}
	regions := []weighted{{"almaty", 12}, {"astana", 8}, {"shymkent", 7}, {"turkistan", 11},
		{"almaty-region", 8}, {"karaganda", 6}, {"east-kazakhstan", 4}, {"zhambyl", 6}, {"aktobe", 5},
		{"west-kazakhstan", 3}, {"atyrau", 4}, {"mangystau", 4}, {"kyzylorda", 4}, {"kostanay", 4},
		{"pavlodar", 4}, {"akmola", 4}, {"north-kazakhstan", 3}, {"abai", 3}, {"zhetysu", 3},
		{"ulytau", 1}, {"abroad", 1}, {"unknown", 1}}
	citizenships := []weighted{{"KZ", 940}, {"RU", 20}, {"UZ", 15}, {"KG", 10}, {"CN", 5}, {"TJ", 3},
		{"MN", 2}, {"stateless", 2}, {"", 3}}
	countries := []weighted{{"KZ", 55}, {"RU", 20}, {"CZ", 3}, {"KR", 3}, {"CN", 3}, {"TR", 3}, {"DE", 2},
		{"US", 2}, {"GB", 2}, {"PL", 2}, {"MY", 1}, {"HU", 1}, {"IT", 1}, {"LV", 1}, {"AE", 1}, {"CA", 1}}
	fields := []weighted{{"computer-science", 18}, {"engineering", 14}, {"medicine", 12}, {"economics", 10},
		{"law", 8}, {"education", 7}, {"arts", 4}, {"languages", 6}, {"natural-sciences", 5},
		{"social-sciences", 7}, {"business", 8}, {"other", 1}}
	years := []weighted{{"2025/2026", 45}, {"2026/2027", 55}}
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{pick(r, ages), pick(r, regions), pick(r, citizenships), pick(r, countries),
			pick(r, fields), pick(r, years)}
	}
	rows[n/2] = slices.Clone(rareRow)
	return rows
}

func level0(row []string, attrs []Attribute) []string {
	out := make([]string, len(row))
	for i, v := range row {
		out[i] = attrs[i].Generalise(v, 0)
	}
	return out
}

// covers R-RETAIN-2
func TestAnonymisePopulation(t *testing.T) {
	const k, maxSuppress = 5, 0.02
	rows, attrs := population(10000), attrs6()
	res, err := Anonymise(rows, attrs, k, maxSuppress)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("levels %v, %d groups, %d rows released, %d suppressed", res.Levels, res.Groups, len(res.Rows), res.Suppressed)
	if err := Check(res.Rows, k); err != nil {
		t.Fatal(err)
	}
	if res.Suppressed+len(res.Rows) != len(rows) {
		t.Errorf("suppressed %d + released %d != %d rows", res.Suppressed, len(res.Rows), len(rows))
	}
	if float64(res.Suppressed) > maxSuppress*float64(len(rows)) {
		t.Errorf("suppressed %d rows, more than %v of %d", res.Suppressed, maxSuppress, len(rows))
	}
	if !slices.ContainsFunc(res.Levels, func(l int) bool { return l == 0 }) {
		t.Errorf("levels %v: every attribute generalised, the release is useless", res.Levels)
	}
	if !slices.IsSortedFunc(res.Rows, slices.Compare) {
		t.Error("released rows are not sorted")
	}
	possible := make([]map[string]bool, len(attrs)) // the values of attribute i at its level
	for i, a := range attrs {
		possible[i] = map[string]bool{}
		for _, row := range rows {
			possible[i][a.Generalise(row[i], res.Levels[i])] = true
		}
	}
	groups := map[string]int{}
	nz := 0
	rare := level0(rareRow, attrs)
	for _, row := range res.Rows {
		if slices.Equal(row, rare) {
			t.Fatal("the rare row's level-0 combination is released")
		}
		if row[3] == "NZ" {
			nz++
		}
		for i, v := range row {
			if !possible[i][v] {
				t.Fatalf("attribute %s released %q, not a value at level %d", attrs[i].Name, v, res.Levels[i])
			}
		}
		groups[strings.Join(row, "|")]++
	}
	if nz > 0 && nz < k {
		t.Errorf("%d released rows study in NZ, fewer than k=%d", nz, k)
	}
	if len(groups) != res.Groups {
		t.Errorf("Groups = %d, counted %d", res.Groups, len(groups))
	}
	for g, n := range groups {
		if n < k {
			t.Errorf("group %q has %d rows", g, n)
		}
	}
}

// A release is the same on a second call and reproducible from its levels.
//
// covers R-RETAIN-2
func TestAnonymiseReproducible(t *testing.T) {
	const k, maxSuppress = 5, 0.02
	rows, attrs := population(10000), attrs6()
	res, err := Anonymise(rows, attrs, k, maxSuppress)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Anonymise(population(10000), attrs6(), k, maxSuppress)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Levels, res.Levels) || again.Suppressed != res.Suppressed ||
		again.Groups != res.Groups || !slices.EqualFunc(again.Rows, res.Rows, slices.Equal) {
		t.Error("a second call gave a different result")
	}

	gen, err := Generalised(rows, attrs, res.Levels)
	if err != nil {
		t.Fatal(err)
	}
	kept, suppressed := Suppress(gen, k)
	if suppressed != res.Suppressed || !slices.EqualFunc(kept, res.Rows, slices.Equal) {
		t.Error("Generalised and Suppress did not reproduce the release")
	}
}

func letters() Attribute {
	return Attribute{Name: "letters", Levels: 3, Generalise: func(v string, l int) string {
		switch {
		case l >= 2:
			return "*"
		case l == 1 && v != "":
			return v[:1]
		}
		return v
	}}
}

func plain(name string) Attribute {
	return Attribute{Name: name, Levels: 2, Generalise: func(v string, l int) string {
		if l >= 1 {
			return "*"
		}
		return v
	}}
}

// The Datafly steps on small tables worked out by hand.
//
// covers R-RETAIN-2
func TestAnonymiseSteps(t *testing.T) {
	tests := []struct {
		name        string
		rows        [][]string
		attrs       []Attribute
		k           int
		maxSuppress float64
		levels      []int
		released    [][]string
		suppressed  int
	}{{
		name:     "raise the widest",
		rows:     [][]string{{"a1", "x"}, {"a2", "x"}, {"b1", "y"}, {"b2", "y"}},
		attrs:    []Attribute{letters(), plain("b")},
		k:        2,
		levels:   []int{1, 0},
		released: [][]string{{"a", "x"}, {"a", "x"}, {"b", "y"}, {"b", "y"}},
	}, {
		name:     "widest is the second",
		rows:     [][]string{{"x", "a1"}, {"x", "a2"}, {"y", "b1"}, {"y", "b2"}},
		attrs:    []Attribute{plain("b"), letters()},
		k:        2,
		levels:   []int{0, 1},
		released: [][]string{{"x", "a"}, {"x", "a"}, {"y", "b"}, {"y", "b"}},
	}, {
		name:     "tie goes to the earlier",
		rows:     [][]string{{"a1", "b1"}, {"a2", "b2"}, {"a1", "b2"}, {"a2", "b1"}},
		attrs:    []Attribute{letters(), letters()},
		k:        2,
		levels:   []int{1, 0},
		released: [][]string{{"a", "b1"}, {"a", "b1"}, {"a", "b2"}, {"a", "b2"}},
	}, {
		name:        "within the suppression budget",
		rows:        [][]string{{"a1"}, {"a1"}, {"a1"}, {"a1"}, {"b1"}},
		attrs:       []Attribute{letters()},
		k:           2,
		maxSuppress: 0.2,
		levels:      []int{0},
		released:    [][]string{{"a1"}, {"a1"}, {"a1"}, {"a1"}},
		suppressed:  1,
	}, {
		name:     "over the budget",
		rows:     [][]string{{"a1"}, {"a1"}, {"a1"}, {"a1"}, {"b1"}},
		attrs:    []Attribute{letters()},
		k:        2,
		levels:   []int{2},
		released: [][]string{{"*"}, {"*"}, {"*"}, {"*"}, {"*"}},
	}, {
		name:       "k bigger than the population",
		rows:       [][]string{{"a1", "x"}, {"a1", "x"}, {"a1", "x"}},
		attrs:      []Attribute{letters(), plain("b")},
		k:          4,
		levels:     []int{2, 1},
		released:   [][]string{},
		suppressed: 3,
	}, {
		name:     "no rows",
		attrs:    []Attribute{letters()},
		k:        5,
		levels:   []int{0},
		released: [][]string{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Anonymise(tt.rows, tt.attrs, tt.k, tt.maxSuppress)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Levels, tt.levels) {
				t.Errorf("levels %v, want %v", res.Levels, tt.levels)
			}
			if !slices.EqualFunc(res.Rows, tt.released, slices.Equal) {
				t.Errorf("released %q, want %q", res.Rows, tt.released)
			}
			if res.Suppressed != tt.suppressed {
				t.Errorf("suppressed %d, want %d", res.Suppressed, tt.suppressed)
			}
			if err := Check(res.Rows, tt.k); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestAnonymiseLargeK(t *testing.T) {
	rows := population(1000)
	res, err := Anonymise(rows, attrs6(), len(rows)+1, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 0 || res.Groups != 0 || res.Suppressed != len(rows) {
		t.Errorf("released %d rows in %d groups, suppressed %d; want everything suppressed",
			len(res.Rows), res.Groups, res.Suppressed)
	}
}

func TestAnonymiseInvalid(t *testing.T) {
	const secret = "SECRET-VALUE"
	ok := [][]string{{"a1", "x"}, {"a2", "y"}}
	keepTop := Attribute{Name: "leaky", Levels: 2, Generalise: func(v string, _ int) string { return v }}
	tests := []struct {
		name        string
		rows        [][]string
		attrs       []Attribute
		k           int
		maxSuppress float64
	}{
		{"k=1", ok, []Attribute{letters(), plain("b")}, 1, 0},
		{"k=0", ok, []Attribute{letters(), plain("b")}, 0, 0},
		{"maxSuppress=1", ok, []Attribute{letters(), plain("b")}, 2, 1},
		{"maxSuppress<0", ok, []Attribute{letters(), plain("b")}, 2, -0.1},
		{"maxSuppress NaN", ok, []Attribute{letters(), plain("b")}, 2, math.NaN()},
		{"ragged row", [][]string{{"a1", "x"}, {secret}}, []Attribute{letters(), plain("b")}, 2, 0},
		{"long row", [][]string{{"a1", "x", secret}}, []Attribute{letters(), plain("b")}, 2, 0},
		{"top is not *", [][]string{{"a1", secret}}, []Attribute{letters(), keepTop}, 2, 0},
		{"one level", ok, []Attribute{letters(), {Name: "b", Levels: 1, Generalise: keepTop.Generalise}}, 2, 0},
		{"no Generalise", ok, []Attribute{letters(), {Name: "b", Levels: 2}}, 2, 0},
		{"no attributes", nil, nil, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Anonymise(tt.rows, tt.attrs, tt.k, tt.maxSuppress)
			if !errors.Is(err, ErrInvalid) || res != nil {
				t.Fatalf("got %v, %v; want ErrInvalid", res, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q shows a value", err)
			}
		})
	}
}

func TestGeneralisedInvalid(t *testing.T) {
	rows := [][]string{{"a1", "x"}}
	attrs := []Attribute{letters(), plain("b")}
	for _, levels := range [][]int{nil, {0}, {0, 0, 0}, {3, 0}, {0, 2}, {-1, 0}} {
		if _, err := Generalised(rows, attrs, levels); !errors.Is(err, ErrInvalid) {
			t.Errorf("levels %v: err %v, want ErrInvalid", levels, err)
		}
	}
	if _, err := Generalised([][]string{{"a1"}}, attrs, []int{0, 0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ragged row: err %v, want ErrInvalid", err)
	}
	got, err := Generalised(rows, attrs, []int{1, 1})
	if err != nil || !slices.EqualFunc(got, [][]string{{"a", "*"}}, slices.Equal) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		rows [][]string
		k    int
		ok   bool
	}{
		{"empty", nil, 5, true},
		{"one group of k", [][]string{{"a", "b"}, {"a", "b"}}, 2, true},
		{"one group below k", [][]string{{"a", "b"}, {"a", "b"}}, 3, false},
		{"one of two groups below k", [][]string{{"a"}, {"a"}, {"b"}}, 2, false},
		{"fields are not concatenated", [][]string{{"ab", ""}, {"a", "b"}}, 2, false},
		{"separator in a field", [][]string{{"a|b"}, {"a", "b"}}, 2, false},
		{"k=1", [][]string{{"a"}}, 1, true},
		{"same rows apart", [][]string{{"a"}, {"b"}, {"a"}, {"b"}}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.rows, tt.k)
			if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrBelowK) {
				t.Errorf("Check = %v, want ok=%v", err, tt.ok)
			}
		})
	}
	err := Check([][]string{{"SECRET-VALUE"}, {"x"}, {"x"}}, 2)
	if err == nil || strings.Contains(err.Error(), "SECRET") || !strings.Contains(err.Error(), "1 of 2 groups") {
		t.Errorf("Check = %v, want 1 of 2 groups below k and no value", err)
	}
}

func BenchmarkAnonymise10k(b *testing.B) {
	rows, attrs := population(10000), attrs6()
	for b.Loop() {
		if _, err := Anonymise(rows, attrs, 5, 0.02); err != nil {
			b.Fatal(err)
		}
	}
}

// ages used by the hierarchy tests: every band's edges and some junk.
func sampleAges() []string {
	out := []string{"", "x", "-1", "151", " 18 ", "+19"}
	for a := range 60 {
		out = append(out, strconv.Itoa(a))
	}
	return out
}
