package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// InsertSubject creates a subject row.
func (c Conn) InsertSubject(ctx context.Context, s derbes.Subject) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO subjects (id, kind, citizenship, created_at, created_by, legacy) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.ID, s.Kind, s.Citizenship, micros(s.CreatedAt), s.CreatedBy, s.Legacy)
	if err != nil {
		return fmt.Errorf("store: insert subject: %w", err)
	}
	return nil
}

// Subject returns the subject with id. Errors: ENotFound.
func (c Conn) Subject(ctx context.Context, id string) (derbes.Subject, error) {
	s := derbes.Subject{ID: id}
	var at int64
	err := c.q.QueryRowContext(ctx, `SELECT kind, citizenship, created_at, created_by, legacy FROM subjects WHERE id = $1`, id).
		Scan(&s.Kind, &s.Citizenship, &at, &s.CreatedBy, &s.Legacy)
	if errors.Is(err, sql.ErrNoRows) {
		return s, derbes.NotFound("no such subject")
	}
	if err != nil {
		return s, fmt.Errorf("store: read subject: %w", err)
	}
	s.CreatedAt = fromMicros(at)
	return s, nil
}

// CountSubjects returns how many subjects there are.
func (c Conn) CountSubjects(ctx context.Context) (int64, error) {
	var n int64
	if err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM subjects`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count subjects: %w", err)
	}
	return n, nil
}

// WrappedKey is a subject's data key for one purpose, wrapped by that
// purpose's key of KeyVersion.
type WrappedKey struct {
	Purpose    string
	KeyVersion int
	Wrapped    []byte
}

// InsertSubjectKey stores a subject's wrapped data key for a purpose.
func (c Conn) InsertSubjectKey(ctx context.Context, subjectID string, k WrappedKey) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO subject_keys (subject_id, purpose, key_version, wrapped) VALUES ($1, $2, $3, $4)`,
		subjectID, k.Purpose, k.KeyVersion, k.Wrapped)
	if err != nil {
		return fmt.Errorf("store: insert subject key: %w", err)
	}
	return nil
}

// SubjectKeys returns a subject's wrapped data keys by purpose.
func (c Conn) SubjectKeys(ctx context.Context, subjectID string) (map[string]WrappedKey, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT purpose, key_version, wrapped FROM subject_keys WHERE subject_id = $1`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read subject keys: %w", err)
	}
	defer rows.Close()
	keys := map[string]WrappedKey{}
	for rows.Next() {
		var k WrappedKey
		if err := rows.Scan(&k.Purpose, &k.KeyVersion, &k.Wrapped); err != nil {
			return nil, fmt.Errorf("store: read subject keys: %w", err)
		}
		keys[k.Purpose] = k
	}
	return keys, rows.Err()
}

// StoredValue is one encrypted version of a value as it is at rest.
type StoredValue struct {
	SubjectID  string
	Category   string
	Version    int
	Purpose    string
	Ciphertext []byte
	Source     derbes.Source
	EnteredBy  string
	At         int64 // Unix microseconds
}

// CurrentValues returns the current versions of a subject's values in the
// given categories (all categories when cats is empty).
func (c Conn) CurrentValues(ctx context.Context, subjectID string, cats []string) ([]StoredValue, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT category, version, purpose, ciphertext, source_kind, source_ref, entered_by, created_at
		FROM pd_values WHERE subject_id = $1 AND current ORDER BY category`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read values: %w", err)
	}
	defer rows.Close()
	want := map[string]bool{}
	for _, k := range cats {
		want[k] = true
	}
	var out []StoredValue
	for rows.Next() {
		v := StoredValue{SubjectID: subjectID}
		var kind string
		if err := rows.Scan(&v.Category, &v.Version, &v.Purpose, &v.Ciphertext, &kind, &v.Source.Ref, &v.EnteredBy, &v.At); err != nil {
			return nil, fmt.Errorf("store: read values: %w", err)
		}
		v.Source.Kind = derbes.SourceKind(kind)
		if len(want) == 0 || want[v.Category] {
			out = append(out, v)
		}
	}
	return out, rows.Err()
}

// ValueVersions returns the newest version number per category of a subject.
func (c Conn) ValueVersions(ctx context.Context, subjectID string) (map[string]int, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT category, MAX(version) FROM pd_values WHERE subject_id = $1 GROUP BY category`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read value versions: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var cat string
		var v int
		if err := rows.Scan(&cat, &v); err != nil {
			return nil, fmt.Errorf("store: read value versions: %w", err)
		}
		out[cat] = v
	}
	return out, rows.Err()
}

// FindByIndex returns the ids of subjects whose blind index for category
// equals hash, at most limit of them.
func (c Conn) FindByIndex(ctx context.Context, category string, hash []byte, limit int) ([]string, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT subject_id FROM blind_index WHERE category = $1 AND hash = $2 ORDER BY subject_id LIMIT $3`,
		category, hash, limit)
	if err != nil {
		return nil, fmt.Errorf("store: search blind index: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: search blind index: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ValueHistory returns every stored version of one category of a subject,
// oldest first (R-VAULT-4).
func (c Conn) ValueHistory(ctx context.Context, subjectID, category string) ([]StoredValue, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT version, purpose, ciphertext, source_kind, source_ref, entered_by, created_at
		FROM pd_values WHERE subject_id = $1 AND category = $2 ORDER BY version`, subjectID, category)
	if err != nil {
		return nil, fmt.Errorf("store: read value history: %w", err)
	}
	defer rows.Close()
	var out []StoredValue
	for rows.Next() {
		v := StoredValue{SubjectID: subjectID, Category: category}
		var kind string
		if err := rows.Scan(&v.Version, &v.Purpose, &v.Ciphertext, &kind, &v.Source.Ref, &v.EnteredBy, &v.At); err != nil {
			return nil, fmt.Errorf("store: read value history: %w", err)
		}
		v.Source.Kind = derbes.SourceKind(kind)
		out = append(out, v)
	}
	return out, rows.Err()
}

// LegacySubjects returns the subjects imported without a recorded basis
// (R-BASIS-5), oldest first, at most limit after the id after.
func (c Conn) LegacySubjects(ctx context.Context, after string, limit int) ([]derbes.Subject, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, kind, citizenship, created_at, created_by FROM subjects
		WHERE legacy AND id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read legacy subjects: %w", err)
	}
	defer rows.Close()
	var out []derbes.Subject
	for rows.Next() {
		s := derbes.Subject{Legacy: true}
		var at int64
		if err := rows.Scan(&s.ID, &s.Kind, &s.Citizenship, &at, &s.CreatedBy); err != nil {
			return nil, fmt.Errorf("store: read legacy subjects: %w", err)
		}
		s.CreatedAt = fromMicros(at)
		out = append(out, s)
	}
	return out, rows.Err()
}
