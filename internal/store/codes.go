package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// Challenge is a one-time code challenge as stored: keyed hashes only.
type Challenge struct {
	ID          string
	SubjectID   string
	AddressHash []byte
	Channel     string
	Purpose     string
	CodeHash    []byte
	CreatedAt   int64
	ExpiresAt   int64
	ConfirmedAt sql.NullInt64
	UsedBy      string
}

// InsertChallenge stores a new challenge.
func (c Conn) InsertChallenge(ctx context.Context, ch Challenge) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO otp_challenges (id, subject_id, address_hash, channel, purpose, code_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ch.ID, ch.SubjectID, ch.AddressHash, ch.Channel, ch.Purpose, ch.CodeHash, ch.CreatedAt, ch.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: insert challenge: %w", err)
	}
	return nil
}

// Challenge returns the challenge with id. Errors: ENotFound.
func (c Conn) Challenge(ctx context.Context, id string) (Challenge, error) {
	ch := Challenge{ID: id}
	err := c.q.QueryRowContext(ctx, `SELECT subject_id, address_hash, channel, purpose, code_hash, created_at, expires_at, confirmed_at, used_by
		FROM otp_challenges WHERE id = $1`, id).Scan(&ch.SubjectID, &ch.AddressHash, &ch.Channel, &ch.Purpose, &ch.CodeHash,
		&ch.CreatedAt, &ch.ExpiresAt, &ch.ConfirmedAt, &ch.UsedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return ch, &derbes.Error{Code: derbes.ENotFound, Field: "challengeId", Rule: "code-unknown", Message: "no such code challenge"}
	}
	if err != nil {
		return ch, fmt.Errorf("store: read challenge: %w", err)
	}
	return ch, nil
}

// CountChallenges returns how many challenges went to an address since micros.
func (c Conn) CountChallenges(ctx context.Context, addressHash []byte, since int64) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM otp_challenges WHERE address_hash = $1 AND created_at >= $2`, addressHash, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count challenges: %w", err)
	}
	return n, nil
}

// CountFailures returns the wrong codes entered for an address since micros.
func (c Conn) CountFailures(ctx context.Context, addressHash []byte, since int64) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM otp_failures WHERE address_hash = $1 AND at >= $2`, addressHash, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count code failures: %w", err)
	}
	return n, nil
}

// InsertFailure records a wrong code for an address.
func (c Conn) InsertFailure(ctx context.Context, addressHash []byte, at int64) error {
	if _, err := c.q.ExecContext(ctx, `INSERT INTO otp_failures (address_hash, at) VALUES ($1, $2)`, addressHash, at); err != nil {
		return fmt.Errorf("store: record code failure: %w", err)
	}
	return nil
}

// ConfirmChallenge marks a challenge confirmed, once. It reports whether it did.
func (c Conn) ConfirmChallenge(ctx context.Context, id string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE otp_challenges SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL`, at, id)
	if err != nil {
		return false, fmt.Errorf("store: confirm challenge: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// UseChallenge binds a confirmed challenge to what it proves (a consent), once.
func (c Conn) UseChallenge(ctx context.Context, id, by string) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE otp_challenges SET used_by = $1 WHERE id = $2 AND used_by = '' AND confirmed_at IS NOT NULL`, by, id)
	if err != nil {
		return false, fmt.Errorf("store: use challenge: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
