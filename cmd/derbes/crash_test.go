package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/dbtest"
	demopeople "github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// crashKey is the master key of the crash test's throwaway installations.
const crashKey = "Y3Jhc2gtdGVzdC1tYXN0ZXIta2V5LW9ubHktdGVzdHM="

// covers the reliability issue's crash safety (R-AUDIT-1, N-1): derbes runs
// as a separate process under create load from four clients and is killed
// with SIGKILL at a random moment, then restarted, DERBES_CRASH_ROUNDS
// times per engine (5 by default, 20 for the long run): every create that
// was acknowledged is there; no subject is half-written (each has its
// values, its consent and its audit entry); the audit chain verifies.
func TestCrashSafety(t *testing.T) {
	rounds := 5
	if s := os.Getenv("DERBES_CRASH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	people := demopeople.People(99, 20000)
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"DERBES_DATA": dir, "DERBES_OPERATOR_NAME": "Test operator", "DERBES_OPERATOR_BIN": app.ExampleBIN,
				"DERBES_MASTER_KEY": crashKey, "DERBES_BACKUP_EVERY": "0"}
			if engine == dbtest.Postgres {
				env["DERBES_DB"] = dbtest.PostgresURL(t)
			}
			cfg := app.Config{DataDir: dir, DB: env["DERBES_DB"], Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN, MasterKey: crashKey}
			svc, err := app.OpenService(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			token, err := svc.IssueToken(derbes.WithPrincipal(context.Background(), service.System("test")), "crash load", service.RoleIntegration)
			svc.Close(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			next := 0
			var acked []string // subject ids acknowledged with 201
			r := rand.New(rand.NewPCG(7, uint64(len(engine))))
			for round := range rounds {
				addr := freeAddr(t)
				cmd := exec.Command(os.Args[0], "serve", "--addr", addr)
				cmd.Env = append(os.Environ(), "DERBES_TEST_AS_CLI=1")
				for k, v := range env {
					cmd.Env = append(cmd.Env, k+"="+v)
				}
				var logs bytes.Buffer
				cmd.Stdout, cmd.Stderr = &logs, &logs
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				waitReady(t, "http://"+addr, &logs)
				// Load, then SIGKILL mid-flight.
				var mu sync.Mutex
				ctx, stop := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for range 4 {
					wg.Go(func() {
						for ctx.Err() == nil {
							mu.Lock()
							if next >= len(people) {
								mu.Unlock()
								return
							}
							p := people[next]
							next++
							mu.Unlock()
							if id, ok := create(ctx, "http://"+addr, token, p); ok {
								mu.Lock()
								acked = append(acked, id)
								mu.Unlock()
							}
						}
					})
				}
				time.Sleep(time.Duration(150+r.IntN(600)) * time.Millisecond)
				cmd.Process.Kill()
				cmd.Wait()
				stop()
				wg.Wait()
				t.Logf("round %d: killed after %d acknowledged creates in all", round+1, len(acked))
			}
			// Everything acknowledged is there, whole; the chain verifies.
			db, err := store.Open(context.Background(), cfg.DSN())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for _, id := range acked {
				var n int
				db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects WHERE id = $1`, id).Scan(&n)
				if n != 1 {
					t.Errorf("acknowledged subject %s is missing", id)
				}
			}
			var halfValues, halfConsent, halfAudit int
			db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects s WHERE s.kind = 'applicant' AND NOT EXISTS (SELECT 1 FROM pd_values v WHERE v.subject_id = s.id)`).Scan(&halfValues)
			db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects s WHERE s.kind = 'applicant' AND NOT EXISTS (SELECT 1 FROM consent_events c WHERE c.subject_id = s.id)`).Scan(&halfConsent)
			db.Raw().QueryRow(`SELECT COUNT(*) FROM subjects s WHERE s.kind = 'applicant' AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject_id = s.id AND a.action = 'subject.create')`).Scan(&halfAudit)
			if halfValues+halfConsent+halfAudit != 0 {
				t.Errorf("half-written subjects: %d without values, %d without consent, %d without their audit entry", halfValues, halfConsent, halfAudit)
			}
			svc, err = app.OpenService(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close(context.Background())
			rep, err := svc.VerifyAudit(derbes.WithPrincipal(context.Background(), service.System("test")))
			if err != nil || !rep.OK {
				t.Errorf("audit chain after %d kills: %+v %v", rounds, rep, err)
			}
			if len(acked) == 0 {
				t.Error("no create was acknowledged: the load never ran")
			}
			t.Logf("%d rounds, %d acknowledged creates, all present; %d audit entries verify", rounds, len(acked), rep.Entries)
		})
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, base string, logs *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("derbes did not become ready:\n%s", logs.String())
}

// create posts one applicant; ok only for an acknowledged (201) create.
func create(ctx context.Context, base, token string, p demopeople.Person) (string, bool) {
	body, _ := json.Marshal(map[string]any{"kind": "applicant", "citizenship": p.Citizenship, "purpose": "p4.1b",
		"consent": map[string]any{"purposes": []string{"p4.1b"}}, "source": map[string]string{"kind": "subject"},
		"values": map[string]string{"full_name": p.Values["full_name"], "iin": p.Values["iin"], "email": p.Values["email"]}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/subjects", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", false
	}
	var v struct{ ID string }
	if json.NewDecoder(resp.Body).Decode(&v) != nil || v.ID == "" {
		return "", false
	}
	return v.ID, true
}
