package service

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
	"github.com/derbes-kz/derbes/internal/store"
)

// covers R-RIGHTS-6: destruction crypto-shreds and deletes; the ledger
// proves it without values; the act is a PDF.
func TestDestruction(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		req, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "destruction", Channel: "portal", Details: "please destroy my data"})
		if err != nil {
			t.Fatal(err)
		}
		admissions := as(e.ctx, RoleAdmissions, DefaultRoles())
		_, err = e.svc.Destroy(admissions, v.ID, "request 9")
		wantErr(t, err, derbes.EForbidden, "", "permission")
		er, err := e.svc.Destroy(e.ctx, v.ID, "request 9 (destruction)")
		if err != nil || len(er.Categories) != 7 {
			t.Fatalf("destroy: %v %+v", err, er)
		}
		for _, table := range []string{"subject_keys", "pd_values", "blind_index"} {
			if n := e.count(table); n != 0 {
				t.Errorf("%s keeps %d rows", table, n)
			}
		}
		_, err = e.svc.Subject(e.ctx, v.ID, "p4.1b")
		if err == nil {
			t.Error("a destroyed subject's values were read")
		}
		if got, _ := e.svc.Search(e.ctx, "p4.1b", "iin", "980514301233"); len(got) != 0 {
			t.Error("search still finds the destroyed subject")
		}
		_, err = e.svc.Destroy(e.ctx, v.ID, "again")
		wantErr(t, err, derbes.EConflict, "", "already-destroyed")
		// Nothing brings the subject's keys back; the request queue still works.
		_, err = e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1b", Values: raw(map[string]string{"education": "x"}), Source: derbes.Source{Kind: derbes.SourceStaff}})
		wantErr(t, err, derbes.ENotFound, "", "subject-destroyed")
		_, err = e.svc.ValueHistory(e.ctx, v.ID, "p4.1b", "education")
		wantErr(t, err, derbes.ENotFound, "", "subject-destroyed")
		if err := e.svc.UpdateRequest(e.ctx, req.ID, "done", "", "destroyed on request"); err != nil {
			t.Fatalf("closing the request after destruction: %v", err)
		}
		if qs, err := e.svc.Requests(e.ctx, v.ID); err != nil || len(qs) != 1 || qs[0].Details != "" {
			t.Fatalf("requests after destruction: %v %+v", err, qs)
		}
		if n := e.count("subject_keys"); n != 0 {
			t.Errorf("a key came back: %d", n)
		}
		act, err := e.svc.DestructionAct(e.ctx, v.ID, "ru")
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.ExtractText(t, act)), " ")
		for _, w := range []string{"Акт об уничтожении", v.ID, "request 9", "ИИН"} {
			if !strings.Contains(text, w) {
				t.Errorf("act lacks %q", w)
			}
		}
		if strings.Contains(text, "980514301233") {
			t.Error("the act holds a destroyed value")
		}
	})
}

// covers R-RIGHTS-6 (done-when: a copy taken before the destruction,
// restored into a fresh data directory, with the ledger re-applied: the
// subject's values cannot be read, searching by IIN finds nothing, and a
// byte scan of the restored files finds none of their values).
func TestDestructionSurvivesRestore(t *testing.T) {
	e := newEnv(t, "sqlite")
	vals := applicant()
	v := e.create(vals, "p4.1b")
	keep := applicant()
	keep["iin"], keep["passport_number"], keep["email"] = "051103645675", "N87654321", "keep@example.kz"
	kept := e.create(keep, "p4.1b")
	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := e.db.Raw().Exec(`VACUUM INTO '` + backup + `'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Destroy(e.ctx, v.ID, "request 11"); err != nil {
		t.Fatal(err)
	}
	ledger, err := e.svc.Erasures(e.ctx)
	if err != nil || len(ledger) != 1 {
		t.Fatalf("ledger: %v %+v", err, ledger)
	}
	// Restore the older copy into a fresh directory, with the same master key.
	dir := t.TempDir()
	restored := filepath.Join(dir, "derbes.db")
	data, _ := os.ReadFile(backup)
	os.WriteFile(restored, data, 0o600)
	ctx := context.Background()
	db, err := store.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := catalogue.Default()
	svc, err := New(ctx, db, e.master, cat, Options{Operator: Operator{Name: "ТОО «Тест»", BIN: "180340021791"}})
	if err != nil {
		t.Fatal(err)
	}
	sys := derbes.WithPrincipal(ctx, System("restore"))
	if n, err := svc.ApplyErasures(sys, ledger); err != nil || n != 1 {
		t.Fatalf("re-apply: %v %d", err, n)
	}
	if _, err := svc.Subject(e.ctx, v.ID, "p4.1b"); err == nil {
		t.Error("the restore brought the destroyed subject back")
	}
	if got, _ := svc.Search(e.ctx, "p4.1b", "iin", vals["iin"]); len(got) != 0 {
		t.Error("search by IIN finds the destroyed subject after restore")
	}
	if r, err := svc.Subject(e.ctx, kept.ID, "p4.1b"); err != nil || r.Values["iin"].Value != keep["iin"] {
		t.Errorf("the other subject after restore: %v", err)
	}
	if n, _ := svc.ApplyErasures(sys, ledger); n != 0 {
		t.Error("re-applying twice shredded again")
	}
	svc.Close(ctx)
	// Even the ciphertexts are gone; the plaintext never was there.
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, needle := range []string{vals["iin"], vals["passport_number"], "Серікқызы", "aigerim"} {
			if bytes.Contains(bytes.ToLower(b), bytes.ToLower([]byte(needle))) {
				t.Errorf("%s holds a destroyed value", filepath.Base(f))
			}
		}
	}
}

// covers R-RIGHTS-6: only a ledger derbes signed is applied; a made-up or
// altered line shreds no one.
func TestForgedLedgerIsRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		v := e.create(applicant(), "p4.1b")
		sys := derbes.WithPrincipal(context.Background(), System("test"))
		forged := []store.Erasure{{SubjectID: v.ID, At: 1, Basis: "forged", DestroyedBy: "staff:x", Sig: make([]byte, 64)}}
		_, err := e.svc.ApplyErasures(sys, forged)
		wantErr(t, err, derbes.EInvalid, "erasures", "ledger-signature")
		if _, err := e.svc.Subject(e.ctx, v.ID, "p4.1b"); err != nil {
			t.Fatalf("a forged ledger shredded a subject: %v", err)
		}
	})
}
