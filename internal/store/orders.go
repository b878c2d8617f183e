package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/derbes-kz/derbes"
)

// Order is an applicant's order of services (R-APPLY-1).
type Order struct {
	ID           string        `json:"id"`
	SubjectID    string        `json:"subjectId"`
	Services     []string      `json:"services"`
	Institutions []string      `json:"institutions"` // recipient ids
	AcademicYear string        `json:"academicYear"`
	Programme    string        `json:"programme"`
	Status       string        `json:"status"`
	CreatedAt    int64         `json:"-"`
	CreatedBy    string        `json:"createdBy"`
	ClosedAt     sql.NullInt64 `json:"-"`
}

// OrderEvent is one move of an order's status: who moved it and when.
type OrderEvent struct {
	Status string `json:"status"`
	At     int64  `json:"-"`
	By     string `json:"by"`
}

// InsertOrder creates an order and its first event.
func (c Conn) InsertOrder(ctx context.Context, o Order) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO orders (id, subject_id, services, institutions, academic_year, programme, status, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, o.ID, o.SubjectID, strings.Join(o.Services, ","), strings.Join(o.Institutions, ","),
		o.AcademicYear, o.Programme, o.Status, o.CreatedAt, o.CreatedBy)
	if err != nil {
		return fmt.Errorf("store: insert order: %w", err)
	}
	return c.InsertOrderEvent(ctx, o.ID, o.SubjectID, OrderEvent{Status: o.Status, At: o.CreatedAt, By: o.CreatedBy})
}

// InsertOrderEvent records a status move (and sets the order's status).
func (c Conn) InsertOrderEvent(ctx context.Context, orderID, subjectID string, e OrderEvent) error {
	if _, err := c.q.ExecContext(ctx, `INSERT INTO order_events (order_id, subject_id, status, at, by_actor) VALUES ($1, $2, $3, $4, $5)`,
		orderID, subjectID, e.Status, e.At, e.By); err != nil {
		return fmt.Errorf("store: insert order event: %w", err)
	}
	closed := sql.NullInt64{}
	if e.Status == "closed" {
		closed = sql.NullInt64{Int64: e.At, Valid: true}
	}
	if _, err := c.q.ExecContext(ctx, `UPDATE orders SET status = $1, closed_at = COALESCE(closed_at, $2) WHERE id = $3`, e.Status, closed, orderID); err != nil {
		return fmt.Errorf("store: update order status: %w", err)
	}
	return nil
}

const orderCols = `id, subject_id, services, institutions, academic_year, programme, status, created_at, created_by, closed_at`

func scanOrder(s scanner) (Order, error) {
	var o Order
	var services, insts string
	err := s.Scan(&o.ID, &o.SubjectID, &services, &insts, &o.AcademicYear, &o.Programme, &o.Status, &o.CreatedAt, &o.CreatedBy, &o.ClosedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return o, derbes.NotFound("no such order")
	}
	if err != nil {
		return o, fmt.Errorf("store: read order: %w", err)
	}
	o.Services, o.Institutions = splitList(services), splitList(insts)
	return o, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// OrderByID returns an order. Errors: ENotFound.
func (c Conn) OrderByID(ctx context.Context, id string) (Order, error) {
	return scanOrder(c.q.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE id = $1`, id))
}

// SubjectOrders returns a subject's orders, newest first.
func (c Conn) SubjectOrders(ctx context.Context, subjectID string) ([]Order, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT `+orderCols+` FROM orders WHERE subject_id = $1 ORDER BY created_at DESC`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: list orders: %w", err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrderEvents returns an order's status history, oldest first.
func (c Conn) OrderEvents(ctx context.Context, orderID string) ([]OrderEvent, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT status, at, by_actor FROM order_events WHERE order_id = $1 ORDER BY at`, orderID)
	if err != nil {
		return nil, fmt.Errorf("store: read order events: %w", err)
	}
	defer rows.Close()
	var out []OrderEvent
	for rows.Next() {
		var e OrderEvent
		if err := rows.Scan(&e.Status, &e.At, &e.By); err != nil {
			return nil, fmt.Errorf("store: read order events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// OrdersByStatus returns up to limit orders in status, newest first: a
// queue for staff.
func (c Conn) OrdersByStatus(ctx context.Context, status string, limit int) ([]Order, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT `+orderCols+` FROM orders WHERE status = $1 ORDER BY created_at DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list orders: %w", err)
	}
	defer rows.Close()
	var out []Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OrderMessage is a question or an answer about an order, sealed.
type OrderMessage struct {
	ID, OrderID, SubjectID, Author string
	Body                           []byte
	At                             int64
}

// InsertOrderMessage records a message.
func (c Conn) InsertOrderMessage(ctx context.Context, m OrderMessage) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO order_messages (id, order_id, subject_id, author, body, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.ID, m.OrderID, m.SubjectID, m.Author, m.Body, m.At)
	if err != nil {
		return fmt.Errorf("store: insert order message: %w", err)
	}
	return nil
}

// OrderMessages returns an order's messages, oldest first.
func (c Conn) OrderMessages(ctx context.Context, orderID string) ([]OrderMessage, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, order_id, subject_id, author, body, at FROM order_messages WHERE order_id = $1 ORDER BY at, id`, orderID)
	if err != nil {
		return nil, fmt.Errorf("store: read order messages: %w", err)
	}
	defer rows.Close()
	var out []OrderMessage
	for rows.Next() {
		var m OrderMessage
		if err := rows.Scan(&m.ID, &m.OrderID, &m.SubjectID, &m.Author, &m.Body, &m.At); err != nil {
			return nil, fmt.Errorf("store: read order messages: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
