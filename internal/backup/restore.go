package backup

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// ErrNotEmpty is returned when the restore target holds data.
var ErrNotEmpty = errors.New("the target database is not empty")

// Restore restores the backup in r into db and returns what it restored.
//
// db must be a database that derbes has never started on: opened with
// store.Open (which creates the schema) and nothing else, in particular
// before service.New, whose first start would install keys, roles and the
// catalogue. Restore refuses any other (ErrNotEmpty), and a backup of
// another schema version.
//
// It reads r twice. The first pass is Verify: every chunk, the row counts
// and the trailer, before anything is written. The second pass inserts
// every row, table by table in foreign-key order, in ONE transaction, and
// checks that the chain heads match the restored chains before it
// commits: a failure anywhere leaves the database as it was.
//
// Restore brings back the data as it was when the backup was taken. The
// caller must then open the service and call Finish with the erasure
// ledger, so that subjects destroyed since are destroyed again.
func Restore(ctx context.Context, db *store.DB, master vault.Master, r io.ReadSeeker) (*Info, error) {
	engine, raw := db.Engine(), db.Raw()
	schema, err := db.SchemaVersionOf(ctx)
	if err != nil {
		return nil, err
	}
	target, err := tables(ctx, raw, engine)
	if err != nil {
		return nil, err
	}
	cols := map[string][]column{}
	for _, t := range target {
		if cols[t], err = columns(ctx, raw, engine, t); err != nil {
			return nil, err
		}
	}
	if err := checkEmpty(ctx, raw, target); err != nil {
		return nil, err
	}

	// Pass 1: verify the whole file, and that its tables and columns are
	// the target's.
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var inBackup []*Table
	first, err := Scan(ctx, master, r, func(t *Table, row []any) error {
		if row == nil {
			inBackup = append(inBackup, &Table{Name: t.Name, Columns: slices.Clone(t.Columns)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if first.Schema != schema {
		return nil, fmt.Errorf("backup: the backup is of schema version %d, the target of %d: restore it with the derbes release that made it", first.Schema, schema)
	}
	if err := sameTables(inBackup, target, cols); err != nil {
		return nil, err
	}

	// Pass 2: insert, all or nothing.
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("backup: restore: begin: %w", err)
	}
	defer tx.Rollback()
	for t := range seeded {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+quote(t)); err != nil {
			return nil, fmt.Errorf("backup: restore: clear %s: %w", t, err)
		}
	}
	ins := &inserter{ctx: ctx, tx: tx, engine: engine}
	second, err := Scan(ctx, master, r, func(t *Table, row []any) error {
		if row == nil {
			return ins.start(t, cols[t.Name])
		}
		return ins.add(row)
	})
	if err != nil {
		return nil, err
	}
	if err := ins.flush(); err != nil {
		return nil, err
	}
	if second.ID != first.ID || second.Rows != first.Rows {
		return nil, fmt.Errorf("%w: the file changed between the verify and restore passes", ErrCorrupt)
	}
	for _, c := range []struct{ head, chain string }{{"audit_head", "audit_log"}, {"consent_head", "consent_events"}} {
		if err := checkHead(ctx, tx, c.head, c.chain); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("backup: restore: commit: %w", err)
	}
	return second, nil
}

// checkEmpty refuses a target with any row, but the seeded chain heads at
// sequence 0.
func checkEmpty(ctx context.Context, q querier, names []string) error {
	var full []string
	for _, t := range names {
		query := `SELECT COUNT(*) FROM ` + quote(t)
		if seeded[t] {
			query += ` WHERE seq <> 0`
		}
		var n int64
		if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return fmt.Errorf("backup: count %s: %w", t, err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s (%d rows)", t, n))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("backup: %w: %s; restore needs a new database that derbes has never started on", ErrNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

func sameTables(in []*Table, target []string, cols map[string][]column) error {
	var problems []string
	have := map[string]bool{}
	for _, t := range in {
		have[t.Name] = true
		tc, ok := cols[t.Name]
		if !ok {
			problems = append(problems, "table "+t.Name+" is not in the target")
			continue
		}
		var names []string
		for _, c := range tc {
			names = append(names, c.name)
		}
		a, b := slices.Clone(names), slices.Clone(t.Columns)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			problems = append(problems, fmt.Sprintf("table %s has columns %v in the backup, %v in the target", t.Name, t.Columns, names))
		}
	}
	for _, t := range target {
		if !have[t] {
			problems = append(problems, "table "+t+" is not in the backup")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("backup: the backup's schema is not the target's: %s", strings.Join(problems, "; "))
	}
	return nil
}

// checkHead checks that a chain's head row names the chain's last entry.
func checkHead(ctx context.Context, tx *sql.Tx, head, chain string) error {
	var seq int64
	var hash []byte
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM `+quote(head)+` WHERE id = 1`).Scan(&seq, &hash); err != nil {
		return fmt.Errorf("backup: restore: read %s: %w", head, err)
	}
	var lastSeq int64
	lastHash := make([]byte, 32)
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM `+quote(chain)+` ORDER BY seq DESC LIMIT 1`).Scan(&lastSeq, &lastHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("backup: restore: read %s: %w", chain, err)
	}
	if seq != lastSeq || !bytes.Equal(hash, lastHash) {
		return fmt.Errorf("backup: restore: %s (seq %d) does not name the last entry of %s (seq %d): the backup is not a consistent snapshot", head, seq, chain, lastSeq)
	}
	return nil
}

// inserter inserts a table's rows in multi-row INSERTs.
type inserter struct {
	ctx    context.Context
	tx     *sql.Tx
	engine store.Engine
	table  string
	class  []byte // per backup column, the target column's class
	prefix string // INSERT INTO t (cols) VALUES
	perRow int    // rows per full statement
	full   *sql.Stmt
	args   []any
	rows   int
	size   int // bytes held in args
}

const (
	maxParams     = 30000   // below SQLite's 32766 and PostgreSQL's 65535
	maxBatchRows  = 1000    // rows per statement
	maxBatchBytes = 4 << 20 // bytes of values held before a flush
)

func (in *inserter) start(t *Table, target []column) error {
	if err := in.flush(); err != nil {
		return err
	}
	if in.full != nil {
		in.full.Close()
		in.full = nil
	}
	byName := map[string]byte{}
	for _, c := range target {
		byName[c.name] = c.class
	}
	in.table, in.class = t.Name, make([]byte, len(t.Columns))
	quoted := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		in.class[i] = byName[c]
		quoted[i] = quote(c)
	}
	in.prefix = `INSERT INTO ` + quote(t.Name) + ` (` + strings.Join(quoted, ", ") + `) VALUES `
	in.perRow = max(1, min(maxBatchRows, maxParams/len(t.Columns)))
	return nil
}

func (in *inserter) add(row []any) error {
	for i, v := range row {
		c, err := convert(v, in.class[i], in.engine)
		if err != nil {
			return fmt.Errorf("backup: restore %s row %d column %d: %w", in.table, in.rows+1, i+1, err)
		}
		in.args = append(in.args, c)
		switch x := c.(type) {
		case string:
			in.size += len(x)
		case []byte:
			in.size += len(x)
		default:
			in.size += 8
		}
	}
	in.rows++
	if in.rows == in.perRow || in.size >= maxBatchBytes {
		return in.flush()
	}
	return nil
}

func (in *inserter) flush() error {
	if in.rows == 0 {
		return nil
	}
	var err error
	if in.rows == in.perRow {
		if in.full == nil {
			if in.full, err = in.tx.PrepareContext(in.ctx, in.statement(in.rows)); err != nil {
				return fmt.Errorf("backup: restore %s: %w", in.table, err)
			}
		}
		_, err = in.full.ExecContext(in.ctx, in.args...)
	} else {
		_, err = in.tx.ExecContext(in.ctx, in.statement(in.rows), in.args...)
	}
	if err != nil {
		return fmt.Errorf("backup: restore %s: %w", in.table, err)
	}
	clear(in.args)
	in.args, in.rows, in.size = in.args[:0], 0, 0
	return nil
}

func (in *inserter) statement(rows int) string {
	ncol := len(in.class)
	var b strings.Builder
	b.Grow(len(in.prefix) + rows*ncol*7)
	b.WriteString(in.prefix)
	p := 1
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range ncol {
			if c > 0 {
				b.WriteByte(',')
			}
			// SQLite gets anonymous "?" parameters: modernc.org/sqlite looks
			// up each "$n" by name in a list, which is quadratic in the
			// parameter count of these multi-row statements.
			if in.engine == store.SQLite {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
			}
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Result is what Finish did.
type Result struct {
	LedgerLines int                   `json:"ledgerLines"` // erasure ledger lines applied
	Reapplied   int                   `json:"reapplied"`   // subjects whose data the ledger destroyed again
	Audit       *service.VerifyReport `json:"audit"`
}

// Finish completes a restore on the service opened over the restored
// database (service.New with the same master key): it re-applies the
// erasure ledger, so that every subject destroyed after the backup was
// taken is destroyed again (R-RIGHTS-6), and verifies the audit chain
// with its signed checkpoints. Both steps are audited, by
// "system:restore". ledger is the installation's latest ledger (as
// GET /api/v1/erasures exports it); the backup's own ledger is already
// applied in its data.
func Finish(ctx context.Context, svc *service.Service, ledger []store.Erasure) (*Result, error) {
	ctx = derbes.WithPrincipal(ctx, service.System("restore"))
	res := &Result{LedgerLines: len(ledger)}
	var err error
	if len(ledger) > 0 {
		if res.Reapplied, err = svc.ApplyErasures(ctx, ledger); err != nil {
			return res, fmt.Errorf("backup: re-apply the erasure ledger: %w", err)
		}
	}
	if res.Audit, err = svc.VerifyAudit(ctx); err != nil {
		return res, fmt.Errorf("backup: verify the audit chain: %w", err)
	}
	return res, nil
}

// ParseLedger reads an erasure ledger as GET /api/v1/erasures answers it
// ({"erasures": [...]}) or as a bare JSON array.
func ParseLedger(r io.Reader) ([]store.Erasure, error) {
	body, err := io.ReadAll(io.LimitReader(r, 1<<30))
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	var out []store.Erasure
	if len(body) > 0 && body[0] == '[' {
		err = json.Unmarshal(body, &out)
	} else {
		var wrapped struct {
			Erasures *[]store.Erasure `json:"erasures"`
		}
		if err = json.Unmarshal(body, &wrapped); err == nil && wrapped.Erasures == nil {
			err = errors.New(`no "erasures" list`)
		}
		if wrapped.Erasures != nil {
			out = *wrapped.Erasures
		}
	}
	if err != nil {
		return nil, fmt.Errorf("backup: erasure ledger: %w", err)
	}
	for i, e := range out {
		if e.SubjectID == "" {
			return nil, fmt.Errorf("backup: erasure ledger: line %d has no subjectId", i+1)
		}
	}
	return out, nil
}
