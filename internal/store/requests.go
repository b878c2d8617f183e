package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// RightsRequest is a subject's request as stored; Details and Response
// are sealed.
type RightsRequest struct {
	ID            string
	SubjectID     string
	Kind          string
	Channel       string
	IdentityCheck string
	Details       []byte
	Status        string
	Assignee      string
	ReceivedAt    int64
	DueAt         int64
	ClosedAt      sql.NullInt64
	Response      []byte
	Escalated     bool
	Confidential  bool
}

const requestCols = `id, subject_id, kind, channel, identity_check, details, status, assignee, received_at, due_at, closed_at, response, escalated, confidential`

func scanRequest(s scanner) (RightsRequest, error) {
	var r RightsRequest
	err := s.Scan(&r.ID, &r.SubjectID, &r.Kind, &r.Channel, &r.IdentityCheck, &r.Details, &r.Status, &r.Assignee,
		&r.ReceivedAt, &r.DueAt, &r.ClosedAt, &r.Response, &r.Escalated, &r.Confidential)
	if errors.Is(err, sql.ErrNoRows) {
		return r, derbes.NotFound("no such request")
	}
	if err != nil {
		return r, fmt.Errorf("store: read request: %w", err)
	}
	return r, nil
}

// InsertRequest records a new request.
func (c Conn) InsertRequest(ctx context.Context, r RightsRequest) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO rights_requests (`+requestCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		r.ID, r.SubjectID, r.Kind, r.Channel, r.IdentityCheck, r.Details, r.Status, r.Assignee, r.ReceivedAt, r.DueAt, r.ClosedAt, r.Response, r.Escalated, r.Confidential)
	if err != nil {
		return fmt.Errorf("store: insert request: %w", err)
	}
	return nil
}

// RequestByID returns a request. Errors: ENotFound.
func (c Conn) RequestByID(ctx context.Context, id string) (RightsRequest, error) {
	return scanRequest(c.q.QueryRowContext(ctx, `SELECT `+requestCols+` FROM rights_requests WHERE id = $1`, id))
}

// UpdateRequest stores a request's status, assignee, response and escalation.
func (c Conn) UpdateRequest(ctx context.Context, r RightsRequest) error {
	_, err := c.q.ExecContext(ctx, `UPDATE rights_requests SET status = $1, assignee = $2, closed_at = $3, response = $4, escalated = $5 WHERE id = $6`,
		r.Status, r.Assignee, r.ClosedAt, r.Response, r.Escalated, r.ID)
	if err != nil {
		return fmt.Errorf("store: update request: %w", err)
	}
	return nil
}

// OpenRequests returns the requests not closed, earliest due first; with a
// subject id, only that subject's (open and closed).
func (c Conn) OpenRequests(ctx context.Context, subjectID string, limit int) ([]RightsRequest, error) {
	q, args := `SELECT `+requestCols+` FROM rights_requests WHERE status IN ('open', 'in-progress') ORDER BY due_at LIMIT $1`, []any{limit}
	if subjectID != "" {
		q, args = `SELECT `+requestCols+` FROM rights_requests WHERE subject_id = $1 ORDER BY received_at DESC LIMIT $2`, []any{subjectID, limit}
	}
	rows, err := c.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list requests: %w", err)
	}
	defer rows.Close()
	var out []RightsRequest
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
