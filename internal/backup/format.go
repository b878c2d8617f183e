package backup

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"
)

// magic is the file's first line.
const magic = "derbes-backup/1\n"

// DefaultChunkSize is the plaintext size of an encrypted chunk.
const DefaultChunkSize = 64 << 10

const (
	maxHeader    = 64 << 10 // a header line longer than this is not a backup
	maxChunkSize = 16 << 20 // a header announcing bigger chunks is refused
	maxValue     = 1 << 30  // one column value
	maxColumns   = 4096     // one table
	tagSize      = 16       // AES-GCM tag
	nonceSize    = 12       // AES-GCM nonce
	adLabel      = "derbes/backup/v1/chunk\x00"
	wrapADPrefix = "derbes/backup/" // + id: the AD of the wrapped data key
)

// header is the file's second line, in clear: what is needed to open the
// rest, and nothing personal. Every chunk's AD carries its SHA-256, so a
// changed header fails like a changed chunk.
type header struct {
	ID          string    `json:"id"`      // 32 hex digits, random
	Created     time.Time `json:"created"` // when the snapshot was taken
	Engine      string    `json:"engine"`  // source engine: sqlite or postgres
	Schema      int       `json:"schema"`  // source schema version
	MasterID    string    `json:"masterId"`
	WrappedKey  []byte    `json:"wrappedKey"` // the data key, wrapped by the master key
	ChunkSize   int       `json:"chunkSize"`
	Compression string    `json:"compression"` // gzip
	Cipher      string    `json:"cipher"`      // AES-256-GCM
	Records     string    `json:"records"`     // derbes-rows/1
	Generator   string    `json:"generator,omitempty"`
}

func (h *header) check() error {
	switch {
	case len(h.ID) != 32:
		return fmt.Errorf("backup: header: bad id")
	case h.Compression != "gzip" || h.Cipher != "AES-256-GCM" || h.Records != "derbes-rows/1":
		return fmt.Errorf("backup: header: unknown format (%s, %s, %s)", h.Compression, h.Cipher, h.Records)
	case h.ChunkSize <= 0 || h.ChunkSize > maxChunkSize:
		return fmt.Errorf("backup: header: bad chunk size %d", h.ChunkSize)
	case len(h.WrappedKey) == 0:
		return fmt.Errorf("backup: header: no wrapped key")
	}
	return nil
}

// writeHeader writes the magic line and the header line and returns the
// SHA-256 of both, which every chunk's AD binds.
func writeHeader(w io.Writer, h *header) ([32]byte, error) {
	line, err := json.Marshal(h)
	if err != nil {
		return [32]byte{}, err
	}
	b := append([]byte(magic), line...)
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// readHeader reads the magic line and the header line. r must be the
// file's start; it reads byte by byte so as not to consume the chunks.
func readHeader(r io.Reader) (*header, [32]byte, error) {
	var raw []byte
	one := make([]byte, 1)
	lines := 0
	for lines < 2 {
		if _, err := io.ReadFull(r, one); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, [32]byte{}, corrupt("not a derbes backup (no header)")
			}
			return nil, [32]byte{}, &ioError{err}
		}
		raw = append(raw, one[0])
		if one[0] == '\n' {
			lines++
			if lines == 1 && string(raw) != magic {
				return nil, [32]byte{}, corrupt("not a derbes backup (first line %q)", clip(raw))
			}
		}
		if len(raw) > maxHeader {
			return nil, [32]byte{}, corrupt("not a derbes backup (header too long)")
		}
		if lines == 0 && len(raw) == len(magic) && string(raw) != magic {
			return nil, [32]byte{}, corrupt("not a derbes backup (first line %q)", clip(raw))
		}
	}
	var h header
	dec := json.NewDecoder(bytes.NewReader(raw[len(magic):]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		return nil, [32]byte{}, corrupt("header: %v", err)
	}
	if err := h.check(); err != nil {
		return nil, [32]byte{}, corrupt("%v", err)
	}
	return &h, sha256.Sum256(raw), nil
}

func clip(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return string(b)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// chunkAD binds a chunk to its file (the header's hash, which holds the
// backup id), its place and whether it is the last: a chunk moved,
// dropped, repeated, taken from another backup, or a file cut at a chunk
// boundary all fail to open.
func chunkAD(hdr [32]byte, index uint64, last bool) []byte {
	ad := make([]byte, 0, len(adLabel)+32+9)
	ad = append(ad, adLabel...)
	ad = append(ad, hdr[:]...)
	ad = binary.BigEndian.AppendUint64(ad, index)
	if last {
		return append(ad, 1)
	}
	return append(ad, 0)
}

// The data key is fresh and random for every backup, so a counter nonce
// never repeats under a key.
func chunkNonce(index uint64) []byte {
	n := make([]byte, nonceSize)
	binary.BigEndian.PutUint64(n[4:], index)
	return n
}

// chunkWriter encrypts what is written to it in chunks. A frame is
// flag (1 byte: 1 on the last chunk), length (uint32, big-endian) and the
// sealed chunk. A full buffer is sealed only when more data comes, so the
// last chunk is always the one Close seals.
type chunkWriter struct {
	w     io.Writer
	aead  cipher.AEAD
	hdr   [32]byte
	buf   []byte
	size  int
	index uint64
	out   []byte
}

func newChunkWriter(w io.Writer, aead cipher.AEAD, hdr [32]byte, size int) *chunkWriter {
	return &chunkWriter{w: w, aead: aead, hdr: hdr, size: size, buf: make([]byte, 0, size)}
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if len(c.buf) == c.size {
			if err := c.seal(false); err != nil {
				return n, err
			}
		}
		k := copy(c.buf[len(c.buf):c.size], p)
		c.buf = c.buf[:len(c.buf)+k]
		p = p[k:]
		n += k
	}
	return n, nil
}

func (c *chunkWriter) seal(last bool) error {
	c.out = c.out[:0]
	flag := byte(0)
	if last {
		flag = 1
	}
	c.out = append(c.out, flag, 0, 0, 0, 0)
	c.out = c.aead.Seal(c.out, chunkNonce(c.index), c.buf, chunkAD(c.hdr, c.index, last))
	binary.BigEndian.PutUint32(c.out[1:5], uint32(len(c.out)-5))
	if _, err := c.w.Write(c.out); err != nil {
		return err
	}
	c.index++
	c.buf = c.buf[:0]
	return nil
}

// Close seals the last chunk.
func (c *chunkWriter) Close() error { return c.seal(true) }

// chunkReader opens the chunks of a file in order and serves their
// plaintext. Any failure (a chunk that does not open, a file cut short,
// bytes after the last chunk) is sticky and reported as corrupt.
type chunkReader struct {
	r     io.Reader
	aead  cipher.AEAD
	hdr   [32]byte
	size  int
	index uint64
	buf   []byte // plaintext of the current chunk
	pos   int
	last  bool // the last chunk has been opened
	err   error
	frame []byte
}

// ErrCorrupt is wrapped by every error that means the backup's bytes are
// not those that were written: a flipped byte, a cut, a reordering.
var ErrCorrupt = errors.New("backup is corrupt")

// ioError is a failure to read the file, not a fault in its bytes.
type ioError struct{ err error }

func (e *ioError) Error() string { return "backup: read: " + e.err.Error() }
func (e *ioError) Unwrap() error { return e.err }

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

func newChunkReader(r io.Reader, aead cipher.AEAD, hdr [32]byte, size int) *chunkReader {
	return &chunkReader{r: r, aead: aead, hdr: hdr, size: size}
}

func (c *chunkReader) next() error {
	if c.last {
		// Nothing may follow the last chunk.
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		if n > 0 {
			return corrupt("bytes after the last chunk")
		}
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		return &ioError{err}
	}
	var fh [5]byte
	if _, err := io.ReadFull(c.r, fh[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return corrupt("cut short after chunk %d", c.index)
		}
		return &ioError{err}
	}
	flag, length := fh[0], binary.BigEndian.Uint32(fh[1:])
	if flag > 1 || int64(length) > int64(c.size)+tagSize || length < tagSize {
		return corrupt("chunk %d: bad frame", c.index)
	}
	if cap(c.frame) < int(length) {
		c.frame = make([]byte, length)
	}
	c.frame = c.frame[:length]
	if _, err := io.ReadFull(c.r, c.frame); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return corrupt("cut short in chunk %d", c.index)
		}
		return &ioError{err}
	}
	last := flag == 1
	plain, err := c.aead.Open(c.buf[:0], chunkNonce(c.index), c.frame, chunkAD(c.hdr, c.index, last))
	if err != nil {
		return corrupt("chunk %d does not authenticate", c.index)
	}
	if !last && len(plain) != c.size {
		return corrupt("chunk %d: short chunk before the last", c.index)
	}
	c.buf, c.pos, c.last = plain, 0, last
	c.index++
	return nil
}

func (c *chunkReader) fill() error {
	for c.pos == len(c.buf) {
		if c.err != nil {
			return c.err
		}
		if err := c.next(); err != nil {
			c.err = err
			return err
		}
	}
	return nil
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := c.fill(); err != nil {
		return 0, err
	}
	n := copy(p, c.buf[c.pos:])
	c.pos += n
	return n, nil
}

// ReadByte makes gzip read from the chunks directly (no read-ahead buffer
// that could hide bytes after the compressed stream).
func (c *chunkReader) ReadByte() (byte, error) {
	if err := c.fill(); err != nil {
		return 0, err
	}
	b := c.buf[c.pos]
	c.pos++
	return b, nil
}

// The record stream (inside the compression): a sequence of records, each
// a tag byte and its fields. Numbers are varints; strings and byte strings
// are a uvarint length and the bytes.
//
//	'T' table:  name, column count, column names
//	'R' row:    one value per column
//	'E' end of table: its row count
//	'Z' end of stream: table count, SHA-256 of every byte before this 'Z'
//
// A value is a tag and its payload:
//
//	0 NULL · 1 integer (zig-zag varint) · 2 text · 3 bytes · 4 false · 5 true
const (
	recTable = 'T'
	recRow   = 'R'
	recEnd   = 'E'
	recFinal = 'Z'

	valNull  = 0
	valInt   = 1
	valText  = 2
	valBytes = 3
	valFalse = 4
	valTrue  = 5
)

// encoder writes records to w and hashes them.
type encoder struct {
	bw  *bufio.Writer
	h   hash.Hash
	out io.Writer // below the hash: for the final record
	tmp []byte
	n   int64 // bytes of records written
}

func newEncoder(w io.Writer) *encoder {
	h := sha256.New()
	return &encoder{bw: bufio.NewWriterSize(io.MultiWriter(h, w), 64<<10), h: h, out: w}
}

func (e *encoder) raw(b []byte) error {
	e.n += int64(len(b))
	_, err := e.bw.Write(b)
	return err
}

func (e *encoder) uvarint(v uint64) {
	e.tmp = binary.AppendUvarint(e.tmp, v)
}

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.tmp = append(e.tmp, s...)
}

func (e *encoder) table(name string, cols []string) error {
	e.tmp = append(e.tmp[:0], recTable)
	e.str(name)
	e.uvarint(uint64(len(cols)))
	for _, c := range cols {
		e.str(c)
	}
	return e.raw(e.tmp)
}

// row encodes one row; v holds what the driver scanned.
func (e *encoder) row(vals []any) error {
	e.tmp = append(e.tmp[:0], recRow)
	for i, v := range vals {
		switch x := v.(type) {
		case nil:
			e.tmp = append(e.tmp, valNull)
		case int64:
			e.tmp = append(e.tmp, valInt)
			e.tmp = binary.AppendVarint(e.tmp, x)
		case int32:
			e.tmp = append(e.tmp, valInt)
			e.tmp = binary.AppendVarint(e.tmp, int64(x))
		case int:
			e.tmp = append(e.tmp, valInt)
			e.tmp = binary.AppendVarint(e.tmp, int64(x))
		case string:
			e.tmp = append(e.tmp, valText)
			e.str(x)
		case []byte:
			e.tmp = append(e.tmp, valBytes)
			e.uvarint(uint64(len(x)))
			e.tmp = append(e.tmp, x...)
		case bool:
			if x {
				e.tmp = append(e.tmp, valTrue)
			} else {
				e.tmp = append(e.tmp, valFalse)
			}
		default:
			return fmt.Errorf("backup: column %d: unsupported value type %T", i, v)
		}
	}
	return e.raw(e.tmp)
}

func (e *encoder) end(rows int64) error {
	e.tmp = append(e.tmp[:0], recEnd)
	e.uvarint(uint64(rows))
	return e.raw(e.tmp)
}

// final writes the 'Z' record and flushes.
func (e *encoder) final(tables int) error {
	if err := e.bw.Flush(); err != nil {
		return err
	}
	e.tmp = append(e.tmp[:0], recFinal)
	e.uvarint(uint64(tables))
	e.tmp = e.h.Sum(e.tmp)
	e.n += int64(len(e.tmp))
	_, err := e.out.Write(e.tmp)
	return err
}

// decoder reads records and hashes what it consumed.
type decoder struct {
	r    *bufio.Reader
	h    hash.Hash
	pend []byte // consumed, not yet hashed
	n    int64
}

func newDecoder(r io.Reader) *decoder {
	return &decoder{r: bufio.NewReaderSize(r, 64<<10), h: sha256.New(), pend: make([]byte, 0, 32<<10)}
}

func (d *decoder) ReadByte() (byte, error) {
	b, err := d.r.ReadByte()
	if err != nil {
		return 0, err
	}
	d.n++
	if len(d.pend) == cap(d.pend) {
		d.h.Write(d.pend)
		d.pend = d.pend[:0]
	}
	d.pend = append(d.pend, b)
	return b, nil
}

func (d *decoder) uvarint() (uint64, error) { return binary.ReadUvarint(d) }

func (d *decoder) bytes(max uint64) ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, corrupt("value of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, err
	}
	d.n += int64(n)
	d.h.Write(d.pend)
	d.pend = d.pend[:0]
	d.h.Write(b)
	return b, nil
}

func (d *decoder) str(max uint64) (string, error) {
	b, err := d.bytes(max)
	return string(b), err
}

// sumBeforeLast is the SHA-256 of everything consumed before the byte just
// read by ReadByte (the final record's tag).
func (d *decoder) sumBeforeLast() []byte {
	d.h.Write(d.pend[:len(d.pend)-1])
	d.pend = d.pend[:0]
	return d.h.Sum(nil)
}

func (d *decoder) value() (any, error) {
	t, err := d.ReadByte()
	if err != nil {
		return nil, err
	}
	switch t {
	case valNull:
		return nil, nil
	case valInt:
		return binary.ReadVarint(d)
	case valText:
		return d.str(maxValue)
	case valBytes:
		return d.bytes(maxValue)
	case valFalse:
		return false, nil
	case valTrue:
		return true, nil
	}
	return nil, corrupt("unknown value tag %d", t)
}

// atEOF reports whether nothing follows in the stream.
func (d *decoder) atEOF() (bool, error) {
	_, err := d.r.ReadByte()
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}
