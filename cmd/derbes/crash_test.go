package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
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
// as a separate process under a write load from four clients (creates with
// consent, updates, transfers to a registered university) and is killed
// with SIGKILL at a random moment, then restarted, DERBES_CRASH_ROUNDS
// times per engine (5 by default, 20 for the long run): every create,
// update and transfer that was acknowledged is there; nothing is
// half-written (a subject has its values, its consent and its audit entry;
// a transfer its items and their audit entries); the audit chain verifies.
// Then "derbes import" is killed mid-file three times and resumed: the
// file ends imported exactly once, no row twice.
func TestCrashSafety(t *testing.T) {
	rounds := 5
	if s := os.Getenv("DERBES_CRASH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	const importRows = 1500
	people := demopeople.People(99, 20000)
	loadPeople, importPeople := people[:len(people)-importRows], people[len(people)-importRows:]
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
			sys := derbes.WithPrincipal(context.Background(), service.System("test"))
			l := crashLoad{}
			l.writer, err = svc.IssueToken(sys, "crash load", service.RoleIntegration)
			if err == nil {
				l.sender, err = svc.IssueToken(sys, "crash transfers", service.RoleAdmissions)
			}
			if err == nil {
				var rec *store.Recipient
				rec, err = svc.CreateRecipient(sys, store.Recipient{Kind: "education-org", Country: "KZ", Channel: "email", Contact: "office@example.org",
					Names: map[string]string{"kk": "Университет", "ru": "Университет", "en": "University"}})
				if rec != nil {
					l.recipient = rec.ID
				}
			}
			svc.Close(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			next := 0
			r := rand.New(rand.NewPCG(7, uint64(len(engine))))
			for round := range rounds {
				addr := freeAddr(t)
				cmd := derbesProcess(env, "serve", "--addr", addr)
				var logs bytes.Buffer
				cmd.Stdout, cmd.Stderr = &logs, &logs
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				waitReady(t, "http://"+addr, &logs)
				// Load, then SIGKILL mid-flight.
				ctx, stop := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for c := range 4 {
					wg.Go(func() {
						cr := rand.New(rand.NewPCG(uint64(round), uint64(c)))
						for ctx.Err() == nil {
							l.mu.Lock()
							if next >= len(loadPeople) {
								l.mu.Unlock()
								return
							}
							p := loadPeople[next]
							next++
							l.mu.Unlock()
							l.step(ctx, "http://"+addr, p, cr)
						}
					})
				}
				time.Sleep(time.Duration(150+r.IntN(600)) * time.Millisecond)
				cmd.Process.Kill()
				cmd.Wait()
				stop()
				wg.Wait()
				t.Logf("round %d: killed after %d acknowledged creates, %d updates, %d transfers in all", round+1, len(l.created), len(l.updated), len(l.transfers))
			}
			if len(l.created) == 0 || len(l.updated) == 0 || len(l.transfers) == 0 {
				t.Errorf("the load never ran: %d creates, %d updates, %d transfers acknowledged", len(l.created), len(l.updated), len(l.transfers))
			}
			imported := crashImport(t, env, dir, importPeople, r)

			// Everything acknowledged is there, whole; the chain verifies.
			db, err := store.Open(context.Background(), cfg.DSN())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			q := func(query string, args ...any) int {
				var n int
				if err := db.Raw().QueryRow(query, args...).Scan(&n); err != nil {
					t.Fatalf("%s: %v", query, err)
				}
				return n
			}
			for _, id := range l.created {
				if q(`SELECT COUNT(*) FROM subjects WHERE id = $1`, id) != 1 {
					t.Errorf("acknowledged subject %s is missing", id)
				}
			}
			for _, id := range l.updated {
				if q(`SELECT COUNT(*) FROM pd_values WHERE subject_id = $1 AND category = 'email' AND version >= 2`, id) < 1 {
					t.Errorf("the acknowledged update of %s is missing", id)
				}
			}
			for _, id := range l.transfers {
				if q(`SELECT COUNT(*) FROM transfer_items WHERE transfer_id = $1`, id) != 2 {
					t.Errorf("acknowledged transfer %s is missing or partial", id)
				}
			}
			halves := map[string]string{
				"subjects without values":       `SELECT COUNT(*) FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM pd_values v WHERE v.subject_id = s.id)`,
				"subjects without their create": `SELECT COUNT(*) FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.subject_id = s.id AND a.action = 'subject.create')`,
				"created subjects without consent": `SELECT COUNT(*) FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM consent_events c WHERE c.subject_id = s.id)
					AND NOT EXISTS (SELECT 1 FROM pd_values v WHERE v.subject_id = s.id AND v.source_kind = 'import')`,
				"value versions without their update": `SELECT COUNT(*) FROM pd_values v WHERE v.version > 1 AND NOT EXISTS
					(SELECT 1 FROM audit_log a WHERE a.subject_id = v.subject_id AND a.action = 'subject.update')`,
				"transfers without items": `SELECT COUNT(*) FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM transfer_items i WHERE i.transfer_id = t.id)`,
				"transferred subjects without the audit entry": `SELECT COUNT(*) FROM transfer_items i WHERE NOT EXISTS
					(SELECT 1 FROM audit_log a WHERE a.subject_id = i.subject_id AND a.action = 'transfer.send')`,
			}
			for what, query := range halves {
				if n := q(query); n != 0 {
					t.Errorf("half-written: %d %s", n, what)
				}
			}
			if n := q(`SELECT COUNT(DISTINCT subject_id) FROM pd_values WHERE source_kind = 'import'`); n != importRows || imported != importRows {
				t.Errorf("the interrupted import left %d imported subjects (the last run counted %d), want %d", n, imported, importRows)
			}
			svc, err = app.OpenService(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close(context.Background())
			rep, err := svc.VerifyAudit(sys)
			if err != nil || !rep.OK {
				t.Errorf("audit chain after %d kills: %+v %v", rounds, rep, err)
			}
			t.Logf("%d rounds: %d creates, %d updates, %d transfers acknowledged, all present; import of %d rows killed 3 times, resumed, each row once; %d audit entries verify",
				rounds, len(l.created), len(l.updated), len(l.transfers), importRows, rep.Entries)
		})
	}
}

// crashImport writes the rows as a CSV file, starts "derbes import" on it
// and kills it three times at random moments, then runs it to the end; it
// returns the last run's imported + already-there count.
func crashImport(t *testing.T, env map[string]string, dir string, rows []demopeople.Person, r *rand.Rand) int {
	t.Helper()
	var csv strings.Builder
	csv.WriteString("ФИО;ИИН;Email\n")
	for _, p := range rows {
		fmt.Fprintf(&csv, "%s;%s;%s\n", p.Values["full_name"], p.Values["iin"], p.Values["email"])
	}
	csvPath, mapPath := filepath.Join(dir, "import.csv"), filepath.Join(dir, "mapping.json")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(mapPath, []byte(`{"purpose":"p4.1b","kind":"applicant","citizenship":"kz-citizen","columns":{"ФИО":"full_name","ИИН":"iin","Email":"email"}}`), 0o600)
	for kill := range 3 {
		cmd := derbesProcess(env, "import", csvPath, "--mapping", mapPath, "--workers", "4")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(300+r.IntN(700)) * time.Millisecond)
		cmd.Process.Kill()
		if err := cmd.Wait(); err == nil {
			t.Logf("import run %d ended before it was killed:\n%s", kill+1, logs.String())
		}
	}
	out, err := derbesProcess(env, "import", csvPath, "--mapping", mapPath).CombinedOutput()
	m := regexp.MustCompile(`(\d+) rows: (\d+) imported, (\d+) already there, 0 rejected`).FindStringSubmatch(string(out))
	if err != nil || m == nil {
		t.Fatalf("the resumed import: %v\n%s", err, out)
	}
	imported, _ := strconv.Atoi(m[2])
	existing, _ := strconv.Atoi(m[3])
	t.Logf("resumed import: %d imported, %d already there", imported, existing)
	return imported + existing
}

// derbesProcess is this test binary started as the derbes command.
func derbesProcess(env map[string]string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "DERBES_TEST_AS_CLI=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// crashLoad is the crash test's clients' shared record of what derbes
// acknowledged.
type crashLoad struct {
	writer, sender, recipient string
	mu                        sync.Mutex
	created, updated          []string // subject ids
	transfers                 []string // transfer ids
}

// step creates one applicant with consent to study abroad through the
// recipient, then maybe updates its e-mail and maybe transfers it.
func (l *crashLoad) step(ctx context.Context, base string, p demopeople.Person, r *rand.Rand) {
	var s struct{ ID string }
	body := map[string]any{"kind": "applicant", "citizenship": p.Citizenship, "purpose": "p4.1b",
		"consent": map[string]any{"purposes": []string{"p4.1b", "p4.2b1"}, "thirdParty": true,
			"recipients": []map[string]string{{"id": l.recipient, "kind": "education-org", "country": "KZ"}}},
		"source": map[string]string{"kind": "subject"},
		"values": map[string]string{"full_name": p.Values["full_name"], "iin": p.Values["iin"], "email": p.Values["email"]}}
	if !call(ctx, http.MethodPost, base+"/api/v1/subjects", l.writer, body, http.StatusCreated, &s) {
		return
	}
	l.record(&l.created, s.ID)
	if r.IntN(2) == 0 {
		upd := map[string]any{"purpose": "p4.1b", "source": map[string]string{"kind": "subject"},
			"values": map[string]string{"email": "new." + p.Values["email"]}}
		if call(ctx, http.MethodPatch, base+"/api/v1/subjects/"+s.ID, l.writer, upd, http.StatusOK, nil) {
			l.record(&l.updated, s.ID)
		}
	}
	if r.IntN(3) == 0 {
		var tr struct {
			Transfer struct{ ID string }
		}
		send := map[string]any{"recipientId": l.recipient, "purpose": "p4.2b1", "channel": "email", "subjects": []string{s.ID},
			"categories": []string{"full_name", "iin"}, "basis": "consent"}
		if call(ctx, http.MethodPost, base+"/api/v1/transfers", l.sender, send, http.StatusCreated, &tr) {
			l.record(&l.transfers, tr.Transfer.ID)
		}
	}
}

func (l *crashLoad) record(list *[]string, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, id)
}

// call sends a JSON request; true only when derbes answered want (the
// operation is acknowledged), with the answer decoded into out.
func call(ctx context.Context, method, url, token string, in any, want int, out any) bool {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		return false
	}
	return out == nil || json.NewDecoder(resp.Body).Decode(out) == nil
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
