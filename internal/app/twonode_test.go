package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/mailtest"
	"github.com/derbes-kz/derbes/internal/service"
)

// covers the performance issue's "beyond one machine": two derbes nodes on
// one PostgreSQL database, each with its own data directory, share nothing
// but the database and the master key. A token issued on one works on the
// other; creates from both at once all land, each with its audit entries,
// and the one chain verifies; the scheduled jobs run once between them; a
// portal sign-in begun on one node ends on the other, and a staff session
// opened on one is known on the other.
func TestTwoNodesOnOneDatabase(t *testing.T) {
	if !slices.Contains(dbtest.Engines(), dbtest.Postgres) {
		t.Skip("two nodes need PostgreSQL (DERBES_TEST_ENGINES)")
	}
	dsn := dbtest.PostgresURL(t)
	key := make([]byte, 32)
	rand.Read(key)
	mt := mailtest.Start(t)
	var nodes [2]*App
	for i := range nodes {
		cfg := Config{DataDir: t.TempDir(), DB: dsn, Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator",
			OperatorBIN: ExampleBIN, MasterKey: base64.StdEncoding.EncodeToString(key), SMTP: mt.Config()}
		a, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		t.Cleanup(func() { a.Shutdown(context.Background()) })
		nodes[i] = a
	}
	a, b := nodes[0], nodes[1]
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	tok, err := a.Service.IssueToken(sys, "two nodes", service.RoleResponsible)
	if err != nil {
		t.Fatal(err)
	}
	call := func(node *App, method, path string, body, out any) int {
		t.Helper()
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, node.URL()+path, strings.NewReader(string(data)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			json.NewDecoder(resp.Body).Decode(out)
		}
		return resp.StatusCode
	}
	subject := func(p demo.Person) map[string]any {
		return map[string]any{"kind": "applicant", "citizenship": p.Citizenship, "purpose": "p4.1b",
			"consent": map[string]any{"purposes": []string{"p4.1b"}}, "source": map[string]string{"kind": "subject"},
			"values": map[string]string{"full_name": p.Values["full_name"], "iin": p.Values["iin"], "email": p.Values["email"]}}
	}
	people := demo.People(77, 2000)

	// A token from one node, a subject written through the other, read
	// back through the first.
	var made struct{ ID string }
	if st := call(b, "POST", "/api/v1/subjects", subject(people[0]), &made); st != http.StatusCreated {
		t.Fatalf("create on node b with a token of node a: %d", st)
	}
	var read struct {
		Values map[string]struct{ Value any }
	}
	if st := call(a, "GET", "/api/v1/subjects/"+made.ID+"?purpose=p4.1b", nil, &read); st != http.StatusOK || read.Values["email"].Value != people[0].Values["email"] {
		t.Fatalf("read on node a: %d %+v", st, read)
	}

	// Creates from both nodes at once.
	before, _ := a.Service.AuditLength(context.Background())
	var mu sync.Mutex
	created, failed := 0, 0
	var wg sync.WaitGroup
	for c := range 8 {
		node := nodes[c%2]
		wg.Go(func() {
			for i := 1 + c; i < len(people); i += 8 {
				st := call(node, "POST", "/api/v1/subjects", subject(people[i]), nil)
				mu.Lock()
				if st == http.StatusCreated {
					created++
				} else {
					failed++
				}
				mu.Unlock()
				if i > 400 {
					return
				}
			}
		})
	}
	wg.Wait()
	after, _ := b.Service.AuditLength(context.Background())
	if failed != 0 || created < 400 || after-before != int64(2*created) {
		t.Errorf("creates from both nodes: %d made, %d failed; %d audit entries, want %d", created, failed, after-before, 2*created)
	}
	for i, n := range nodes {
		if rep, err := n.Service.VerifyAudit(sys); err != nil || !rep.OK {
			t.Errorf("the chain, verified on node %d: %+v %v", i, rep, err)
		}
	}

	// Scheduled jobs, started on both nodes at once: each runs once.
	var ran [2][]string
	var errs [2]error
	for i, n := range nodes {
		wg.Go(func() { ran[i], errs[i] = n.Service.RunScheduled(context.Background()) })
	}
	wg.Wait()
	all := append(slices.Clone(ran[0]), ran[1]...)
	slices.Sort(all)
	if errs[0] != nil || errs[1] != nil || len(all) != 6 || len(slices.Compact(slices.Clone(all))) != 6 {
		t.Errorf("jobs on two nodes: a ran %v, b ran %v (%v, %v); want the 6 jobs once in all", ran[0], ran[1], errs[0], errs[1])
	}
	for i, n := range nodes {
		if again, err := n.Service.RunScheduled(context.Background()); err != nil || len(again) != 0 {
			t.Errorf("node %d ran %v again in the same period: %v", i, again, err)
		}
	}

	// A portal sign-in begun on node a, its code entered on node b, the
	// session used on both. (Cookies do not tell ports apart, as a browser
	// behind a load balancer sees one host.)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm(a.URL()+"/portal/signin", url.Values{"address": {people[0].Values["email"]}})
	if err != nil || resp.Request.URL.Path != "/portal/code" {
		t.Fatalf("portal sign-in on node a: %v %v", err, resp.Request.URL)
	}
	resp.Body.Close()
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(mt.WaitFor(t, people[0].Values["email"], 10*time.Second).Text)
	resp, err = browser.PostForm(b.URL()+"/portal/code", url.Values{"code": {code}})
	if err != nil || resp.Request.URL.Path != "/portal/me" || resp.StatusCode != http.StatusOK {
		t.Fatalf("the code on node b: %v %d %v", err, resp.StatusCode, resp.Request.URL)
	}
	resp.Body.Close()
	for i, n := range nodes {
		resp, err := browser.Get(n.URL() + "/portal/me")
		if err != nil || resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/portal/me" {
			t.Errorf("the portal session on node %d: %v %v", i, err, resp.Request.URL)
		}
		resp.Body.Close()
	}

	// A staff session opened on node b is known on node a.
	if _, err := b.Service.CreateStaff(sys, service.NewStaff{Name: "Әйгерім Сәрсенова", Login: "aigerim@example.org", Role: service.RoleResponsible, Password: "a long test passphrase 42"}); err != nil {
		t.Fatal(err)
	}
	jar, _ = cookiejar.New(nil)
	staff := &http.Client{Jar: jar}
	resp, err = staff.PostForm(b.URL()+"/console/signin", url.Values{"login": {"aigerim@example.org"}, "password": {"a long test passphrase 42"}})
	if err != nil || resp.Request.URL.Path != "/console/mfa" {
		t.Fatalf("console sign-in on node b: %v %v", err, resp.Request.URL)
	}
	resp.Body.Close()
	resp, err = staff.Get(a.URL() + "/console/mfa")
	if err != nil || resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/console/mfa" {
		t.Errorf("the staff session on node a: %v %v", err, resp.Request.URL)
	}
	resp.Body.Close()
	resp, err = http.Get(a.URL() + "/console/mfa")
	if err != nil || resp.Request.URL.Path != "/console/signin" {
		t.Errorf("no session on node a: %v %v, want the sign-in page", err, resp.Request.URL)
	}
	resp.Body.Close()
	t.Logf("two nodes: %d creates from both at once, %d audit entries, chain verifies; jobs a %v, b %v", created, after-before, ran[0], ran[1])
}
