// Package anon makes the depersonalised extract that statistics are computed
// from (R-RETAIN-2): microdata released only when every released combination
// of quasi-identifiers covers at least k subjects (k-anonymity).
//
// Each quasi-identifier is an [Attribute] with a generalisation hierarchy:
// level 0 is the finest form released and the top level suppresses the
// attribute to "*". [Anonymise] chooses one level per attribute with the
// Datafly heuristic and drops the rows whose group is still smaller than k;
// [Generalised] and [Suppress] reproduce a release from its recorded levels,
// and [Check] verifies a release before it leaves the process.
// hierarchies.go holds the hierarchies derbes releases (age band, region,
// citizenship, country and field of study, academic year); text.go finds a
// region in an address and a field in a programme name.
//
// The package is pure and deterministic: the same input always gives the
// same output, whatever the order of Go's map iteration. Its errors name the
// problem (an attribute, a row number, a count), never a value, because
// values are personal data.
package anon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// ErrInvalid is wrapped by every error about invalid arguments.
var ErrInvalid = errors.New("anon: invalid input")

// ErrBelowK is wrapped by the error of [Check] when a group is smaller than k.
var ErrBelowK = errors.New("anon: groups smaller than k")

// Attribute is one quasi-identifier with a generalisation hierarchy.
type Attribute struct {
	Name string
	// Levels is the number of generalisation levels: level 0 is the finest
	// form released, level Levels-1 must map every value to "*" (fully
	// suppressed attribute).
	Levels int
	// Generalise returns value at level (0 <= level < Levels). Level 0 is
	// usually the value unchanged, but a hierarchy may coarsen it already
	// (AgeBand releases bands, never ages). It must be a pure function, and
	// coarser levels must not split what finer levels merge.
	Generalise func(value string, level int) string
}

// Result is a release made by [Anonymise].
type Result struct {
	Rows       [][]string // released rows, each generalised at Levels, sorted
	Levels     []int      // the level chosen per attribute
	Suppressed int        // rows withheld because their group stayed smaller than k
	Groups     int        // distinct released combinations
}

// Anonymise releases rows (one field per attribute, in the order of attrs)
// so that every released combination occurs at least k times.
//
// It starts with every attribute at level 0. While the rows in groups
// smaller than k are more than maxSuppress*len(rows) and some attribute is
// below its top level, it raises by one the level of the attribute with the
// most distinct values at its current level (ties: the earlier attribute).
// Then it drops every row whose group is still smaller than k. When
// len(rows) < k everything is suppressed.
//
// The error wraps [ErrInvalid] when k < 2, maxSuppress is not in [0, 1),
// there is no attribute, an attribute has fewer than 2 levels or no
// Generalise, a row does not have one field per attribute, or an
// attribute's top level does not map every present value to "*".
func Anonymise(rows [][]string, attrs []Attribute, k int, maxSuppress float64) (*Result, error) {
	if k < 2 {
		return nil, fmt.Errorf("%w: k is %d, want at least 2", ErrInvalid, k)
	}
	if !(maxSuppress >= 0 && maxSuppress < 1) {
		return nil, fmt.Errorf("%w: maxSuppress is %v, want 0 <= maxSuppress < 1", ErrInvalid, maxSuppress)
	}
	if err := validate(rows, attrs); err != nil {
		return nil, err
	}
	t, err := newTable(rows, attrs)
	if err != nil {
		return nil, err
	}
	levels := make([]int, len(attrs))
	budget := maxSuppress * float64(len(rows))
	for float64(t.small(levels, k)) > budget {
		i := t.widest(levels)
		if i < 0 {
			break
		}
		levels[i]++
	}
	kept, suppressed := Suppress(t.generalised(levels), k)
	return &Result{
		Rows:       kept,
		Levels:     levels,
		Suppressed: suppressed,
		Groups:     countGroups(kept),
	}, nil
}

// Generalised returns rows with field i generalised at levels[i] by
// attrs[i], in the order of rows. With [Suppress] it reproduces a release
// from the levels recorded in its [Result].
//
// The error wraps [ErrInvalid] when there is no attribute, an attribute has
// fewer than 2 levels or no Generalise, a row does not have one field per
// attribute, or levels does not hold one level in range per attribute.
func Generalised(rows [][]string, attrs []Attribute, levels []int) ([][]string, error) {
	if err := validate(rows, attrs); err != nil {
		return nil, err
	}
	if len(levels) != len(attrs) {
		return nil, fmt.Errorf("%w: %d levels for %d attributes", ErrInvalid, len(levels), len(attrs))
	}
	for i, l := range levels {
		if l < 0 || l >= attrs[i].Levels {
			return nil, fmt.Errorf("%w: attribute %q: level %d out of range [0, %d)", ErrInvalid, attrs[i].Name, l, attrs[i].Levels)
		}
	}
	out := make([][]string, len(rows))
	for r, row := range rows {
		g := make([]string, len(row))
		for i, v := range row {
			g[i] = attrs[i].Generalise(v, levels[i])
		}
		out[r] = g
	}
	return out, nil
}

// Suppress returns the rows whose combination occurs at least k times,
// sorted, and how many rows it dropped. The kept rows share their fields
// with rows; rows itself is not modified.
func Suppress(rows [][]string, k int) (kept [][]string, suppressed int) {
	counts := make(map[string]int)
	var buf []byte
	for _, row := range rows {
		buf = appendKey(buf[:0], row)
		counts[string(buf)]++
	}
	kept = make([][]string, 0, len(rows))
	for _, row := range rows {
		buf = appendKey(buf[:0], row)
		if counts[string(buf)] >= k {
			kept = append(kept, row)
		}
	}
	slices.SortFunc(kept, slices.Compare)
	return kept, len(rows) - len(kept)
}

// Check returns nil if and only if every distinct row (combination) of rows
// occurs at least k times. Otherwise the error wraps [ErrBelowK] and says
// how many groups and rows are below k, never their values.
func Check(rows [][]string, k int) error {
	counts := make(map[string]int)
	var buf []byte
	for _, row := range rows {
		buf = appendKey(buf[:0], row)
		counts[string(buf)]++
	}
	groups, small := 0, 0
	for _, n := range counts {
		if n < k {
			groups++
			small += n
		}
	}
	if groups > 0 {
		return fmt.Errorf("%w: %d of %d groups (%d of %d rows) have fewer than %d rows",
			ErrBelowK, groups, len(counts), small, len(rows), k)
	}
	return nil
}

// validate checks what Anonymise and Generalised both need.
func validate(rows [][]string, attrs []Attribute) error {
	if len(attrs) == 0 {
		return fmt.Errorf("%w: no attributes", ErrInvalid)
	}
	for _, a := range attrs {
		if a.Levels < 2 {
			return fmt.Errorf("%w: attribute %q has %d levels, want at least 2", ErrInvalid, a.Name, a.Levels)
		}
		if a.Generalise == nil {
			return fmt.Errorf("%w: attribute %q has no Generalise", ErrInvalid, a.Name)
		}
	}
	for r, row := range rows {
		if len(row) != len(attrs) {
			return fmt.Errorf("%w: row %d has %d fields, want %d", ErrInvalid, r, len(row), len(attrs))
		}
	}
	return nil
}

// appendKey appends an injective encoding of row to buf: each field
// prefixed with its length.
func appendKey(buf []byte, row []string) []byte {
	for _, f := range row {
		buf = binary.AppendUvarint(buf, uint64(len(f)))
		buf = append(buf, f...)
	}
	return buf
}

// countGroups returns the number of distinct rows in sorted rows.
func countGroups(sorted [][]string) int {
	n := 0
	for i, row := range sorted {
		if i == 0 || !slices.Equal(row, sorted[i-1]) {
			n++
		}
	}
	return n
}
