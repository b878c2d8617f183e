package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Webhook is an integrator's endpoint and the events it wants.
type Webhook struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Events    []string `json:"events"`
	Active    bool     `json:"active"`
	CreatedBy string   `json:"createdBy"`
	CreatedAt int64    `json:"-"`
}

// Delivery is one event queued for one webhook.
type Delivery struct {
	ID, WebhookID, Event, Body, Status string
	Attempts                           int
	NextAt                             int64
	LastCode                           int
	DeliveredAt                        sql.NullInt64
}

// InsertWebhook registers a webhook.
func (c Conn) InsertWebhook(ctx context.Context, w Webhook) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO webhooks (id, url, events, active, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		w.ID, w.URL, strings.Join(w.Events, ","), w.Active, w.CreatedBy, w.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert webhook: %w", err)
	}
	return nil
}

// Webhooks returns the registered webhooks.
func (c Conn) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, url, events, active, created_by, created_at FROM webhooks ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: read webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		var w Webhook
		var events string
		if err := rows.Scan(&w.ID, &w.URL, &events, &w.Active, &w.CreatedBy, &w.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: read webhooks: %w", err)
		}
		w.Events = splitList(events)
		out = append(out, w)
	}
	return out, rows.Err()
}

// InsertDelivery queues a delivery.
func (c Conn) InsertDelivery(ctx context.Context, d Delivery) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event, body, status, attempts, next_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		d.ID, d.WebhookID, d.Event, d.Body, d.Status, d.Attempts, d.NextAt)
	if err != nil {
		return fmt.Errorf("store: insert delivery: %w", err)
	}
	return nil
}

// ClaimDeliveries takes up to limit pending deliveries due at now, moving
// their next attempt to until so that no other node sends them meanwhile.
func (c Conn) ClaimDeliveries(ctx context.Context, now, until int64, limit int) ([]Delivery, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, webhook_id, event, body, status, attempts, next_at, last_code FROM webhook_deliveries
		WHERE status = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("store: due deliveries: %w", err)
	}
	var due []Delivery
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.Event, &d.Body, &d.Status, &d.Attempts, &d.NextAt, &d.LastCode); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: due deliveries: %w", err)
		}
		due = append(due, d)
	}
	rows.Close()
	var out []Delivery
	for _, d := range due {
		res, err := c.q.ExecContext(ctx, `UPDATE webhook_deliveries SET next_at = $1 WHERE id = $2 AND status = 'pending' AND next_at = $3`, until, d.ID, d.NextAt)
		if err != nil {
			return nil, fmt.Errorf("store: claim delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			out = append(out, d)
		}
	}
	return out, nil
}

// RecordAttempt stores an attempt's outcome: delivered, or the next time
// to try (status failed when attempts are exhausted).
func (c Conn) RecordAttempt(ctx context.Context, id, status string, attempts, code int, nextAt int64, delivered sql.NullInt64) error {
	_, err := c.q.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2, last_code = $3, next_at = $4, delivered_at = $5 WHERE id = $6`,
		status, attempts, code, nextAt, delivered, id)
	if err != nil {
		return fmt.Errorf("store: record delivery: %w", err)
	}
	return nil
}

// Deliveries returns a webhook's deliveries, newest first (limit).
func (c Conn) Deliveries(ctx context.Context, webhookID string, limit int) ([]Delivery, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, webhook_id, event, body, status, attempts, next_at, last_code, delivered_at FROM webhook_deliveries
		WHERE webhook_id = $1 ORDER BY next_at DESC, id LIMIT $2`, webhookID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.Event, &d.Body, &d.Status, &d.Attempts, &d.NextAt, &d.LastCode, &d.DeliveredAt); err != nil {
			return nil, fmt.Errorf("store: read deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}
