package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/derbes-kz/derbes/internal/policy"
)

// InsertPolicyVersion stores a published policy version. Its texts,
// summary and additions are stored as JSON text; the version number is the
// primary key, so two publications of the same number cannot both commit.
func (c Conn) InsertPolicyVersion(ctx context.Context, v policy.Version) error {
	texts, err := json.Marshal(v.Texts)
	if err != nil {
		return fmt.Errorf("store: encode policy texts: %w", err)
	}
	summary, err := json.Marshal(v.Summary)
	if err != nil {
		return fmt.Errorf("store: encode policy summary: %w", err)
	}
	adds, err := json.Marshal(v.Adds)
	if err != nil {
		return fmt.Errorf("store: encode policy additions: %w", err)
	}
	_, err = c.q.ExecContext(ctx, `INSERT INTO policy_versions (version, effective, texts, summary, adds, published_at, published_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		v.Number, v.Effective, string(texts), string(summary), string(adds), micros(v.PublishedAt), v.PublishedBy)
	if err != nil {
		return fmt.Errorf("store: insert policy version %d: %w", v.Number, err)
	}
	return nil
}

// PolicyVersions returns every published policy version, ascending by number.
func (c Conn) PolicyVersions(ctx context.Context) ([]policy.Version, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT version, effective, texts, summary, adds, published_at, published_by
		FROM policy_versions ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("store: read policy versions: %w", err)
	}
	defer rows.Close()
	var out []policy.Version
	for rows.Next() {
		var v policy.Version
		var texts, summary, adds string
		var at int64
		if err := rows.Scan(&v.Number, &v.Effective, &texts, &summary, &adds, &at, &v.PublishedBy); err != nil {
			return nil, fmt.Errorf("store: read policy versions: %w", err)
		}
		for _, f := range []struct {
			body string
			dst  any
		}{{texts, &v.Texts}, {summary, &v.Summary}, {adds, &v.Adds}} {
			if err := json.Unmarshal([]byte(f.body), f.dst); err != nil {
				return nil, fmt.Errorf("store: decode policy version %d: %w", v.Number, err)
			}
		}
		v.PublishedAt = fromMicros(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// ConsentSubjectIDs returns up to limit ids of subjects that have a
// consent history, in ascending order after the id after ("" for the
// first page): the subjects a re-consent report walks through.
func (c Conn) ConsentSubjectIDs(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT DISTINCT subject_id FROM consent_events WHERE subject_id > $1 ORDER BY subject_id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list consent subjects: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: list consent subjects: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
