package service

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
)

// covers the import/export/integrators issue (done-when: webhook
// deliveries are signed, retried after a failure, and recorded, with a
// real HTTP receiver): a request opened, a consent withdrawn and a block
// each reach the receiver, signed with the webhook's secret; the first
// attempt is answered 500 and retried after its wait; the bodies carry
// ids, never values.
func TestWebhooks(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		clock := &clockT{t: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)}
		e = newEnvWith(t, string(e.db.Engine()), Options{Now: clock.now})
		var mu sync.Mutex
		var got []*http.Request
		var bodies [][]byte
		fail := true
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			got, bodies = append(got, r), append(bodies, b)
			if fail {
				fail = false
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer recv.Close()
		admin := as(context.Background(), RoleAdmin, DefaultRoles())
		_, err := e.svc.CreateWebhook(admin, "http://example.org/hook", []string{EventRequestOpened})
		wantErr(t, err, derbes.EInvalid, "url", "webhook-url")
		_, err = e.svc.CreateWebhook(admin, recv.URL, []string{"subject.created"})
		wantErr(t, err, derbes.EInvalid, "events", "webhook-events")
		_, err = e.svc.CreateWebhook(e.ctx, recv.URL, []string{EventRequestOpened})
		wantErr(t, err, derbes.EForbidden, "", "permission")
		hook, err := e.svc.CreateWebhook(admin, recv.URL, WebhookEvents)
		if err != nil {
			t.Fatal(err)
		}

		v := e.create(applicant(), "p4.1b", "p4.2a")
		if _, err := e.svc.OpenRequest(e.ctx, v.ID, NewRequest{Kind: "information", Channel: "portal", Details: "Секретные подробности"}); err != nil {
			t.Fatal(err)
		}
		ks, _ := e.svc.Consents(e.ctx, v.ID)
		if _, err := e.svc.WithdrawConsent(e.ctx, v.ID, ks[0].ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Block(e.ctx, v.ID, "phone", "request"); err != nil {
			t.Fatal(err)
		}
		n, err := e.svc.DeliverWebhooks(context.Background())
		if err != nil || n != 2 || len(got) != 3 {
			t.Fatalf("first round: %d delivered, %d received, %v", n, len(got), err)
		}
		// The failed one waits 10 s; not before.
		if n, _ := e.svc.DeliverWebhooks(context.Background()); n != 0 {
			t.Errorf("retried before its time: %d", n)
		}
		clock.t = clock.t.Add(11 * time.Second)
		if n, err := e.svc.DeliverWebhooks(context.Background()); err != nil || n != 1 || len(got) != 4 {
			t.Fatalf("retry: %d %v, %d received", n, err, len(got))
		}
		events := map[string]bool{}
		for i, r := range got {
			ts, sig := r.Header.Get("X-Derbes-Timestamp"), r.Header.Get("X-Derbes-Signature")
			if sig != WebhookSignature(hook.Secret, ts, bodies[i]) {
				t.Errorf("delivery %d: signature %q does not verify", i, sig)
			}
			if WebhookSignature("another secret", ts, bodies[i]) == sig {
				t.Error("the signature does not depend on the secret")
			}
			var body map[string]string
			json.Unmarshal(bodies[i], &body)
			if body["subjectId"] != v.ID || body["event"] != r.Header.Get("X-Derbes-Event") {
				t.Errorf("body %s", bodies[i])
			}
			if strings.Contains(string(bodies[i]), "Секретные") || strings.Contains(string(bodies[i]), "+7701") {
				t.Errorf("a value in a webhook body: %s", bodies[i])
			}
			events[body["event"]] = true
		}
		if len(events) != 3 {
			t.Errorf("events received %v", events)
		}
		_, ds, err := e.svc.Webhooks(admin)
		if err != nil || len(ds[hook.ID]) != 3 {
			t.Fatalf("deliveries %+v %v", ds, err)
		}
		retried := 0
		for _, d := range ds[hook.ID] {
			if d.Status != "delivered" || d.DeliveredAt == nil {
				t.Errorf("delivery %+v", d)
			}
			if d.Attempts == 2 {
				retried++
			}
		}
		if retried != 1 {
			t.Errorf("%d deliveries took two attempts, want 1", retried)
		}
		var attempts int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.deliver'`).Scan(&attempts)
		if attempts != 4 {
			t.Errorf("%d attempts recorded, want 4", attempts)
		}
	})
}
