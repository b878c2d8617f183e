package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// testApp is derbes started as the binary starts it, on port 0.
type testApp struct {
	*App
	token string
	logs  *bytes.Buffer
	dir   string
	raw   *store.DB // a second handle on the same database, for counting rows
}

func start(t *testing.T, engine string) *testApp {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: ExampleBIN}
	if engine == dbtest.Postgres {
		cfg.DB = dbtest.PostgresURL(t)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := Start(context.Background(), cfg, log, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	tok, err := a.Service.IssueToken(derbes.WithPrincipal(context.Background(), service.System("test")), "test", service.RoleResponsible)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := store.Open(context.Background(), cfg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return &testApp{App: a, token: tok, logs: logs, dir: dir, raw: raw}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// do sends a request with the test token and decodes the JSON answer.
func (a *testApp) do(t testing.TB, method, path string, body any, out any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		enc, _ := json.Marshal(b)
		r = bytes.NewReader(enc)
	}
	req, _ := http.NewRequest(method, a.URL()+path, r)
	req.Header.Set("Authorization", "Bearer "+a.token)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp, data
}

func (a *testApp) auditCount(t testing.TB, action, outcome string) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM audit_log WHERE action = $1 AND outcome = $2`
	var n int
	if err := a.raw.Raw().QueryRow(q, action, outcome).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// covers R-VAULT-1 (done-when: after serve --demo, no demo subject's IIN,
// phone, e-mail, document number or surname is in any file of the data
// directory, nor in the logs).
func TestDemoLeavesNoPlaintextAtRest(t *testing.T) {
	a := start(t, dbtest.SQLite)
	if n, err := SeedDemo(context.Background(), a.Service, DemoSize); err != nil || n != DemoSize {
		t.Fatalf("seed: %d %v", n, err)
	}
	people := demo.People(DemoSeed, DemoSize)
	// Read some back through the API so reads, searches and their logs happen too.
	for _, p := range people[:20] {
		var res struct{ Subjects []service.SubjectView }
		resp, _ := a.do(t, "POST", "/api/v1/subjects/search", map[string]string{"purpose": "p4.1b", "category": "iin", "value": p.Values["iin"]}, &res)
		if resp.StatusCode != 200 || len(res.Subjects) != 1 || res.Subjects[0].Values["phone"].Value != p.Values["phone"] {
			t.Fatalf("search: %d %+v", resp.StatusCode, res)
		}
	}
	var needles [][]byte
	for _, p := range people {
		surname, _, _ := strings.Cut(p.Values["full_name"], " ")
		for _, v := range []string{p.Values["iin"], p.Values["phone"], p.Values["email"], p.Values["passport_number"], surname} {
			needles = append(needles, []byte(v))
		}
	}
	scan := func(when string) {
		files := 0
		filepath.WalkDir(a.dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files++
			for _, n := range needles {
				if bytes.Contains(data, n) {
					t.Errorf("%s: %s holds a demo value in plaintext", when, filepath.Base(path))
				}
			}
			return nil
		})
		if files < 2 {
			t.Fatalf("%s: scanned only %d files", when, files)
		}
	}
	// A backup in the data directory, the metrics page and the metadata of a
	// generated PDF are scanned too (the reliability issue's leak scan).
	master, _, err := vault.LoadOrCreateKeyFile(filepath.Join(a.dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.WriteFile(context.Background(), a.raw, master, filepath.Join(a.dir, "leak-scan.backup"), backup.Options{Generator: "test"}); err != nil {
		t.Fatal(err)
	}
	_, metrics := a.do(t, "GET", "/metrics", nil, nil)
	var found struct{ Subjects []service.SubjectView }
	a.do(t, "POST", "/api/v1/subjects/search", map[string]string{"purpose": "p4.1b", "category": "iin", "value": people[0].Values["iin"]}, &found)
	ks, err := a.Service.Consents(derbes.WithPrincipal(context.Background(), service.System("test")), found.Subjects[0].ID)
	if err != nil || len(ks) == 0 {
		t.Fatalf("consents: %v", err)
	}
	_, form := a.do(t, "GET", "/api/v1/subjects/"+found.Subjects[0].ID+"/consents/"+ks[0].ID+"/form?lang=ru", nil, nil)
	info := pdftest.Info(t, form)
	for _, n := range needles {
		if bytes.Contains(metrics, n) {
			t.Errorf("the metrics output holds a demo value")
		}
		if strings.Contains(info, string(n)) {
			t.Errorf("a consent form's PDF metadata holds a demo value:\n%s", info)
		}
	}
	scan("while running (WAL live)")
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	scan("after shutdown")
	for _, n := range needles {
		if bytes.Contains(a.logs.Bytes(), n) {
			t.Errorf("the logs hold a demo value")
		}
	}
	if a.logs.Len() == 0 {
		t.Error("no logs were captured: the scan proves nothing")
	}
}

// covers N-1 (done-when: 16 concurrent clients creating subjects on SQLite
// for 10 s: 0 errors, and audit entries equal successful operations exactly).
func TestConcurrentCreatesLoseNothing(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			a := start(t, engine)
			const clients = 16
			dur := 10 * time.Second
			if engine == dbtest.Postgres {
				dur = 3 * time.Second
			}
			var ok, failed atomic.Int64
			var firstErr atomic.Value
			deadline := time.Now().Add(dur)
			var wg sync.WaitGroup
			tr := &http.Transport{MaxIdleConnsPerHost: clients}
			client := &http.Client{Transport: tr}
			for c := range clients {
				wg.Go(func() {
					for i := 0; time.Now().Before(deadline); i++ {
						body, _ := json.Marshal(map[string]any{"kind": "applicant", "citizenship": "kz-citizen", "purpose": "p4.1b",
							"consent": map[string]any{"purposes": []string{"p4.1b"}}, "source": map[string]string{"kind": "subject"},
							"values": map[string]string{"full_name": fmt.Sprintf("Тестов Клиент%c Номер", 'А'+rune(c)), "education": "Лицей", "phone": "+77011234567"}})
						req, _ := http.NewRequest("POST", a.URL()+"/api/v1/subjects", bytes.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+a.token)
						req.Header.Set("Content-Type", "application/json")
						resp, err := client.Do(req)
						if err != nil {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, err.Error())
							continue
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != http.StatusCreated {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, resp.Status)
							continue
						}
						ok.Add(1)
					}
				})
			}
			wg.Wait()
			tr.CloseIdleConnections()
			if failed.Load() != 0 {
				t.Fatalf("%d of %d requests failed; first: %v", failed.Load(), ok.Load()+failed.Load(), firstErr.Load())
			}
			n := int(ok.Load())
			if n < clients {
				t.Fatalf("only %d creates in %s", n, dur)
			}
			subjects, err := a.Service.SubjectCount(context.Background())
			if err != nil || int(subjects) != n {
				t.Fatalf("subjects = %d, acknowledged creates = %d (%v)", subjects, n, err)
			}
			if c := a.auditCount(t, "subject.create", "ok"); c != n {
				t.Errorf("subject.create audit entries = %d, acknowledged = %d", c, n)
			}
			if c := a.auditCount(t, "consent.give", "ok"); c != n {
				t.Errorf("consent.give audit entries = %d, acknowledged = %d", c, n)
			}
			rep, err := a.Service.VerifyAudit(derbes.WithPrincipal(context.Background(), service.System("test")))
			if err != nil || !rep.OK {
				t.Fatalf("chain after load: %v %+v", err, rep)
			}
			t.Logf("%s: %d creates by %d clients in %s (%.0f/s), chain of %d entries verifies", engine, n, clients, dur, float64(n)/dur.Seconds(), rep.Entries)
		})
	}
}

// covers R-VAULT-7: storage declared outside Kazakhstan is refused at start.
func TestForeignLocationRefused(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "DE"}
	_, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Art. 12") {
		t.Fatalf("start with location DE: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "derbes.db")); !os.IsNotExist(err) {
		t.Errorf("a refused start created the database: %v", err)
	}
	cfg.AllowForeignLocation = true
	a, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatalf("with override: %v", err)
	}
	if got := a.Service.Operator().Location; got != "DE" {
		t.Errorf("declared location = %q", got)
	}
	a.Shutdown(context.Background())
}
