// Package ceiling measures what the storage alone can do with workload W's
// rows, so that derbes bench can report its figures as a ratio to it (the
// performance issue's --ceiling mode). It copies one subject's stored rows,
// byte for byte, out of the database derbes just wrote (the subject, its
// wrapped keys, its 15 sealed values, its 5 blind indexes, its consent
// event, its audit entries) and writes copies of them, with fresh ids, into
// a scratch database of the same engine, schema, indexes and durability
// settings: one transaction per copy, committed before the next, with no
// cryptography, JSON, HTTP, chaining or group commit. The lookup is the
// bare indexed read derbes does for a search: the blind index, then the
// subject's current values.
package ceiling

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// tables are the tables a create of W writes, with the column that names
// the subject.
var tables = []struct{ name, subjectCol string }{
	{"subjects", "id"},
	{"subject_keys", "subject_id"},
	{"pd_values", "subject_id"},
	{"blind_index", "subject_id"},
	{"consent_events", "subject_id"},
	{"audit_log", "subject_id"},
}

// Template is one subject's rows as stored.
type Template struct {
	rows  map[string]tableRows
	bytes int // the rows' column bytes in all
}

type tableRows struct {
	cols []string
	vals [][]any
}

// Rows is the number of rows one copy writes; Bytes their size.
func (t *Template) Rows() int {
	n := 0
	for _, r := range t.rows {
		n += len(r.vals)
	}
	return n
}

// Bytes is the size of one copy's column values.
func (t *Template) Bytes() int { return t.bytes }

// Capture reads subject id's rows from db (derbes's database).
func Capture(ctx context.Context, db *sql.DB, subjectID string) (*Template, error) {
	t := &Template{rows: map[string]tableRows{}}
	for _, tb := range tables {
		rows, err := db.QueryContext(ctx, `SELECT * FROM `+tb.name+` WHERE `+tb.subjectCol+` = $1`, subjectID)
		if err != nil {
			return nil, fmt.Errorf("ceiling: read %s: %w", tb.name, err)
		}
		cols, _ := rows.Columns()
		tr := tableRows{cols: cols}
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("ceiling: read %s: %w", tb.name, err)
			}
			for i := range v {
				switch x := v[i].(type) {
				case []byte:
					v[i] = slices.Clone(x)
					t.bytes += len(x)
				case string:
					t.bytes += len(x)
				default:
					t.bytes += 8
				}
			}
			tr.vals = append(tr.vals, v)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("ceiling: read %s: %w", tb.name, err)
		}
		t.rows[tb.name] = tr
	}
	if len(t.rows["subjects"].vals) != 1 || len(t.rows["pd_values"].vals) == 0 || len(t.rows["blind_index"].vals) == 0 {
		return nil, fmt.Errorf("ceiling: subject %s has no stored values to copy", subjectID)
	}
	return t, nil
}

// Store is the scratch database: w writes (one connection on SQLite, as
// derbes's writer), r reads.
type Store struct {
	W, R *sql.DB
}

// Result is one ceiling phase.
type Result struct {
	Phase     string  `json:"phase"` // create or read
	Clients   int     `json:"clients"`
	Ops       int64   `json:"ops"`
	OpsPerSec float64 `json:"opsPerSec"`
	P50Ms     float64 `json:"p50Ms"`
	P99Ms     float64 `json:"p99Ms"`
}

// Copies is one scratch database's copies: it hands out unique sequence
// numbers across workers and keeps the copies' IIN hashes for the reads.
type Copies struct {
	seq  atomic.Int64
	mu   sync.Mutex
	iins [][]byte // the copies' IIN blind-index hashes, for the lookups
}

// Creates writes copies of t with clients workers for d, each copy in its
// own transaction.
func (s Store) Creates(ctx context.Context, t *Template, clients int, d time.Duration, st *Copies) (Result, error) {
	stmts := t.statements()
	return run(ctx, "create", clients, d, func(ctx context.Context) error {
		tx, err := s.W.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		iin, args := t.copyArgs(st)
		for i, q := range stmts {
			if _, err := tx.ExecContext(ctx, q, args[i]...); err != nil {
				tx.Rollback()
				return err
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		st.mu.Lock()
		st.iins = append(st.iins, iin)
		st.mu.Unlock()
		return nil
	})
}

// Reads looks copies up by their IIN's blind index and reads their current
// values, with clients workers for d.
func (s Store) Reads(ctx context.Context, clients int, d time.Duration, st *Copies) (Result, error) {
	st.mu.Lock()
	iins := slices.Clone(st.iins)
	st.mu.Unlock()
	if len(iins) == 0 {
		return Result{}, errors.New("ceiling: nothing was written to read")
	}
	var next atomic.Int64
	return run(ctx, "read", clients, d, func(ctx context.Context) error {
		h := iins[int(next.Add(1))%len(iins)]
		var id string
		if err := s.R.QueryRowContext(ctx, `SELECT subject_id FROM blind_index WHERE category = 'iin' AND hash = $1`, h).Scan(&id); err != nil {
			return err
		}
		rows, err := s.R.QueryContext(ctx, `SELECT category, version, purpose, ciphertext, source_kind, source_ref, created_at FROM pd_values WHERE subject_id = $1 AND current`, id)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var cat, purpose, sk, sr string
			var ver, at int64
			var ct []byte
			if err := rows.Scan(&cat, &ver, &purpose, &ct, &sk, &sr, &at); err != nil {
				rows.Close()
				return err
			}
			n++
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		if n == 0 {
			return errors.New("ceiling: a copy has no values")
		}
		return nil
	})
}

// statements are the multi-row inserts of one copy, a table each, in the
// order foreign keys need.
func (t *Template) statements() []string {
	var out []string
	for _, tb := range tables {
		tr := t.rows[tb.name]
		if len(tr.vals) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", tb.name, strings.Join(tr.cols, ", "))
		n := 1
		for r := range tr.vals {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for c := range tr.cols {
				if c > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", n)
				n++
			}
			b.WriteString(")")
		}
		out = append(out, b.String())
	}
	return out
}

// copyArgs are the statements' arguments for one copy: the template's
// values with a fresh subject id, fresh event ids and sequence numbers,
// and fresh blind-index hashes (the same lengths). It returns the copy's
// IIN hash.
func (t *Template) copyArgs(st *Copies) ([]byte, [][]any) {
	subject := randomID()
	var iin []byte
	var out [][]any
	for _, tb := range tables {
		tr := t.rows[tb.name]
		if len(tr.vals) == 0 {
			continue
		}
		args := make([]any, 0, len(tr.vals)*len(tr.cols))
		for _, row := range tr.vals {
			cat, _ := valueOf(tr, row, "category").(string)
			for c, col := range tr.cols {
				v := row[c]
				switch {
				case col == tb.subjectCol:
					v = subject
				case col == "seq":
					v = st.seq.Add(1)
				case col == "id" || col == "consent_id":
					v = randomID()
				case tb.name == "blind_index" && col == "hash":
					h := make([]byte, len(asBytes(v)))
					rand.Read(h)
					if cat == "iin" {
						iin = h
					}
					v = h
				}
				args = append(args, v)
			}
		}
		out = append(out, args)
	}
	return iin, out
}

func valueOf(tr tableRows, row []any, col string) any {
	if i := slices.Index(tr.cols, col); i >= 0 {
		return row[i]
	}
	return nil
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return make([]byte, 16)
}

func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// run loops op on clients workers for d and measures.
func run(ctx context.Context, phase string, clients int, d time.Duration, op func(context.Context) error) (Result, error) {
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	t0 := time.Now()
	deadline := t0.Add(d)
	for i := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				s := time.Now()
				if err := op(ctx); err != nil {
					errs[i] = err
					return
				}
				lat[i] = append(lat[i], time.Since(s))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return Result{}, fmt.Errorf("ceiling %s: %w", phase, err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	r := Result{Phase: phase, Clients: clients, Ops: int64(len(all)), OpsPerSec: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.P50Ms = float64(all[len(all)/2]) / 1e6
		r.P99Ms = float64(all[min(len(all)-1, len(all)*99/100)]) / 1e6
	}
	return r, nil
}
