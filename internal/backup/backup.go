// Package backup makes, checks and restores derbes backups (R-OPS-1).
//
// A backup is logical and engine-neutral: every table of the schema (but
// schema_migrations, whose version the header records) is read inside one
// read-only snapshot of a running installation (store.DB.Snapshot: a WAL
// read transaction on SQLite, REPEATABLE READ READ ONLY on PostgreSQL), so
// writes go on and the backup is one consistent state: each audit entry
// with its chain head, each subject with all its rows. A backup made on
// SQLite restores into PostgreSQL and the other way round.
//
// # File format
//
//	derbes-backup/1\n
//	{header JSON}\n        id, created, engine, schema, masterId, wrappedKey,
//	                       chunkSize, compression, cipher, records
//	frame*                 flag (1 byte, 1 = last) · length (uint32 BE) ·
//	                       AES-256-GCM(chunk)
//
// The plaintext under the frames, cut into chunks of chunkSize bytes, is a
// gzip stream (level 1: most of the bytes are ciphertexts, which do not
// compress) of the record stream described in format.go: per table its
// name and columns, its rows as typed values (NULL, integer, text, bytes,
// boolean), its row count; then the table count and the SHA-256 of all the
// records before.
//
// Each backup has a random 256-bit data key, wrapped by the master key
// (vault.Master.Wrap, AD "derbes/backup/<id>") into the header. Chunk i is
// sealed with nonce i and AD = label · SHA-256(magic + header line) · i ·
// last flag, so a flipped byte anywhere (header included), a reordered,
// repeated or foreign chunk, a file cut at any point (at a chunk boundary
// too) or bytes appended after the last chunk are all refused. The master
// key itself is never in a backup. What is in it: the keys table (keys
// wrapped by the master), subjects' data keys wrapped by purpose keys, and
// values as the ciphertexts they are at rest; so a backup taken before a
// destruction still holds that subject's data, under a key the master
// opens. That is why a restore re-applies the erasure ledger.
//
// Verify opens every chunk, decompresses, parses every record, checks the
// row counts and the SHA-256 trailer, and writes nothing. Restore runs
// Verify's pass first, then a second pass that inserts the rows in one
// transaction on an empty database; any failure rolls everything back.
package backup

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// Info describes a backup: what Write wrote, Verify checked or Restore
// restored.
type Info struct {
	ID         string       `json:"id"`
	Created    time.Time    `json:"created"`
	Engine     string       `json:"engine"` // of the installation backed up
	Schema     int          `json:"schema"`
	MasterID   string       `json:"masterId"`
	Tables     []TableCount `json:"tables"`
	Rows       int64        `json:"rows"`
	Bytes      int64        `json:"bytes"`      // the file's size
	Plain      int64        `json:"plainBytes"` // the record stream's size
	AuditSeq   int64        `json:"auditSeq"`   // the audit chain's length in the backup
	ConsentSeq int64        `json:"consentSeq"` // the consent chain's length
}

// TableCount is one table's row count.
type TableCount struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// Count returns the row count of table (0 when absent).
func (in *Info) Count(table string) int64 {
	for _, t := range in.Tables {
		if t.Name == table {
			return t.Rows
		}
	}
	return 0
}

// Options tune Write. The zero value is the default.
type Options struct {
	ChunkSize int              // plaintext bytes per chunk; DefaultChunkSize when 0
	Generator string           // recorded in the header, e.g. "derbes 1.2.0"
	Now       func() time.Time // the clock; time.Now when nil
}

// Write writes a backup of db to w: one consistent snapshot of every table,
// taken without stopping writes. master must be the installation's master
// key: it wraps the backup's data key, and Write refuses a master key that
// wrapped none of the installation's keys (a backup nobody could restore).
func Write(ctx context.Context, db *store.DB, master vault.Master, w io.Writer, opt Options) (*Info, error) {
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = DefaultChunkSize
	}
	if opt.ChunkSize > maxChunkSize {
		return nil, fmt.Errorf("backup: chunk size %d is above %d", opt.ChunkSize, maxChunkSize)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	tx, schema, err := db.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	created := opt.Now().UTC()
	engine := db.Engine()

	ids, err := strings2(ctx, tx, `SELECT DISTINCT master_id FROM keys`)
	if err != nil {
		return nil, fmt.Errorf("backup: read key masters: %w", err)
	}
	if len(ids) > 0 && !contains(ids, master.ID()) {
		return nil, fmt.Errorf("backup: the master key given (%s) wrapped none of this installation's keys (%v): a backup under it could not be restored", master.ID(), ids)
	}
	names, err := tables(ctx, tx, engine)
	if err != nil {
		return nil, err
	}

	var idb [16]byte
	rand.Read(idb[:])
	dataKey := make([]byte, 32)
	rand.Read(dataKey)
	defer clear(dataKey)
	h := &header{ID: hex.EncodeToString(idb[:]), Created: created, Engine: string(engine), Schema: schema,
		MasterID: master.ID(), ChunkSize: opt.ChunkSize, Compression: "gzip", Cipher: "AES-256-GCM",
		Records: "derbes-rows/1", Generator: opt.Generator}
	if h.WrappedKey, err = master.Wrap(ctx, dataKey, []byte(wrapADPrefix+h.ID)); err != nil {
		return nil, fmt.Errorf("backup: wrap the data key: %w", err)
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	cw := &countingWriter{w: w}
	hdr, err := writeHeader(cw, h)
	if err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	chunks := newChunkWriter(cw, aead, hdr, opt.ChunkSize)
	gz, err := gzip.NewWriterLevel(chunks, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	enc := newEncoder(gz)
	info := &Info{ID: h.ID, Created: created, Engine: h.Engine, Schema: schema, MasterID: h.MasterID}
	for _, t := range names {
		n, err := dumpTable(ctx, tx, engine, t, enc, info)
		if err != nil {
			return nil, err
		}
		info.Tables = append(info.Tables, TableCount{Name: t, Rows: n})
		info.Rows += n
	}
	if err := enc.final(len(names)); err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	if err := chunks.Close(); err != nil {
		return nil, fmt.Errorf("backup: write: %w", err)
	}
	info.Bytes, info.Plain = cw.n, enc.n
	return info, nil
}

func dumpTable(ctx context.Context, tx querier, engine store.Engine, table string, enc *encoder, info *Info) (int64, error) {
	cols, err := columns(ctx, tx, engine, table)
	if err != nil {
		return 0, err
	}
	names := make([]string, len(cols))
	quoted := ""
	for i, c := range cols {
		names[i] = c.name
		if i > 0 {
			quoted += ", "
		}
		quoted += quote(c.name)
	}
	if err := enc.table(table, names); err != nil {
		return 0, fmt.Errorf("backup: write: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+quoted+` FROM `+quote(table))
	if err != nil {
		return 0, fmt.Errorf("backup: read %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("backup: read %s: %w", table, err)
		}
		if err := enc.row(vals); err != nil {
			return n, fmt.Errorf("backup: %s: %w", table, err)
		}
		noteHead(info, table, names, vals)
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("backup: read %s: %w", table, err)
	}
	if err := enc.end(n); err != nil {
		return n, fmt.Errorf("backup: write: %w", err)
	}
	return n, nil
}

// noteHead records the chain lengths from the head rows, for the report.
func noteHead(info *Info, table string, cols []string, vals []any) {
	if table != "audit_head" && table != "consent_head" {
		return
	}
	for i, c := range cols {
		if c == "seq" {
			if n, ok := vals[i].(int64); ok {
				if table == "audit_head" {
					info.AuditSeq = n
				} else {
					info.ConsentSeq = n
				}
			}
		}
	}
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Table is a table as a backup holds it, handed to a Scan callback.
type Table struct {
	Name    string
	Columns []string
}

// ScanFunc receives the backup's content in order: for each table, a call
// with row nil when the table starts, then one call per row. vals holds
// nil, int64, string, []byte or bool, and is reused between calls.
type ScanFunc func(t *Table, row []any) error

// Scan reads, authenticates and parses a whole backup, calling fn (which
// may be nil) for each table and row, and returns what it found. An error
// wrapping ErrCorrupt means the file is damaged or was changed; errors
// that wrap vault.ErrOpen mean the master key is not the backup's.
func Scan(ctx context.Context, master vault.Master, r io.Reader, fn ScanFunc) (*Info, error) {
	cr := &countingReader{r: r}
	h, hdr, err := readHeader(cr)
	if err != nil {
		return nil, err
	}
	dataKey, err := master.Unwrap(ctx, h.WrappedKey, []byte(wrapADPrefix+h.ID))
	switch {
	case err == nil:
	case h.MasterID != master.ID():
		return nil, fmt.Errorf("backup: made under master key %s, not the one given (%s): %w", h.MasterID, master.ID(), err)
	case errors.Is(err, vault.ErrOpen):
		return nil, fmt.Errorf("%w: the data key does not unwrap: %w", ErrCorrupt, err)
	default:
		return nil, fmt.Errorf("backup: unwrap the data key: %w", err) // an outage, not the file
	}
	defer clear(dataKey)
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	chunks := newChunkReader(cr, aead, hdr, h.ChunkSize)
	gz, err := gzip.NewReader(chunks)
	if err != nil {
		return nil, wrapRead(err)
	}
	gz.Multistream(false)
	dec := newDecoder(gz)
	info := &Info{ID: h.ID, Created: h.Created, Engine: h.Engine, Schema: h.Schema, MasterID: h.MasterID}
	if err := scanRecords(ctx, dec, info, fn); err != nil {
		return nil, wrapRead(err)
	}
	// Nothing after the records, nothing after the gzip stream, nothing
	// after the last chunk.
	if end, err := dec.atEOF(); err != nil || !end {
		return nil, wrapRead(orCorrupt(err, "data after the end record"))
	}
	if err := gz.Close(); err != nil {
		return nil, wrapRead(err)
	}
	if n, err := chunks.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		return nil, wrapRead(orCorrupt(err, "data after the compressed stream"))
	}
	info.Bytes, info.Plain = cr.n, dec.n
	return info, nil
}

func orCorrupt(err error, msg string) error {
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return corrupt("%s", msg)
}

// wrapRead makes a decompression or parse failure a corruption: every
// chunk authenticated, so such a failure means the file was made wrong.
func wrapRead(err error) error {
	switch {
	case errors.Is(err, ErrCorrupt), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return corrupt("the stream ends early")
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader):
		return corrupt("%v", err)
	}
	var ce *callbackError
	if errors.As(err, &ce) {
		return ce.err
	}
	var ie *ioError
	if errors.As(err, &ie) {
		return ie
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// callbackError carries a ScanFunc's own error through unchanged.
type callbackError struct{ err error }

func (c *callbackError) Error() string { return c.err.Error() }

func scanRecords(ctx context.Context, dec *decoder, info *Info, fn ScanFunc) error {
	var cur *Table
	var rows int64
	var vals []any
	seen := map[string]bool{}
	for {
		tag, err := dec.ReadByte()
		if err != nil {
			return err
		}
		switch tag {
		case recTable:
			if cur != nil {
				return corrupt("table %s has no end", cur.Name)
			}
			name, err := dec.str(1 << 10)
			if err != nil {
				return err
			}
			if seen[name] {
				return corrupt("table %s twice", name)
			}
			seen[name] = true
			n, err := dec.uvarint()
			if err != nil {
				return err
			}
			if n == 0 || n > maxColumns {
				return corrupt("table %s: %d columns", name, n)
			}
			cur = &Table{Name: name, Columns: make([]string, n)}
			for i := range cur.Columns {
				if cur.Columns[i], err = dec.str(1 << 10); err != nil {
					return err
				}
			}
			rows = 0
			vals = make([]any, n)
			if fn != nil {
				if err := fn(cur, nil); err != nil {
					return &callbackError{err}
				}
			}
		case recRow:
			if cur == nil {
				return corrupt("a row outside a table")
			}
			for i := range vals {
				if vals[i], err = dec.value(); err != nil {
					return err
				}
			}
			rows++
			noteHead(info, cur.Name, cur.Columns, vals)
			if fn != nil {
				if err := fn(cur, vals); err != nil {
					return &callbackError{err}
				}
			}
			if rows%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		case recEnd:
			if cur == nil {
				return corrupt("a table end outside a table")
			}
			n, err := dec.uvarint()
			if err != nil {
				return err
			}
			if int64(n) != rows {
				return corrupt("table %s: %d rows, its end says %d", cur.Name, rows, n)
			}
			info.Tables = append(info.Tables, TableCount{Name: cur.Name, Rows: rows})
			info.Rows += rows
			cur = nil
		case recFinal:
			if cur != nil {
				return corrupt("table %s has no end", cur.Name)
			}
			sum := dec.sumBeforeLast()
			n, err := dec.uvarint()
			if err != nil {
				return err
			}
			if int(n) != len(info.Tables) {
				return corrupt("%d tables, the trailer says %d", len(info.Tables), n)
			}
			want := make([]byte, 32)
			if _, err := io.ReadFull(dec.r, want); err != nil {
				return err
			}
			dec.n += 32
			if string(want) != string(sum) {
				return corrupt("the record stream's SHA-256 does not match its trailer")
			}
			return nil
		default:
			return corrupt("unknown record %q", tag)
		}
	}
}

// Verify checks a whole backup without restoring it: every chunk
// authenticates under the data key the master unwraps, the stream
// decompresses and parses, the row counts and the SHA-256 trailer match,
// and nothing follows. It writes nothing.
func Verify(ctx context.Context, master vault.Master, r io.Reader) (*Info, error) {
	return Scan(ctx, master, r, nil)
}
