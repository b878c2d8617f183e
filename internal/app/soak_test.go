package app

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// covers the reliability issue's load and soak (R-AUDIT-1, N-1):
// DERBES_SOAK_CLIENTS clients (8; 32 for the long run) mix creates,
// searches, reads, updates, requests and orders over HTTP for
// DERBES_SOAK_SECONDS (5; 60 for the long run) on each engine: no answer
// that is not the caller's fault, every operation's audit entry there
// exactly once, and the heap after the run no larger than twice the
// heap after warm-up.
func TestSoak(t *testing.T) {
	clients, seconds := 8, 5
	if s := os.Getenv("DERBES_SOAK_CLIENTS"); s != "" {
		clients, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("DERBES_SOAK_SECONDS"); s != "" {
		seconds, _ = strconv.Atoi(s)
	}
	people := demo.People(123, 60000)
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			sys := derbes.WithPrincipal(context.Background(), service.System("test"))
			form, _ := a.Service.IssueToken(sys, "soak form", service.RoleIntegration)
			staff, _ := a.Service.IssueToken(sys, "soak staff", service.RoleResponsible)
			uni, err := a.Service.CreateRecipient(sys, store.Recipient{Kind: "education-org", Country: "KZ", Channel: "email", Contact: "office@example.org",
				Names: map[string]string{"kk": "У", "ru": "У", "en": "U"}})
			if err != nil {
				t.Fatal(err)
			}
			call := func(token, method, path string, body any) (int, map[string]any) {
				b, _ := json.Marshal(body)
				req, _ := http.NewRequest(method, a.URL()+path, bytes.NewReader(b))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, nil
				}
				defer resp.Body.Close()
				var out map[string]any
				json.NewDecoder(resp.Body).Decode(&out)
				return resp.StatusCode, out
			}
			var mu sync.Mutex
			next := 0
			ops := map[string]int{}
			var faults []string
			var ids []string
			run := func(d time.Duration, seed uint64) {
				deadline := time.Now().Add(d)
				var wg sync.WaitGroup
				for c := range clients {
					wg.Go(func() {
						r := rand.New(rand.NewPCG(seed, uint64(c)))
						for time.Now().Before(deadline) {
							mu.Lock()
							have := len(ids)
							var id string
							if have > 0 {
								id = ids[r.IntN(have)]
							}
							mu.Unlock()
							op := "subject.create"
							if have > 0 {
								op = []string{"subject.create", "subject.search", "subject.read", "subject.read", "subject.update", "request.open", "order.create"}[r.IntN(7)]
							}
							var status int
							var out map[string]any
							switch op {
							case "subject.create":
								mu.Lock()
								p := people[next]
								next++
								mu.Unlock()
								status, out = call(form, "POST", "/api/v1/subjects", map[string]any{"kind": "applicant", "citizenship": p.Citizenship, "purpose": "p4.1b",
									"consent": map[string]any{"purposes": []string{"p4.1b"}}, "source": map[string]string{"kind": "subject"},
									"values": map[string]string{"full_name": p.Values["full_name"], "iin": p.Values["iin"]}})
								if status == http.StatusCreated {
									mu.Lock()
									ids = append(ids, out["id"].(string))
									mu.Unlock()
								}
							case "subject.search":
								status, _ = call(form, "POST", "/api/v1/subjects/search", map[string]string{"purpose": "p4.1b", "category": "iin", "value": people[r.IntN(max(next, 1))].Values["iin"]})
							case "subject.read":
								status, _ = call(form, "GET", "/api/v1/subjects/"+id+"?purpose=p4.1b", nil)
							case "subject.update":
								status, _ = call(form, "PATCH", "/api/v1/subjects/"+id, map[string]any{"purpose": "p4.1b", "source": map[string]string{"kind": "staff"},
									"values": map[string]string{"phone": "+7701" + strconv.Itoa(1000000+r.IntN(8999999))}})
							case "request.open":
								status, _ = call(staff, "POST", "/api/v1/subjects/"+id+"/requests", map[string]string{"kind": "information", "channel": "portal", "details": "soak"})
							case "order.create":
								status, _ = call(staff, "POST", "/api/v1/subjects/"+id+"/orders", map[string]any{"services": []string{"admission"}, "institutions": []string{uni.ID}, "academicYear": "2026/2027"})
							}
							mu.Lock()
							if status >= 200 && status < 300 {
								ops[op]++
							} else {
								faults = append(faults, op+" "+strconv.Itoa(status))
							}
							mu.Unlock()
						}
					})
				}
				wg.Wait()
			}
			heap := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapAlloc
			}
			run(time.Duration(seconds)*time.Second/5, 1) // warm-up
			warm := heap()
			run(time.Duration(seconds)*time.Second, 2)
			after := heap()
			if len(faults) > 0 {
				t.Errorf("%d answers that are not the caller's fault, e.g. %v", len(faults), faults[:min(5, len(faults))])
			}
			for op, n := range ops {
				var got int
				a.raw.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = $1 AND outcome = 'ok' AND actor LIKE 'token:%'`, op).Scan(&got)
				if got != n {
					t.Errorf("%s: %d acknowledged, %d audit entries", op, n, got)
				}
			}
			if after > 2*warm+32<<20 {
				t.Errorf("heap grew from %d to %d bytes", warm, after)
			}
			total := 0
			for _, n := range ops {
				total += n
			}
			t.Logf("%d clients, %d s: %d operations (%.0f/s) %v; heap %d → %d KiB", clients, seconds, total, float64(total)/(float64(seconds)*1.2), ops, warm>>10, after>>10)
		})
	}
}
