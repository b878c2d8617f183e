package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
)

// Webhook events: what an integrator needs to follow, by id only.
const (
	EventRequestOpened    = "request.opened"
	EventConsentWithdrawn = "consent.withdrawn"
	EventSubjectBlocked   = "subject.blocked"
)

// WebhookEvents are the events a webhook may subscribe to.
var WebhookEvents = []string{EventRequestOpened, EventConsentWithdrawn, EventSubjectBlocked}

const (
	// webhookAttempts is how many times a delivery is tried before it is
	// marked failed; the waits double from webhookFirstRetry.
	webhookAttempts   = 8
	webhookFirstRetry = 10 * time.Second
	webhookMaxWait    = 6 * time.Hour
)

// WebhookCreated is a new webhook with its signing secret, shown once.
type WebhookCreated struct {
	store.Webhook
	Secret string `json:"secret"`
}

// CreateWebhook registers an integrator's endpoint (https, or http on
// loopback for development) for events. Errors: EInvalid (url, events), EForbidden.
func (s *Service) CreateWebhook(ctx context.Context, rawURL string, events []string) (*WebhookCreated, error) {
	const action = "webhook.create"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*"):
		err = s.denied(ctx, "", "your role may not register webhooks")
	case !webhookURLOK(rawURL):
		err = derbes.Invalid("url", "webhook-url", "the URL is https, or http to this machine (loopback) for development")
	case len(events) == 0 || slices.ContainsFunc(events, func(e string) bool { return !slices.Contains(WebhookEvents, e) }):
		err = derbes.Invalid("events", "webhook-events", "events are request.opened, consent.withdrawn and subject.blocked")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "", nil, err)
	}
	w := store.Webhook{ID: newID(), URL: rawURL, Events: slices.Compact(slices.Sorted(slices.Values(events))), Active: true,
		CreatedBy: derbes.PrincipalFrom(ctx).ID, CreatedAt: s.now().UnixMicro()}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "webhook "+w.ID)}, c.InsertWebhook(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	return &WebhookCreated{Webhook: w, Secret: s.webhookSecret(w.ID)}, nil
}

func webhookURLOK(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 500 {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		ip := net.ParseIP(u.Hostname())
		return u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}

// webhookSecret is derived from the webhook's id under the installation's
// key: nothing to store, the same on every node.
func (s *Service) webhookSecret(id string) string {
	return hex.EncodeToString(s.kr.SecretHash("webhook", []byte(id)))
}

// WebhookSignature is the signature of a delivery: HMAC-SHA256 over
// "timestamp.body" with the webhook's secret, hex, as sent in
// X-Derbes-Signature ("sha256=…"). Receivers recompute it to verify.
func WebhookSignature(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// enqueueEvent queues event for every subscribed webhook, inside the
// transaction of the change it reports (an outbox): it is delivered if and
// only if the change is committed. The body names ids, never values.
func (s *Service) enqueueEvent(ctx context.Context, c store.Conn, event, subjectID, ref string) error {
	hooks, err := c.Webhooks(ctx)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for _, w := range hooks {
		if !w.Active || !slices.Contains(w.Events, event) {
			continue
		}
		id := newID()
		body, _ := json.Marshal(map[string]string{"id": id, "event": event, "at": now.Format(time.RFC3339), "subjectId": subjectID, "ref": ref})
		if err := c.InsertDelivery(ctx, store.Delivery{ID: id, WebhookID: w.ID, Event: event, Body: string(body), Status: "pending", NextAt: now.UnixMicro()}); err != nil {
			return err
		}
	}
	return nil
}

// DeliverWebhooks sends the deliveries that are due, each signed, and
// records every attempt: delivered on a 2xx answer, else tried again
// after a doubling wait, and marked failed after 8 attempts. Several
// nodes may run it: each delivery is claimed before it is sent.
// It returns how many were delivered.
func (s *Service) DeliverWebhooks(ctx context.Context) (int, error) {
	ctx = derbes.WithPrincipal(ctx, System("webhooks"))
	now := s.now().UTC()
	var due []store.Delivery
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var err error
		due, err = c.ClaimDeliveries(ctx, now.UnixMicro(), now.Add(2*time.Minute).UnixMicro(), 50)
		return nil, err
	})
	if err != nil || len(due) == 0 {
		return 0, err
	}
	hooks, err := s.db.Read().Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	byID := map[string]store.Webhook{}
	for _, w := range hooks {
		byID[w.ID] = w
	}
	delivered := 0
	for _, d := range due {
		code := s.post(ctx, byID[d.WebhookID], d)
		d.Attempts++
		status, next, at := "pending", s.now().UTC(), sql.NullInt64{}
		switch {
		case code >= 200 && code < 300:
			status, at = "delivered", sql.NullInt64{Int64: next.UnixMicro(), Valid: true}
			delivered++
		case d.Attempts >= webhookAttempts:
			status = "failed"
		default:
			next = next.Add(min(webhookFirstRetry<<(d.Attempts-1), webhookMaxWait))
		}
		outcome := derbes.OutcomeOK
		if status != "delivered" {
			outcome = derbes.OutcomeError
		}
		err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			e := s.entry(ctx, "webhook.deliver", "", "", nil, outcome, fmt.Sprintf("delivery %s attempt %d status %d", d.ID, d.Attempts, code))
			return []derbes.AuditEntry{e}, c.RecordAttempt(ctx, d.ID, status, d.Attempts, code, next.UnixMicro(), at)
		})
		if err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

// post sends one delivery; it returns the HTTP status, 0 when none came.
func (s *Service) post(ctx context.Context, w store.Webhook, d store.Delivery) int {
	if w.URL == "" || !w.Active {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, strings.NewReader(d.Body))
	if err != nil {
		return 0
	}
	ts := strconv.FormatInt(s.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Derbes-Event", d.Event)
	req.Header.Set("X-Derbes-Delivery", d.ID)
	req.Header.Set("X-Derbes-Timestamp", ts)
	req.Header.Set("X-Derbes-Signature", WebhookSignature(s.webhookSecret(w.ID), ts, []byte(d.Body)))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // let the connection be reused
	return resp.StatusCode
}

// WebhookDelivery is a delivery as the administrator sees it.
type WebhookDelivery struct {
	ID          string     `json:"id"`
	Event       string     `json:"event"`
	Status      string     `json:"status"` // pending, delivered, failed
	Attempts    int        `json:"attempts"`
	LastCode    int        `json:"lastCode"`
	NextAt      time.Time  `json:"nextAt"`
	DeliveredAt *time.Time `json:"deliveredAt,omitempty"`
}

// Webhooks lists the webhooks with their newest deliveries.
// Errors: EForbidden.
func (s *Service) Webhooks(ctx context.Context) ([]store.Webhook, map[string][]WebhookDelivery, error) {
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*") {
		return nil, nil, s.Refuse(ctx, "webhook.list", "", "", nil, s.denied(ctx, "", "your role may not see webhooks"))
	}
	r := s.db.Read()
	hooks, err := r.Webhooks(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := map[string][]WebhookDelivery{}
	for _, w := range hooks {
		ds, err := r.Deliveries(ctx, w.ID, 50)
		if err != nil {
			return nil, nil, err
		}
		list := []WebhookDelivery{}
		for _, d := range ds {
			v := WebhookDelivery{ID: d.ID, Event: d.Event, Status: d.Status, Attempts: d.Attempts, LastCode: d.LastCode, NextAt: fromMicros(d.NextAt)}
			if d.DeliveredAt.Valid {
				t := fromMicros(d.DeliveredAt.Int64)
				v.DeliveredAt = &t
			}
			list = append(list, v)
		}
		out[w.ID] = list
	}
	if hooks == nil {
		hooks = []store.Webhook{}
	}
	return hooks, out, nil
}
