package store

import (
	"context"
	"fmt"
	"strings"
)

// Erasure is a line of the erasure ledger: proof of a destruction.
type Erasure struct {
	SubjectID   string   `json:"subjectId"`
	At          int64    `json:"at"`
	Basis       string   `json:"basis"`
	Categories  []string `json:"categories"`
	DestroyedBy string   `json:"destroyedBy"`
	// Sig is derbes's signature of the line, made when the ledger is
	// exported (not stored): a restore applies only lines it signed.
	Sig []byte `json:"sig,omitempty"`
}

// Message is the byte string a ledger line's signature covers.
func (e Erasure) Message() []byte {
	return []byte(fmt.Sprintf("derbes/erasure/v1\x00%s\x00%d\x00%s\x00%s\x00%s", e.SubjectID, e.At, e.Basis, strings.Join(e.Categories, ","), e.DestroyedBy))
}

// ShredSubject deletes everything that holds a subject's personal data:
// first the subject's data keys (crypto-shredding: any copy of the
// ciphertexts, in a backup or a replica, no longer opens), then the values,
// blind-index entries, files and one-time code challenges. It keeps the
// subject row (an id), the consent history and the registers, which hold
// no values.
func (c Conn) ShredSubject(ctx context.Context, subjectID string) error {
	for _, table := range []string{"subject_keys", "pd_values", "blind_index", "files", "otp_challenges", "portal_sessions", "order_messages"} {
		if _, err := c.q.ExecContext(ctx, `DELETE FROM `+table+` WHERE subject_id = $1`, subjectID); err != nil {
			return fmt.Errorf("store: shred %s: %w", table, err)
		}
	}
	return nil
}

// InsertErasure adds a ledger line (once per subject).
func (c Conn) InsertErasure(ctx context.Context, e Erasure) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO erasures (subject_id, at, basis, categories, destroyed_by) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (subject_id) DO NOTHING`, e.SubjectID, e.At, e.Basis, strings.Join(e.Categories, ","), e.DestroyedBy)
	if err != nil {
		return fmt.Errorf("store: insert erasure: %w", err)
	}
	return nil
}

// Erasures returns the whole ledger, oldest first.
func (c Conn) Erasures(ctx context.Context) ([]Erasure, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT subject_id, at, basis, categories, destroyed_by FROM erasures ORDER BY at, subject_id`)
	if err != nil {
		return nil, fmt.Errorf("store: read erasures: %w", err)
	}
	defer rows.Close()
	var out []Erasure
	for rows.Next() {
		var e Erasure
		var cats string
		if err := rows.Scan(&e.SubjectID, &e.At, &e.Basis, &cats, &e.DestroyedBy); err != nil {
			return nil, fmt.Errorf("store: read erasures: %w", err)
		}
		e.Categories = splitList(cats)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Erased reports whether a subject's data was destroyed.
func (c Conn) Erased(ctx context.Context, subjectID string) (bool, error) {
	var n int
	if err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM erasures WHERE subject_id = $1`, subjectID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: read erasure: %w", err)
	}
	return n > 0, nil
}
