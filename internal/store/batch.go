package store

import (
	"context"
	"fmt"
	"strings"
)

// Multi-row statements keep a write to a handful of round trips whatever
// the number of values: on PostgreSQL each statement is a round trip made
// while the batch holds the audit chain's lock.

// placeholders returns "($1,$2,…),(…)" for rows × cols parameters.
func placeholders(rows, cols int) string {
	var sb strings.Builder
	for r := range rows {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "$%d", r*cols+c+1)
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// InsertValues stores new current versions of a subject's values in one
// statement, first retiring the current versions of the same categories
// when any of them is an update (version > 1).
func (c Conn) InsertValues(ctx context.Context, vs []StoredValue) error {
	if len(vs) == 0 {
		return nil
	}
	var retire []any
	for _, v := range vs {
		if v.Version > 1 {
			retire = append(retire, v.Category)
		}
	}
	if len(retire) > 0 {
		q := `UPDATE pd_values SET current = FALSE WHERE subject_id = $1 AND current AND category IN (` + list(2, len(retire)) + `)`
		if _, err := c.q.ExecContext(ctx, q, append([]any{vs[0].SubjectID}, retire...)...); err != nil {
			return fmt.Errorf("store: retire value versions: %w", err)
		}
	}
	const cols = 10
	args := make([]any, 0, len(vs)*cols)
	for _, v := range vs {
		args = append(args, v.SubjectID, v.Category, v.Version, v.Purpose, v.Ciphertext, string(v.Source.Kind), v.Source.Ref, v.EnteredBy, v.At, true)
	}
	q := `INSERT INTO pd_values (subject_id, category, version, purpose, ciphertext, source_kind, source_ref, entered_by, created_at, current) VALUES ` +
		placeholders(len(vs), cols)
	if _, err := c.q.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: insert values: %w", err)
	}
	return nil
}

// IndexEntry is one blind-index entry of a subject.
type IndexEntry struct {
	Category string
	Hash     []byte
}

// SetIndexes replaces a subject's blind-index entries for the entries'
// categories (fresh: the subject is new, so there is nothing to replace).
func (c Conn) SetIndexes(ctx context.Context, subjectID string, es []IndexEntry, fresh bool) error {
	if len(es) == 0 {
		return nil
	}
	if !fresh {
		args := []any{subjectID}
		for _, e := range es {
			args = append(args, e.Category)
		}
		q := `DELETE FROM blind_index WHERE subject_id = $1 AND category IN (` + list(2, len(es)) + `)`
		if _, err := c.q.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: clear blind index: %w", err)
		}
	}
	args := make([]any, 0, len(es)*3)
	for _, e := range es {
		args = append(args, e.Category, e.Hash, subjectID)
	}
	q := `INSERT INTO blind_index (category, hash, subject_id) VALUES ` + placeholders(len(es), 3)
	if _, err := c.q.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("store: insert blind index: %w", err)
	}
	return nil
}

// IndexOwners returns, for the given entries, the categories under which a
// subject other than subjectID holds the same hash.
func (c Conn) IndexOwners(ctx context.Context, subjectID string, es []IndexEntry) ([]string, error) {
	if len(es) == 0 {
		return nil, nil
	}
	var conds []string
	args := []any{subjectID}
	for _, e := range es {
		args = append(args, e.Category, e.Hash)
		conds = append(conds, fmt.Sprintf("(category = $%d AND hash = $%d)", len(args)-1, len(args)))
	}
	q := `SELECT DISTINCT category FROM blind_index WHERE subject_id <> $1 AND (` + strings.Join(conds, " OR ") + `)`
	rows, err := c.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: check blind index: %w", err)
	}
	defer rows.Close()
	var cats []string
	for rows.Next() {
		var cat string
		if err := rows.Scan(&cat); err != nil {
			return nil, fmt.Errorf("store: check blind index: %w", err)
		}
		cats = append(cats, cat)
	}
	return cats, rows.Err()
}

// list returns "$from,…,$(from+n-1)".
func list(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", from+i)
	}
	return strings.Join(ps, ",")
}
