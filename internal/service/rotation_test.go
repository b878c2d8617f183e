package service

import (
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// covers R-VAULT-6 (done-when: key rotation under concurrent reads and
// writes: no request fails; afterwards nothing decrypts with the old key
// alone): a purpose key is rotated while clients read and write, the old
// subject keys are re-wrapped and the old version retired; the master key
// is rotated; a fresh start with the new master alone reads everything,
// and the old master opens nothing.
func TestKeyRotationUnderLoad(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		var ids []string
		for i := range 30 {
			v := benchValues(1000 + i)
			s := e.create(v, "p4.1b")
			ids = append(ids, s.ID)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var failures atomic.Int64
		var firstErr atomic.Value
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ctx.Err() == nil; i++ {
					var err error
					if w%2 == 0 {
						_, err = e.svc.Subject(e.ctx, ids[i%len(ids)], "p4.1b")
					} else {
						_, err = e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
							Consent: &NewConsent{Purposes: []string{"p4.1b"}}, Source: derbes.Source{Kind: derbes.SourceSubject},
							Values: raw(benchValues(5000 + w*100000 + i))})
					}
					if err != nil && derbes.CodeOf(err) != derbes.EConflict {
						failures.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
				}
			})
		}
		admin := derbes.WithPrincipal(context.Background(), System("test"))
		v2, err := e.svc.RotatePurposeKey(admin, "p4.1b")
		if err != nil || v2 != 2 {
			t.Fatalf("rotate: %v %d", err, v2)
		}
		moved, err := e.svc.RewrapPurpose(admin, "p4.1b", nil)
		if err != nil || moved < len(ids) {
			t.Fatalf("rewrap: %v %d", err, moved)
		}
		time.Sleep(200 * time.Millisecond)
		cancel()
		wg.Wait()
		if n := failures.Load(); n != 0 {
			t.Fatalf("%d requests failed during rotation; first: %v", n, firstErr.Load())
		}
		if _, err := e.svc.RewrapPurpose(admin, "p4.1b", nil); err != nil {
			t.Fatal(err)
		}
		retired, err := e.svc.RetireOldPurposeKeys(admin, "p4.1b")
		if err != nil || len(retired) != 1 || retired[0] != 1 {
			t.Fatalf("retire: %v %v", err, retired)
		}
		var old int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM subject_keys WHERE purpose = 'p4.1b' AND key_version = 1`).Scan(&old)
		if old != 0 {
			t.Errorf("%d subject keys still under the old purpose key", old)
		}
		// Master rotation; then a fresh start with the new master alone.
		key := make([]byte, 32)
		rand.Read(key)
		newMaster, _ := vault.NewLocalMaster(key)
		if err := e.svc.RotateMaster(admin, newMaster); err != nil {
			t.Fatal(err)
		}
		url := e.url
		e.svc.Close(context.Background())
		cat, _ := catalogue.Default()
		for _, m := range []struct {
			name   string
			master vault.Master
			ok     bool
		}{{"old master", e.master, false}, {"new master", newMaster, true}} {
			db, err := store.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := New(context.Background(), db, m.master, cat, Options{Operator: Operator{Name: "ТОО «Тест»", BIN: "180340021791"}})
			if (err == nil) != m.ok {
				t.Fatalf("%s: start error %v", m.name, err)
			}
			if err != nil {
				db.Close()
				continue
			}
			for _, id := range ids {
				if _, err := svc.Subject(e.ctx, id, "p4.1b"); err != nil {
					t.Fatalf("%s: read after rotation: %v", m.name, err)
				}
			}
			svc.Close(context.Background())
		}
	})
}
