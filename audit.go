package derbes

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Outcomes of an audited operation.
const (
	OutcomeOK      = "ok"
	OutcomeRefused = "refused"
	OutcomeError   = "error"
)

// AuditEntry is one line of the audit trail (R-AUDIT-1). It names who did
// what to whose data, under which purpose and basis, and how it ended; it
// never holds a personal value (categories are keys, subjects are ids).
type AuditEntry struct {
	Seq        int64
	At         time.Time
	Actor      string
	Action     string // "subject.create", "subject.read", "auth.token", …
	SubjectID  string
	Categories []string
	Purpose    string
	Basis      string
	Outcome    string
	Reason     string // the rule that refused, or "" when ok
	RequestID  string
	PrevHash   []byte
	Hash       []byte
}

// GenesisHash is the PrevHash of the first entry.
var GenesisHash = make([]byte, sha256.Size)

// canonical encodes every field but the hashes, length-prefixed, so that no
// two different entries share an encoding.
func (e *AuditEntry) canonical() []byte {
	var b bytes.Buffer
	b.Grow(256)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	b.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMicro()))
	b.Write(n[:])
	for _, s := range []string{e.Actor, e.Action, e.SubjectID, strings.Join(e.Categories, ","),
		e.Purpose, e.Basis, e.Outcome, e.Reason, e.RequestID} {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		b.Write(n[:4])
		b.WriteString(s)
	}
	return b.Bytes()
}

// ChainHash returns SHA-256(prev || canonical(e)): the entry's link in the
// chain (R-AUDIT-2).
func ChainHash(prev []byte, e *AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(e.canonical())
	return h.Sum(nil)
}

// Checkpoint is a signed statement that the chain had Hash at Seq.
type Checkpoint struct {
	Seq        int64
	Hash       []byte
	At         time.Time
	KeyVersion int
	Sig        []byte
}

// Message is the byte string a checkpoint's signature covers.
func (c *Checkpoint) Message() []byte {
	var b bytes.Buffer
	b.WriteString("derbes/audit-checkpoint/v1\x00")
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(c.Seq))
	b.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(c.At.UnixMicro()))
	b.Write(n[:])
	b.Write(c.Hash)
	return b.Bytes()
}

// Finding is one problem the verifier found, located by sequence number.
type Finding struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"` // edited, deleted, reordered, checkpoint, truncated
	Detail string `json:"detail"`
}

// ChainVerifier checks entries fed in sequence order, and the signed
// checkpoints against the recomputed chain. It resynchronises after each
// finding, so one tampered entry yields one finding, not a cascade.
type ChainVerifier struct {
	every       int64
	keys        map[int]ed25519.PublicKey
	checkpoints map[int64]Checkpoint
	lastCP      int64
	next        int64
	prev        []byte
	count       int64
	findings    []Finding
}

// maxFindings bounds the report: past it, the chain is plainly broken.
const maxFindings = 1000

// NewChainVerifier returns a verifier for a chain starting at seq 1, with the
// checkpoint-signing public keys by version. The writer signs a checkpoint
// at every entry whose seq is a multiple of every; the verifier requires
// each of them, so that deleting checkpoints and rewriting the chain behind
// them is found too. every <= 0 requires none.
func NewChainVerifier(keys map[int]ed25519.PublicKey, cps []Checkpoint, every int64) *ChainVerifier {
	v := &ChainVerifier{every: every, keys: keys, checkpoints: map[int64]Checkpoint{}, next: 1, prev: GenesisHash}
	for _, c := range cps {
		pub, ok := keys[c.KeyVersion]
		if !ok || !ed25519.Verify(pub, c.Message(), c.Sig) {
			v.add(Finding{c.Seq, "checkpoint", "checkpoint signature does not verify"})
			continue
		}
		v.checkpoints[c.Seq] = c
		v.lastCP = max(v.lastCP, c.Seq)
	}
	return v
}

func (v *ChainVerifier) add(f Finding) {
	if len(v.findings) < maxFindings {
		v.findings = append(v.findings, f)
	}
}

// Add checks the next entry in sequence order.
func (v *ChainVerifier) Add(e *AuditEntry) {
	v.count++
	switch {
	case e.Seq > v.next:
		v.add(Finding{v.next, "deleted", fmt.Sprintf("entries %d..%d are missing", v.next, e.Seq-1)})
	case e.Seq < v.next:
		v.add(Finding{e.Seq, "reordered", "sequence number repeats or goes backwards"})
	case !bytes.Equal(e.PrevHash, v.prev):
		v.add(Finding{e.Seq, "reordered", "entry does not follow the previous one (inserted, reordered, or the previous entry was replaced)"})
	case !bytes.Equal(ChainHash(e.PrevHash, e), e.Hash):
		v.add(Finding{e.Seq, "edited", "entry content does not match its hash"})
	}
	c, ok := v.checkpoints[e.Seq]
	switch {
	case ok && !bytes.Equal(c.Hash, e.Hash):
		v.add(Finding{e.Seq, "checkpoint", "chain differs from the signed checkpoint"})
	case !ok && v.every > 0 && e.Seq%v.every == 0:
		v.add(Finding{e.Seq, "checkpoint", "the signed checkpoint due at this entry is missing"})
	}
	v.prev = e.Hash
	v.next = e.Seq + 1
}

// Result ends verification: the findings, and the number of entries read.
// A chain shorter than its last signed checkpoint is reported as truncated.
func (v *ChainVerifier) Result() (findings []Finding, entries int64) {
	if v.next-1 < v.lastCP {
		v.add(Finding{v.next, "truncated", fmt.Sprintf("chain ends before the signed checkpoint at %d", v.lastCP)})
	}
	return v.findings, v.count
}
