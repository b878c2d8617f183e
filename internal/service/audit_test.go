package service

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
)

// seedTrail writes a few audited operations and returns the entry count.
func seedTrail(t *testing.T, e *env) int {
	t.Helper()
	for i, iin := range []string{"980514301233", "051103645675", "001231600911"} {
		vals := applicant()
		vals["iin"] = iin
		vals["passport_number"] = fmt.Sprintf("N1234567%d", i)
		vals["email"] = fmt.Sprintf("a%d@example.kz", i)
		v := e.create(vals, "p4.1b")
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.1b"); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := e.svc.VerifyAudit(e.ctx)
	if err != nil || !rep.OK {
		t.Fatalf("clean chain: %v %+v", err, rep)
	}
	if rep.Checkpoints == 0 {
		t.Fatal("no signed checkpoint was written")
	}
	return e.count("audit_log")
}

// covers R-AUDIT-2: verify finds an edit, a deletion, a reordering, a
// forged checkpoint and a truncation, and says where.
func TestAuditVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper []string
		kind   string
		seq    int64
	}{
		{"edit", []string{`UPDATE audit_log SET purpose = 'p4.2d' WHERE seq = 5`}, "edited", 5},
		{"delete", []string{`DELETE FROM audit_log WHERE seq = 6`}, "deleted", 6},
		{"reorder", []string{
			`UPDATE audit_log SET seq = -7 WHERE seq = 7`,
			`UPDATE audit_log SET seq = 7 WHERE seq = 8`,
			`UPDATE audit_log SET seq = 8 WHERE seq = -7`}, "reordered", 7},
		{"forged checkpoint", []string{`UPDATE audit_checkpoints SET sig = $1 WHERE seq = (SELECT MIN(seq) FROM audit_checkpoints)`}, "checkpoint", 0},
		{"truncate", []string{`DELETE FROM audit_log WHERE seq > 2`}, "truncated", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachEngine(t, func(t *testing.T, e *env) {
				seedTrail(t, e)
				for _, q := range c.tamper {
					var args []any
					if strings.Contains(q, "$1") {
						args = append(args, make([]byte, 64)) // a signature of zeros
					}
					if _, err := e.db.Raw().Exec(q, args...); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				rep, err := e.svc.VerifyAudit(e.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK || len(rep.Findings) == 0 {
					t.Fatalf("tampering (%s) not found: %+v", c.name, rep)
				}
				f := rep.Findings[0]
				if f.Kind != c.kind || (c.seq != 0 && f.Seq != c.seq) {
					t.Errorf("finding = %+v, want %s at %d (all: %+v)", f, c.kind, c.seq, rep.Findings)
				}
				if a := e.lastAudit(); a.Action != "audit.verify" || a.Outcome != derbes.OutcomeError {
					t.Errorf("verify not audited as failed: %+v", a)
				}
			})
		})
	}
}

// covers R-AUDIT-1: entries name actor, subject, categories, purpose,
// basis and outcome, and never a personal value.
func TestAuditEntriesHoldNoValues(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		vals := applicant()
		v := e.create(vals, "p4.1b")
		e.svc.Search(e.ctx, "p4.1b", "iin", vals["iin"])
		e.svc.Search(e.ctx, "p4.1b", "iin", "980514301234") // refused: bad checksum
		es, err := e.db.Read().AuditEntries(context.Background(), store.AuditFilter{SubjectID: v.ID, Limit: 10})
		if err != nil || len(es) < 2 {
			t.Fatalf("entries: %v %d", err, len(es))
		}
		rows, err := e.db.Raw().Query(`SELECT actor, action, subject_id, categories, purpose, basis, outcome, reason, request_id FROM audit_log`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var cols [9]string
			if err := rows.Scan(&cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6], &cols[7], &cols[8]); err != nil {
				t.Fatal(err)
			}
			for _, c := range cols {
				for _, pd := range []string{"980514301233", "980514301234", "Серікқызы", "+77011234567", "aigerim@example.kz", "N12345678"} {
					if strings.Contains(c, pd) {
						t.Errorf("audit column holds a personal value: %q", c)
					}
				}
			}
		}
	})
}

// covers R-AUDIT-2: a forger with write access to the database but not the
// master key edits an entry, recomputes every hash after it, deletes the
// signed checkpoints and plants their own public key. Verify still finds it.
func TestAuditVerifyFindsRewrittenChain(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		seedTrail(t, e)
		ctx := context.Background()
		var entries []derbes.AuditEntry
		if err := e.db.Read().EachAudit(ctx, func(a *derbes.AuditEntry) error { entries = append(entries, *a); return nil }); err != nil {
			t.Fatal(err)
		}
		prev := derbes.GenesisHash
		for i := range entries {
			a := &entries[i]
			if a.Seq == 5 {
				a.Purpose = "p4.2d"
			}
			a.PrevHash, a.Hash = prev, derbes.ChainHash(prev, a)
			prev = a.Hash
			if _, err := e.db.Raw().Exec(`UPDATE audit_log SET purpose = $1, prev_hash = $2, hash = $3 WHERE seq = $4`,
				a.Purpose, a.PrevHash, a.Hash, a.Seq); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{`DELETE FROM audit_checkpoints`, `UPDATE keys SET public = $1 WHERE kind = 'audit-signing'`} {
			var args []any
			if strings.Contains(q, "$1") {
				args = append(args, make([]byte, 32))
			}
			if _, err := e.db.Raw().Exec(q, args...); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := e.svc.VerifyAudit(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK || rep.Findings[0].Kind != "checkpoint" || rep.Findings[0].Seq != 4 {
			t.Fatalf("rewritten chain not found: %+v", rep)
		}
	})
}
