package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/derbes-kz/derbes"
)

// Breach is an incident of the register (R-OPS-3).
type Breach struct {
	ID                  string        `json:"id"`
	DetectedAt          int64         `json:"-"`
	Description         string        `json:"description"`
	Categories          []string      `json:"categories"`
	Subjects            []string      `json:"subjects"`
	Measures            string        `json:"measures"`
	Personal            bool          `json:"personal"`
	Status              string        `json:"status"`
	DueAt               int64         `json:"-"`
	AuthorityNotifiedAt sql.NullInt64 `json:"-"`
	SubjectsNotifiedAt  sql.NullInt64 `json:"-"`
	ClosedAt            sql.NullInt64 `json:"-"`
	RecordedBy          string        `json:"recordedBy"`
}

const breachCols = `id, detected_at, description, categories, subjects, measures, personal, status, due_at, authority_notified_at, subjects_notified_at, closed_at, recorded_by`

func scanBreach(s scanner) (Breach, error) {
	var b Breach
	var cats, subjects string
	err := s.Scan(&b.ID, &b.DetectedAt, &b.Description, &cats, &subjects, &b.Measures, &b.Personal, &b.Status, &b.DueAt,
		&b.AuthorityNotifiedAt, &b.SubjectsNotifiedAt, &b.ClosedAt, &b.RecordedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return b, derbes.NotFound("no such incident")
	}
	if err != nil {
		return b, fmt.Errorf("store: read incident: %w", err)
	}
	b.Categories, b.Subjects = splitList(cats), splitList(subjects)
	return b, nil
}

// InsertBreach records an incident.
func (c Conn) InsertBreach(ctx context.Context, b Breach) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO breaches (`+breachCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		b.ID, b.DetectedAt, b.Description, strings.Join(b.Categories, ","), strings.Join(b.Subjects, ","), b.Measures, b.Personal, b.Status,
		b.DueAt, b.AuthorityNotifiedAt, b.SubjectsNotifiedAt, b.ClosedAt, b.RecordedBy)
	if err != nil {
		return fmt.Errorf("store: insert incident: %w", err)
	}
	return nil
}

// BreachByID returns an incident. Errors: ENotFound.
func (c Conn) BreachByID(ctx context.Context, id string) (Breach, error) {
	return scanBreach(c.q.QueryRowContext(ctx, `SELECT `+breachCols+` FROM breaches WHERE id = $1`, id))
}

// UpdateBreach stores an incident's status and its dates.
func (c Conn) UpdateBreach(ctx context.Context, b Breach) error {
	_, err := c.q.ExecContext(ctx, `UPDATE breaches SET status = $1, measures = $2, authority_notified_at = $3, subjects_notified_at = $4, closed_at = $5
		WHERE id = $6`, b.Status, b.Measures, b.AuthorityNotifiedAt, b.SubjectsNotifiedAt, b.ClosedAt, b.ID)
	if err != nil {
		return fmt.Errorf("store: update incident: %w", err)
	}
	return nil
}

// Breaches returns the register, newest first.
func (c Conn) Breaches(ctx context.Context) ([]Breach, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT `+breachCols+` FROM breaches ORDER BY detected_at DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list incidents: %w", err)
	}
	defer rows.Close()
	var out []Breach
	for rows.Next() {
		b, err := scanBreach(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
