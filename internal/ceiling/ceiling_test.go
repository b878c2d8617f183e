package ceiling_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/ceiling"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// covers the performance issue's --ceiling: a created subject's rows are
// copied byte for byte; each copy is a whole, distinct subject in the
// scratch database (the same rows, fresh ids and blind indexes), and the
// bare lookups find them by their IIN's blind index.
func TestCeilingCopiesTheSameRows(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			cfg := app.Config{DataDir: t.TempDir(), Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
			scratchDSN := filepath.Join(t.TempDir(), "scratch.db")
			if engine == dbtest.Postgres {
				cfg.DB = dbtest.PostgresURL(t)
				scratchDSN = dbtest.PostgresURL(t)
			}
			ctx := context.Background()
			svc, err := app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			sys := derbes.WithPrincipal(ctx, service.System("test"))
			p := demo.People(5, 1)[0]
			vals := map[string]json.RawMessage{}
			for _, k := range []string{"full_name", "iin", "email", "phone"} {
				vals[k], _ = json.Marshal(p.Values[k])
			}
			v, err := svc.CreateSubject(sys, service.NewSubject{Kind: "applicant", Citizenship: p.Citizenship, Purpose: "p4.1b",
				Consent: &service.NewConsent{Purposes: []string{"p4.1b"}}, Values: vals, Source: derbes.Source{Kind: derbes.SourceSubject}})
			svc.Close(ctx)
			if err != nil {
				t.Fatal(err)
			}
			src, err := store.Open(ctx, cfg.DSN())
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			tpl, err := ceiling.Capture(ctx, src.RawReader(), v.ID)
			if err != nil {
				t.Fatal(err)
			}
			var want int
			for _, table := range []string{"pd_values", "blind_index", "subject_keys", "consent_events"} {
				var n int
				src.RawReader().QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE subject_id = $1`, v.ID).Scan(&n)
				want += n
			}
			var audits int
			src.RawReader().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE subject_id = $1`, v.ID).Scan(&audits)
			if want += 1 + audits; tpl.Rows() != want || tpl.Bytes() < 1000 {
				t.Fatalf("template: %d rows, %d bytes; the subject has %d rows", tpl.Rows(), tpl.Bytes(), want)
			}
			if _, err := ceiling.Capture(ctx, src.RawReader(), "no-such-subject"); err == nil {
				t.Error("a template of nobody")
			}
			scratch, err := store.Open(ctx, scratchDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer scratch.Close()
			st := ceiling.Store{W: scratch.Raw(), R: scratch.RawReader()}
			copies := &ceiling.Copies{}
			cr, err := st.Creates(ctx, tpl, 4, 300*time.Millisecond, copies)
			if err != nil || cr.Ops == 0 {
				t.Fatalf("creates: %+v %v", cr, err)
			}
			var subjects, values, indexes int
			scratch.Raw().QueryRow(`SELECT COUNT(*) FROM subjects`).Scan(&subjects)
			scratch.Raw().QueryRow(`SELECT COUNT(*) FROM pd_values`).Scan(&values)
			scratch.Raw().QueryRow(`SELECT COUNT(DISTINCT hash) FROM blind_index`).Scan(&indexes)
			var perSubjectValues, perSubjectIndexes int
			src.RawReader().QueryRow(`SELECT COUNT(*) FROM pd_values WHERE subject_id = $1`, v.ID).Scan(&perSubjectValues)
			src.RawReader().QueryRow(`SELECT COUNT(*) FROM blind_index WHERE subject_id = $1`, v.ID).Scan(&perSubjectIndexes)
			if int64(subjects) != cr.Ops || values != subjects*perSubjectValues || indexes != subjects*perSubjectIndexes {
				t.Errorf("%d creates made %d subjects, %d values, %d distinct blind indexes", cr.Ops, subjects, values, indexes)
			}
			rr, err := st.Reads(ctx, 4, 300*time.Millisecond, copies)
			if err != nil || rr.Ops == 0 || rr.P99Ms < rr.P50Ms {
				t.Errorf("reads: %+v %v", rr, err)
			}
			if _, err := st.Reads(ctx, 1, time.Millisecond, &ceiling.Copies{}); err == nil {
				t.Error("reads with nothing written")
			}
		})
	}
}
