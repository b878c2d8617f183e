package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
)

// WriteFunc does one operation's writes inside the shared transaction and
// returns the audit entries that record it. When it returns an error, its
// writes are rolled back (to a savepoint) but the entries it returned are
// still appended: that is how a refusal is audited while nothing else of it
// is written.
type WriteFunc func(ctx context.Context, c Conn) ([]derbes.AuditEntry, error)

type job struct {
	ctx  context.Context
	fn   WriteFunc
	done chan error
	err  error
	// entries, when fn is nil: an audit-only job (every audited read), which
	// writes nothing that a savepoint would have to undo.
	entries []derbes.AuditEntry
}

// maxBatch bounds one group commit: big enough to amortise a sync over many
// requests, small enough to keep the latency of the first one low.
const maxBatch = 256

// ErrClosed is returned for writes submitted after Close.
var ErrClosed = &derbes.Error{Code: derbes.EUnavailable, Rule: "shutting-down", Message: "derbes is shutting down"}

// Write runs fn in the group committer and returns once its writes and audit
// entries are committed and durable (or rolled back). The error is fn's own
// error, or a storage error.
func (db *DB) Write(ctx context.Context, fn WriteFunc) error {
	return db.enqueue(ctx, &job{ctx: ctx, fn: fn, done: make(chan error, 1)})
}

func (db *DB) enqueue(ctx context.Context, j *job) error {
	// The read lock orders this enqueue before Close: a job queued while
	// open is drained by the committer; none is queued after.
	db.closing.RLock()
	if db.closed {
		db.closing.RUnlock()
		return ErrClosed
	}
	select {
	case db.jobs <- j:
		db.closing.RUnlock()
	case <-ctx.Done():
		db.closing.RUnlock()
		return ctx.Err()
	}
	// Once queued, the job is waited for even if ctx ends: the caller must
	// know whether it was committed.
	return <-j.done
}

// Audit appends entries to the trail, durably, with nothing else.
func (db *DB) Audit(ctx context.Context, entries ...derbes.AuditEntry) error {
	return db.enqueue(ctx, &job{ctx: ctx, entries: entries, done: make(chan error, 1)})
}

func (db *DB) commitLoop() {
	defer close(db.done)
	for {
		var first *job
		select {
		case first = <-db.jobs:
		case <-db.stop:
			db.drain()
			return
		}
		batch := []*job{first}
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-db.jobs:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		db.commitBatch(batch)
	}
}

// drain runs what was queued before Close, so no accepted write is lost.
func (db *DB) drain() {
	for {
		select {
		case j := <-db.jobs:
			db.commitBatch([]*job{j})
		default:
			return
		}
	}
}

func (db *DB) commitBatch(batch []*job) {
	err := db.runBatch(batch)
	for _, j := range batch {
		if err != nil {
			j.done <- err
		} else {
			j.done <- j.err
		}
	}
	if db.wStmts != nil {
		// After the answers: the writer's connection is free again.
		db.wStmts.prepareNoted(context.Background())
	}
}

// runBatch runs the batch in one transaction. The audit head row is locked
// first, so that on PostgreSQL nodes sharing one database append to the one
// chain in turn.
func (db *DB) runBatch(batch []*job) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback()
	c := db.txConn(tx)
	lock := ""
	if db.engine == Postgres {
		lock = " FOR UPDATE"
	}
	var head chainHead
	if err := c.q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`+lock).Scan(&head.seq, &head.hash); err != nil {
		return fmt.Errorf("store: read audit head: %w", err)
	}
	startSeq := head.seq
	now := db.now().UTC().Truncate(time.Microsecond)
	var pending []derbes.AuditEntry
	var due []chainHead // checkpoints owed: every CheckpointEvery-th entry
	for _, j := range batch {
		entries, err := db.runJob(ctx, c, j)
		if err != nil {
			return err
		}
		for i := range entries {
			head.link(&entries[i], now)
			if db.CheckpointEvery > 0 && head.seq%db.CheckpointEvery == 0 {
				due = append(due, head)
			}
		}
		pending = append(pending, entries...)
	}
	if err := insertAudit(ctx, c, pending); err != nil {
		return err
	}
	if head.seq != startSeq {
		if _, err := c.q.ExecContext(ctx, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, head.seq, head.hash); err != nil {
			return fmt.Errorf("store: update audit head: %w", err)
		}
	}
	for _, h := range due {
		if err := writeCheckpoint(ctx, c, db.signer, h, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// runJob runs one job inside a savepoint. A job error rolls back the job
// alone; only a failure of the savepoint machinery fails the batch.
func (db *DB) runJob(ctx context.Context, c Conn, j *job) ([]derbes.AuditEntry, error) {
	if err := j.ctx.Err(); err != nil {
		j.err = err
		return nil, nil
	}
	if j.fn == nil {
		// Audit-only: its entries go into the batch's one insert; there is
		// nothing of its own to roll back.
		return j.entries, nil
	}
	if _, err := c.q.ExecContext(ctx, `SAVEPOINT job`); err != nil {
		return nil, fmt.Errorf("store: savepoint: %w", err)
	}
	// The job sees its request's values but not its cancellation: a query
	// cancelled half-way could break the shared transaction.
	entries, err := j.fn(context.WithoutCancel(j.ctx), c)
	if err != nil {
		if _, rerr := c.q.ExecContext(ctx, `ROLLBACK TO SAVEPOINT job`); rerr != nil {
			return nil, fmt.Errorf("store: rollback to savepoint: %w", rerr)
		}
		j.err = err
	}
	if _, err := c.q.ExecContext(ctx, `RELEASE SAVEPOINT job`); err != nil {
		return nil, fmt.Errorf("store: release savepoint: %w", err)
	}
	return entries, nil
}

type chainHead struct {
	seq  int64
	hash []byte
}

func (h *chainHead) link(e *derbes.AuditEntry, now time.Time) {
	h.seq++
	e.Seq = h.seq
	e.At = now
	e.PrevHash = h.hash
	e.Hash = derbes.ChainHash(h.hash, e)
	h.hash = e.Hash
}

// insertAudit writes entries with multi-row INSERTs: one statement per
// chunk instead of one per entry keeps the writer's lock time short.
func insertAudit(ctx context.Context, c Conn, entries []derbes.AuditEntry) error {
	const cols = 13
	const chunk = 64
	for start := 0; start < len(entries); start += chunk {
		part := entries[start:min(start+chunk, len(entries))]
		args := make([]any, 0, len(part)*cols)
		for _, e := range part {
			args = append(args, e.Seq, micros(e.At), e.Actor, e.Action, e.SubjectID, strings.Join(e.Categories, ","),
				e.Purpose, e.Basis, e.Outcome, e.Reason, e.RequestID, e.PrevHash, e.Hash)
		}
		q := `INSERT INTO audit_log (seq, at, actor, action, subject_id, categories, purpose, basis, outcome, reason, request_id, prev_hash, hash) VALUES ` +
			placeholders(len(part), cols)
		if _, err := c.q.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: insert audit entries: %w", err)
		}
	}
	return nil
}

func writeCheckpoint(ctx context.Context, c Conn, s Signer, head chainHead, now time.Time) error {
	if s == nil {
		return fmt.Errorf("store: a checkpoint is due but no signer was given to Start")
	}
	cp := derbes.Checkpoint{Seq: head.seq, Hash: head.hash, At: now}
	cp.Sig, cp.KeyVersion = s.SignCheckpoint(cp.Message())
	_, err := c.q.ExecContext(ctx, `INSERT INTO audit_checkpoints (seq, hash, at, key_version, sig) VALUES ($1, $2, $3, $4, $5)`,
		cp.Seq, cp.Hash, micros(cp.At), cp.KeyVersion, cp.Sig)
	if err != nil {
		return fmt.Errorf("store: write checkpoint: %w", err)
	}
	return nil
}

// Checkpoint signs the current head now (on shutdown, and after verify), so
// that the tail of the chain is covered too.
func (db *DB) Checkpoint(ctx context.Context) error {
	return db.Write(ctx, func(ctx context.Context, c Conn) ([]derbes.AuditEntry, error) {
		var head chainHead
		if err := c.q.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.seq, &head.hash); err != nil {
			return nil, fmt.Errorf("store: read audit head: %w", err)
		}
		var exists int
		err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_checkpoints WHERE seq = $1`, head.seq).Scan(&exists)
		if err != nil || exists > 0 || head.seq == 0 || db.signer == nil {
			return nil, err
		}
		return nil, writeCheckpoint(ctx, c, db.signer, head, db.now().UTC().Truncate(time.Microsecond))
	})
}
