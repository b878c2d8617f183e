package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ActorCount is how many audited reads one actor made.
type ActorCount struct {
	Actor string
	Count int
}

// ReadsByActor counts each staff actor's audited reads and searches in
// [from, to] (Unix microseconds).
func (c Conn) ReadsByActor(ctx context.Context, from, to int64) ([]ActorCount, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT actor, COUNT(*) FROM audit_log WHERE at >= $1 AND at <= $2
		AND action IN ('subject.read', 'subject.search', 'subject.history') AND actor LIKE 'staff:%' GROUP BY actor ORDER BY actor`, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: count reads: %w", err)
	}
	defer rows.Close()
	var out []ActorCount
	for rows.Next() {
		var a ActorCount
		if err := rows.Scan(&a.Actor, &a.Count); err != nil {
			return nil, fmt.Errorf("store: count reads: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// InsertControlReport keeps a dated report.
func (c Conn) InsertControlReport(ctx context.Context, id string, at int64, body string) error {
	if _, err := c.q.ExecContext(ctx, `INSERT INTO control_reports (id, at, body) VALUES ($1, $2, $3)`, id, at, body); err != nil {
		return fmt.Errorf("store: insert control report: %w", err)
	}
	return nil
}

// LatestControlReport returns the newest report's time and body.
func (c Conn) LatestControlReport(ctx context.Context) (int64, string, bool, error) {
	var at int64
	var body string
	err := c.q.QueryRowContext(ctx, `SELECT at, body FROM control_reports ORDER BY at DESC LIMIT 1`).Scan(&at, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("store: read control report: %w", err)
	}
	return at, body, true, nil
}

// ReleaseLease frees the named lease before it goes stale.
func (c Conn) ReleaseLease(ctx context.Context, name string) error {
	if _, err := c.q.ExecContext(ctx, `UPDATE settings SET value = '0' WHERE key = $1`, "lease:"+name); err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// ClaimLease takes the named job lease if it is free or older than
// staleAfter micros: one node runs a scheduled job, even when several share
// one database. It reports whether this caller holds it.
func (c Conn) ClaimLease(ctx context.Context, name string, now, staleAfter int64) (bool, error) {
	key := "lease:" + name
	if _, err := c.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, '0') ON CONFLICT (key) DO NOTHING`, key); err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	res, err := c.q.ExecContext(ctx, `UPDATE settings SET value = $1 WHERE key = $2 AND CAST(value AS BIGINT) <= $3`,
		fmt.Sprint(now), key, now-staleAfter)
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
