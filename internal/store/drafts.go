package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// Draft is an online application in progress, sealed (Body) under its own
// wrapped key.
type Draft struct {
	IDHash     []byte
	KeyVersion int
	Wrapped    []byte
	Body       []byte
	CreatedAt  int64
	ExpiresAt  int64
	OriginHash []byte
}

// InsertDraft stores a new draft.
func (c Conn) InsertDraft(ctx context.Context, d Draft) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO application_drafts (id_hash, key_version, wrapped, body, created_at, expires_at, origin_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.IDHash, d.KeyVersion, d.Wrapped, d.Body, d.CreatedAt, d.ExpiresAt, d.OriginHash)
	if err != nil {
		return fmt.Errorf("store: insert draft: %w", err)
	}
	return nil
}

// Draft returns a draft by its token's hash.
// Errors: ENotFound.
func (c Conn) Draft(ctx context.Context, idHash []byte) (Draft, error) {
	d := Draft{IDHash: idHash}
	err := c.q.QueryRowContext(ctx, `SELECT key_version, wrapped, body, created_at, expires_at FROM application_drafts WHERE id_hash = $1`, idHash).
		Scan(&d.KeyVersion, &d.Wrapped, &d.Body, &d.CreatedAt, &d.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, derbes.NotFound("no such application draft")
	}
	if err != nil {
		return d, fmt.Errorf("store: read draft: %w", err)
	}
	return d, nil
}

// UpdateDraft replaces a draft's sealed body.
func (c Conn) UpdateDraft(ctx context.Context, idHash, body []byte) error {
	if _, err := c.q.ExecContext(ctx, `UPDATE application_drafts SET body = $1 WHERE id_hash = $2`, body, idHash); err != nil {
		return fmt.Errorf("store: update draft: %w", err)
	}
	return nil
}

// DeleteDraft destroys a draft (its key goes with it); it reports whether
// there was one.
func (c Conn) DeleteDraft(ctx context.Context, idHash []byte) (bool, error) {
	res, err := c.q.ExecContext(ctx, `DELETE FROM application_drafts WHERE id_hash = $1`, idHash)
	if err != nil {
		return false, fmt.Errorf("store: delete draft: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteExpiredDrafts destroys every draft expired at now and returns how many.
func (c Conn) DeleteExpiredDrafts(ctx context.Context, now int64) (int64, error) {
	res, err := c.q.ExecContext(ctx, `DELETE FROM application_drafts WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired drafts: %w", err)
	}
	return res.RowsAffected()
}

// CountDraftsFrom counts the drafts one network address started since.
func (c Conn) CountDraftsFrom(ctx context.Context, originHash []byte, since int64) (int, error) {
	var n int
	if err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM application_drafts WHERE origin_hash = $1 AND created_at >= $2`, originHash, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count drafts: %w", err)
	}
	return n, nil
}
