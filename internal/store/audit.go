package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/derbes-kz/derbes"
)

const auditCols = `seq, at, actor, action, subject_id, categories, purpose, basis, outcome, reason, request_id, prev_hash, hash`

type scanner interface{ Scan(dest ...any) error }

func scanAudit(s scanner) (derbes.AuditEntry, error) {
	var e derbes.AuditEntry
	var at int64
	var cats string
	err := s.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.SubjectID, &cats, &e.Purpose, &e.Basis, &e.Outcome, &e.Reason, &e.RequestID, &e.PrevHash, &e.Hash)
	if err != nil {
		return e, fmt.Errorf("store: read audit entry: %w", err)
	}
	e.At = fromMicros(at)
	if cats != "" {
		e.Categories = strings.Split(cats, ",")
	}
	return e, nil
}

// EachAudit calls fn for every audit entry in sequence order, streaming in
// pages so that a chain of millions of entries needs little memory.
func (c Conn) EachAudit(ctx context.Context, fn func(*derbes.AuditEntry) error) error {
	const page = 5000
	var after int64
	for {
		rows, err := c.q.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, page)
		if err != nil {
			return fmt.Errorf("store: read audit trail: %w", err)
		}
		n := 0
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return err
			}
			n++
			after = e.Seq
			if err := fn(&e); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: read audit trail: %w", err)
		}
		if n < page {
			return nil
		}
	}
}

// AuditFilter narrows an audit query. Zero fields do not filter.
type AuditFilter struct {
	SubjectID string
	Actor     string
	Action    string
	Outcome   string
	BeforeSeq int64 // entries with seq < BeforeSeq (paging backwards)
	Limit     int
}

// AuditEntries returns the newest entries matching f, newest first.
func (c Conn) AuditEntries(ctx context.Context, f AuditFilter) ([]derbes.AuditEntry, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.SubjectID != "" {
		add("subject_id = $%d", f.SubjectID)
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = $%d", f.Outcome)
	}
	if f.BeforeSeq > 0 {
		add("seq < $%d", f.BeforeSeq)
	}
	q := `SELECT ` + auditCols + ` FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, max(1, min(f.Limit, 1000)))
	q += fmt.Sprintf(" ORDER BY seq DESC LIMIT $%d", len(args))
	rows, err := c.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query audit trail: %w", err)
	}
	defer rows.Close()
	var out []derbes.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AuditCount returns the number of audit entries, optionally of one outcome.
func (c Conn) AuditCount(ctx context.Context, outcome string) (int64, error) {
	var n int64
	var err error
	if outcome == "" {
		err = c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&n)
	} else {
		err = c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE outcome = $1`, outcome).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("store: count audit entries: %w", err)
	}
	return n, nil
}

// Checkpoints returns the signed audit checkpoints in order.
func (c Conn) Checkpoints(ctx context.Context) ([]derbes.Checkpoint, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT seq, hash, at, key_version, sig FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("store: read checkpoints: %w", err)
	}
	defer rows.Close()
	var out []derbes.Checkpoint
	for rows.Next() {
		var cp derbes.Checkpoint
		var at int64
		if err := rows.Scan(&cp.Seq, &cp.Hash, &at, &cp.KeyVersion, &cp.Sig); err != nil {
			return nil, fmt.Errorf("store: read checkpoints: %w", err)
		}
		cp.At = fromMicros(at)
		out = append(out, cp)
	}
	return out, rows.Err()
}

// AuditLength returns the chain's head sequence number: its length, read
// without counting rows.
func (c Conn) AuditLength(ctx context.Context) (int64, error) {
	var n int64
	if err := c.q.QueryRowContext(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: read audit head: %w", err)
	}
	return n, nil
}
