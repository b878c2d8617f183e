package anon

import (
	"encoding/binary"
	"fmt"
)

// table holds rows with every field generalised once at every level, as
// small integers, so that the search of Anonymise calls no Generalise and
// groups rows by integer keys.
type table struct {
	n, m  int
	vals  []int        // vals[r*m+i]: index of row r's field i among attribute i's distinct values
	gen   [][][]string // gen[i][l][v]: distinct value v of attribute i at level l
	ids   [][][]int    // ids[i][l][v]: which distinct level-l value gen[i][l][v] is
	width [][]int      // width[i][l]: number of distinct values of attribute i at level l
}

// newTable generalises the fields of rows, which validate has accepted.
// The error wraps ErrInvalid when an attribute's top level maps a present
// value to something other than "*".
func newTable(rows [][]string, attrs []Attribute) (*table, error) {
	m := len(attrs)
	t := &table{
		n:     len(rows),
		m:     m,
		vals:  make([]int, len(rows)*m),
		gen:   make([][][]string, m),
		ids:   make([][][]int, m),
		width: make([][]int, m),
	}
	for i, a := range attrs {
		distinct := t.index(rows, i)
		t.gen[i] = make([][]string, a.Levels)
		t.ids[i] = make([][]int, a.Levels)
		t.width[i] = make([]int, a.Levels)
		for l := range a.Levels {
			t.gen[i][l], t.ids[i][l], t.width[i][l] = level(distinct, a.Generalise, l)
		}
		bad := 0
		for _, g := range t.gen[i][a.Levels-1] {
			if g != "*" {
				bad++
			}
		}
		if bad > 0 {
			return nil, fmt.Errorf("%w: attribute %q: top level %d maps %d of %d distinct values to something other than \"*\"",
				ErrInvalid, a.Name, a.Levels-1, bad, len(distinct))
		}
	}
	return t, nil
}

// index fills t.vals for attribute i and returns its distinct values, in
// the order they first occur.
func (t *table) index(rows [][]string, i int) []string {
	index := make(map[string]int)
	var distinct []string
	for r, row := range rows {
		v, ok := index[row[i]]
		if !ok {
			v = len(distinct)
			index[row[i]] = v
			distinct = append(distinct, row[i])
		}
		t.vals[r*t.m+i] = v
	}
	return distinct
}

// level generalises the distinct values of an attribute at level l and
// returns them, the id of each among the level's distinct values, and how
// many those are.
func level(distinct []string, generalise func(string, int) string, l int) (gen []string, ids []int, width int) {
	seen := make(map[string]int)
	gen = make([]string, len(distinct))
	ids = make([]int, len(distinct))
	for v, value := range distinct {
		g := generalise(value, l)
		id, ok := seen[g]
		if !ok {
			id = len(seen)
			seen[g] = id
		}
		gen[v], ids[v] = g, id
	}
	return gen, ids, len(seen)
}

// small returns the number of rows in groups smaller than k when the
// attributes are at levels.
func (t *table) small(levels []int, k int) int {
	counts := make(map[string]int)
	var buf []byte
	for r := range t.n {
		buf = buf[:0]
		for i, l := range levels {
			buf = binary.AppendUvarint(buf, uint64(t.ids[i][l][t.vals[r*t.m+i]]))
		}
		counts[string(buf)]++
	}
	n := 0
	for _, c := range counts {
		if c < k {
			n += c
		}
	}
	return n
}

// widest returns the attribute below its top level with the most distinct
// values at its current level (the earliest of equals), or -1 if every
// attribute is at its top level.
func (t *table) widest(levels []int) int {
	best := -1
	for i, l := range levels {
		if l+1 < len(t.width[i]) && (best < 0 || t.width[i][l] > t.width[best][levels[best]]) {
			best = i
		}
	}
	return best
}

// generalised returns the rows with the attributes at levels.
func (t *table) generalised(levels []int) [][]string {
	out := make([][]string, t.n)
	for r := range t.n {
		row := make([]string, t.m)
		for i, l := range levels {
			row[i] = t.gen[i][l][t.vals[r*t.m+i]]
		}
		out[r] = row
	}
	return out
}
