package backup_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/service"
)

// BenchmarkBackupRestore times Write, Verify and Restore (with Finish: the
// ledger and the audit chain's verification) of the demo population
// (app.SeedDemo, 200 applicants) and, when DERBES_BACKUP_BENCH_N is set, of
// that many applicants made by parallel creates of demo people. Each
// backup is restored into a fresh installation of the other engine.
//
//	./scripts/test.sh ./internal/backup/ -run '^$' -bench BackupRestore -benchtime 1x
func BenchmarkBackupRestore(b *testing.B) {
	sizes := []int{200}
	if n, _ := strconv.Atoi(os.Getenv("DERBES_BACKUP_BENCH_N")); n > 0 {
		sizes = append(sizes, n)
	}
	engines := dbtest.Engines()
	for _, src := range engines {
		dst := src
		for _, e := range engines {
			if e != src {
				dst = e
			}
		}
		for _, n := range sizes {
			b.Run(fmt.Sprintf("%s-to-%s/%d", src, dst, n), func(b *testing.B) { benchBackup(b, src, dst, n) })
		}
	}
}

func benchBackup(b *testing.B, srcEngine, dstEngine string, n int) {
	ctx := context.Background()
	m := newMaster(b)
	src := newInst(b, srcEngine, m)
	t0 := time.Now()
	if n == 200 {
		if _, err := app.SeedDemo(ctx, src.svc, n); err != nil {
			b.Fatal(err)
		}
	} else {
		bulkPopulate(b, src.svc, n)
	}
	b.Logf("%s: %d subjects populated in %.1f s", srcEngine, n, time.Since(t0).Seconds())
	path := filepath.Join(b.TempDir(), "b.backup")
	for range b.N {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		t := time.Now()
		info, err := backup.Write(ctx, src.db, m, f, backup.Options{})
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		wrote := time.Since(t)

		f, _ = os.Open(path)
		t = time.Now()
		if _, err := backup.Verify(ctx, m, f); err != nil {
			b.Fatal(err)
		}
		verified := time.Since(t)

		dstDB, _ := openStore(b, dstEngine)
		f.Seek(0, 0)
		t = time.Now()
		if _, err := backup.Restore(ctx, dstDB, m, f); err != nil {
			b.Fatal(err)
		}
		restored := time.Since(t)
		f.Close()
		t = time.Now()
		svc := startService(b, dstDB, m)
		res, err := backup.Finish(ctx, svc, nil)
		if err != nil || !res.Audit.OK {
			b.Fatalf("finish: %v %+v", err, res)
		}
		finished := time.Since(t)
		b.ReportMetric(wrote.Seconds(), "backup-s")
		b.ReportMetric(verified.Seconds(), "verify-s")
		b.ReportMetric(restored.Seconds(), "restore-s")
		b.ReportMetric(finished.Seconds(), "open+verify-chain-s")
		b.ReportMetric(float64(info.Bytes)/1e6, "file-MB")
		b.ReportMetric(float64(info.Rows), "rows")
		b.Logf("%d rows, %.1f MB (%.1f MB plain), audit chain %d: backup %.2f s, verify %.2f s, restore %.2f s, service open + chain verify %.2f s",
			info.Rows, float64(info.Bytes)/1e6, float64(info.Plain)/1e6, info.AuditSeq, wrote.Seconds(), verified.Seconds(), restored.Seconds(), finished.Seconds())
	}
}

// bulkPopulate creates n demo applicants (p4.1b values and a consent to
// the demo's purposes) with 16 parallel creates, as a busy API would.
func bulkPopulate(b *testing.B, svc *service.Service, n int) {
	ctx := derbes.WithPrincipal(context.Background(), service.System("bench"))
	people := demo.People(app.DemoSeed, n)
	p := svc.Catalogue().Purpose("p4.1b")
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				vals := map[string]json.RawMessage{}
				for k, v := range people[i].Values {
					if !p.Covers(k) {
						continue
					}
					if k == "other" {
						vals[k] = json.RawMessage(v)
						continue
					}
					vals[k], _ = json.Marshal(v)
				}
				_, err := svc.CreateSubject(ctx, service.NewSubject{Kind: people[i].Kind, Citizenship: people[i].Citizenship,
					Purpose: "p4.1b", Consent: &service.NewConsent{Purposes: []string{"p4.1b", "p4.1d", "p4.2a", "p4.2b1"}},
					Values: vals, Source: derbes.Source{Kind: derbes.SourceSubject}})
				if err != nil && derbes.CodeOf(err) != derbes.EConflict {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
}
