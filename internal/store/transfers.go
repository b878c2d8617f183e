package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/derbes-kz/derbes"
)

// Recipient is a third party of the registry (R-TRANSFER-1).
type Recipient struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"`
	Names     map[string]string `json:"names"` // kk, ru, en
	Country   string            `json:"country"`
	RegNumber string            `json:"regNumber"` // BIN or foreign registration
	Channel   string            `json:"channel"`
	Contact   string            `json:"contact"`
	Active    bool              `json:"active"`
	CreatedAt int64             `json:"-"`
	CreatedBy string            `json:"-"`
}

// ActivateRecipient confirms an inactive recipient; false if it was active
// or is unknown.
func (c Conn) ActivateRecipient(ctx context.Context, id string) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE recipients SET active = TRUE WHERE id = $1 AND NOT active`, id)
	if err != nil {
		return false, fmt.Errorf("store: activate recipient: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertRecipient adds a recipient.
func (c Conn) InsertRecipient(ctx context.Context, r Recipient) error {
	names, _ := json.Marshal(r.Names)
	_, err := c.q.ExecContext(ctx, `INSERT INTO recipients (id, kind, names, country, reg_number, channel, contact, active, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.ID, r.Kind, string(names), r.Country, r.RegNumber, r.Channel, r.Contact, r.Active, r.CreatedAt, r.CreatedBy)
	if err != nil {
		return fmt.Errorf("store: insert recipient: %w", err)
	}
	return nil
}

const recipientCols = `id, kind, names, country, reg_number, channel, contact, active, created_at, created_by`

func scanRecipient(s scanner) (Recipient, error) {
	var r Recipient
	var names string
	err := s.Scan(&r.ID, &r.Kind, &names, &r.Country, &r.RegNumber, &r.Channel, &r.Contact, &r.Active, &r.CreatedAt, &r.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, &derbes.Error{Code: derbes.ENotFound, Field: "recipientId", Rule: "recipient-unknown", Message: "no such recipient"}
	}
	if err != nil {
		return r, fmt.Errorf("store: read recipient: %w", err)
	}
	return r, json.Unmarshal([]byte(names), &r.Names)
}

// RecipientByID returns a recipient. Errors: ENotFound.
func (c Conn) RecipientByID(ctx context.Context, id string) (Recipient, error) {
	return scanRecipient(c.q.QueryRowContext(ctx, `SELECT `+recipientCols+` FROM recipients WHERE id = $1`, id))
}

// Recipients lists the registry, by kind and id.
func (c Conn) Recipients(ctx context.Context) ([]Recipient, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT `+recipientCols+` FROM recipients ORDER BY kind, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list recipients: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Transfer is one disclosure as registered.
type Transfer struct {
	ID          string `json:"id"`
	RecipientID string `json:"recipientId"`
	Purpose     string `json:"purpose"`
	Channel     string `json:"channel"`
	BasisKind   string `json:"basisKind"`
	BasisRef    string `json:"basisRef"`
	CreatedBy   string `json:"createdBy"`
	At          int64  `json:"-"`
	PackageHash string `json:"packageHash"`
	Signature   []byte `json:"-"`
	KeyVersion  int    `json:"keyVersion"`
}

// TransferItem is one value sent: which subject, which category, which
// version, on which basis.
type TransferItem struct {
	TransferID string `json:"transferId"`
	SubjectID  string `json:"subjectId"`
	Category   string `json:"category"`
	Version    int    `json:"version"`
	Basis      string `json:"basis"`
}

// InsertTransfer registers a transfer with its items.
func (c Conn) InsertTransfer(ctx context.Context, t Transfer, items []TransferItem) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO transfers (id, recipient_id, purpose, channel, basis_kind, basis_ref, created_by, at, package_hash, signature, key_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, t.ID, t.RecipientID, t.Purpose, t.Channel, t.BasisKind, t.BasisRef, t.CreatedBy, t.At,
		t.PackageHash, t.Signature, t.KeyVersion)
	if err != nil {
		return fmt.Errorf("store: insert transfer: %w", err)
	}
	for start := 0; start < len(items); start += 100 {
		part := items[start:min(start+100, len(items))]
		args := make([]any, 0, len(part)*5)
		for _, it := range part {
			args = append(args, t.ID, it.SubjectID, it.Category, it.Version, it.Basis)
		}
		q := `INSERT INTO transfer_items (transfer_id, subject_id, category, version, basis) VALUES ` + placeholders(len(part), 5)
		if _, err := c.q.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: insert transfer items: %w", err)
		}
	}
	return nil
}

// TransferByID returns a transfer and its items. Errors: ENotFound.
func (c Conn) TransferByID(ctx context.Context, id string) (Transfer, []TransferItem, error) {
	var t Transfer
	err := c.q.QueryRowContext(ctx, `SELECT id, recipient_id, purpose, channel, basis_kind, basis_ref, created_by, at, package_hash, signature, key_version
		FROM transfers WHERE id = $1`, id).Scan(&t.ID, &t.RecipientID, &t.Purpose, &t.Channel, &t.BasisKind, &t.BasisRef, &t.CreatedBy, &t.At,
		&t.PackageHash, &t.Signature, &t.KeyVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return t, nil, derbes.NotFound("no such transfer")
	}
	if err != nil {
		return t, nil, fmt.Errorf("store: read transfer: %w", err)
	}
	items, err := c.transferItems(ctx, `transfer_id = $1`, id)
	return t, items, err
}

// SubjectTransferItems returns every item sent of a subject, optionally of
// one category: the register's answer to "who received what" (P-6.2.1d).
func (c Conn) SubjectTransferItems(ctx context.Context, subjectID, category string) ([]TransferItem, error) {
	if category == "" {
		return c.transferItems(ctx, `subject_id = $1`, subjectID)
	}
	return c.transferItems(ctx, `subject_id = $1 AND category = $2`, subjectID, category)
}

func (c Conn) transferItems(ctx context.Context, where string, args ...any) ([]TransferItem, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT transfer_id, subject_id, category, version, basis FROM transfer_items WHERE `+where+
		` ORDER BY transfer_id, subject_id, category`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: read transfer items: %w", err)
	}
	defer rows.Close()
	var out []TransferItem
	for rows.Next() {
		var it TransferItem
		if err := rows.Scan(&it.TransferID, &it.SubjectID, &it.Category, &it.Version, &it.Basis); err != nil {
			return nil, fmt.Errorf("store: read transfer items: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ValueVersion returns one stored version of a value. Errors: ENotFound.
func (c Conn) ValueVersion(ctx context.Context, subjectID, category string, version int) (StoredValue, error) {
	v := StoredValue{SubjectID: subjectID, Category: category, Version: version}
	var kind string
	err := c.q.QueryRowContext(ctx, `SELECT purpose, ciphertext, source_kind, source_ref, entered_by, created_at FROM pd_values
		WHERE subject_id = $1 AND category = $2 AND version = $3`, subjectID, category, version).
		Scan(&v.Purpose, &v.Ciphertext, &kind, &v.Source.Ref, &v.EnteredBy, &v.At)
	if errors.Is(err, sql.ErrNoRows) {
		return v, derbes.NotFound("no such value version")
	}
	if err != nil {
		return v, fmt.Errorf("store: read value version: %w", err)
	}
	v.Source.Kind = derbes.SourceKind(kind)
	return v, nil
}

// Block is a blocking of a subject (category "*") or of one category.
type Block struct {
	ID         string `json:"id"`
	SubjectID  string `json:"subjectId"`
	Category   string `json:"category"`
	Reason     string `json:"reason"`
	BlockedBy  string `json:"blockedBy"`
	BlockedAt  int64  `json:"-"`
	ReleasedBy string `json:"releasedBy,omitempty"`
}

// ActiveBlocks returns a subject's blocks in force.
func (c Conn) ActiveBlocks(ctx context.Context, subjectID string) ([]Block, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, category, reason, blocked_by, blocked_at FROM blocks
		WHERE subject_id = $1 AND released_at IS NULL ORDER BY blocked_at`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read blocks: %w", err)
	}
	defer rows.Close()
	var out []Block
	for rows.Next() {
		b := Block{SubjectID: subjectID}
		if err := rows.Scan(&b.ID, &b.Category, &b.Reason, &b.BlockedBy, &b.BlockedAt); err != nil {
			return nil, fmt.Errorf("store: read blocks: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// InsertBlock records a blocking.
func (c Conn) InsertBlock(ctx context.Context, b Block) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO blocks (id, subject_id, category, reason, blocked_by, blocked_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		b.ID, b.SubjectID, b.Category, b.Reason, b.BlockedBy, b.BlockedAt)
	if err != nil {
		return fmt.Errorf("store: insert block: %w", err)
	}
	return nil
}

// AuthorityRequest is a registered motivated request of a P-5.2 body.
type AuthorityRequest struct {
	ID           string   `json:"id"`
	RecipientID  string   `json:"recipientId"`
	Number       string   `json:"number"`
	Date         string   `json:"date"`
	Grounds      string   `json:"grounds"`
	Subjects     []string `json:"subjects"`
	Categories   []string `json:"categories"`
	Confidential bool     `json:"confidential"`
	ScanDigest   string   `json:"scanSha256"`
	Status       string   `json:"status"` // registered, approved, rejected
	RegisteredBy string   `json:"registeredBy"`
	RegisteredAt int64    `json:"-"`
	DecidedBy    string   `json:"decidedBy,omitempty"`
}

// InsertAuthorityRequest registers a motivated request.
func (c Conn) InsertAuthorityRequest(ctx context.Context, a AuthorityRequest) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO authority_requests (id, recipient_id, number, request_date, grounds, subjects, categories,
		confidential, scan_digest, status, registered_by, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		a.ID, a.RecipientID, a.Number, a.Date, a.Grounds, strings.Join(a.Subjects, ","), strings.Join(a.Categories, ","),
		a.Confidential, a.ScanDigest, a.Status, a.RegisteredBy, a.RegisteredAt)
	if err != nil {
		return fmt.Errorf("store: insert authority request: %w", err)
	}
	return nil
}

// AuthorityRequestByID returns a request. Errors: ENotFound.
func (c Conn) AuthorityRequestByID(ctx context.Context, id string) (AuthorityRequest, error) {
	a := AuthorityRequest{ID: id}
	var subjects, cats string
	err := c.q.QueryRowContext(ctx, `SELECT recipient_id, number, request_date, grounds, subjects, categories, confidential, scan_digest,
		status, registered_by, registered_at, decided_by FROM authority_requests WHERE id = $1`, id).Scan(&a.RecipientID, &a.Number, &a.Date,
		&a.Grounds, &subjects, &cats, &a.Confidential, &a.ScanDigest, &a.Status, &a.RegisteredBy, &a.RegisteredAt, &a.DecidedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return a, &derbes.Error{Code: derbes.ENotFound, Field: "basisRef", Rule: "request-unknown", Message: "no such motivated request"}
	}
	if err != nil {
		return a, fmt.Errorf("store: read authority request: %w", err)
	}
	a.Subjects, a.Categories = strings.Split(subjects, ","), strings.Split(cats, ",")
	return a, nil
}

// DecideAuthorityRequest approves or rejects a registered request, once.
func (c Conn) DecideAuthorityRequest(ctx context.Context, id, status, by string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE authority_requests SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'registered'`,
		status, by, at, id)
	if err != nil {
		return false, fmt.Errorf("store: decide authority request: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// InsertLifeHealth records a documented threat to life or health (P-5.1).
func (c Conn) InsertLifeHealth(ctx context.Context, id, subjectID, recipientID, justification, by string, at int64) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO life_health (id, subject_id, recipient_id, justification, recorded_by, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, subjectID, recipientID, justification, by, at)
	if err != nil {
		return fmt.Errorf("store: insert life-health record: %w", err)
	}
	return nil
}

// LifeHealthRecord returns the id of a life-or-health record for a subject
// and recipient, if one exists.
func (c Conn) LifeHealthRecord(ctx context.Context, id, subjectID, recipientID string) (bool, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM life_health WHERE id = $1 AND subject_id = $2 AND recipient_id = $3`, id, subjectID, recipientID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: read life-health record: %w", err)
	}
	return n > 0, nil
}

// TransferNotice is a notice owed to a subject about a transfer (Art. 19).
type TransferNotice struct {
	TransferID string        `json:"transferId"`
	SubjectID  string        `json:"subjectId"`
	DueAt      int64         `json:"-"`
	SentAt     sql.NullInt64 `json:"-"`
	Outcome    string        `json:"outcome"`
}

// InsertTransferNotice records a notice owed.
func (c Conn) InsertTransferNotice(ctx context.Context, n TransferNotice) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO transfer_notices (transfer_id, subject_id, due_at) VALUES ($1, $2, $3)`, n.TransferID, n.SubjectID, n.DueAt)
	if err != nil {
		return fmt.Errorf("store: insert transfer notice: %w", err)
	}
	return nil
}

// PendingTransferNotices returns the notices not yet sent, earliest due first.
func (c Conn) PendingTransferNotices(ctx context.Context, limit int) ([]TransferNotice, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT transfer_id, subject_id, due_at, sent_at, outcome FROM transfer_notices
		WHERE sent_at IS NULL ORDER BY due_at LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read transfer notices: %w", err)
	}
	defer rows.Close()
	var out []TransferNotice
	for rows.Next() {
		var n TransferNotice
		if err := rows.Scan(&n.TransferID, &n.SubjectID, &n.DueAt, &n.SentAt, &n.Outcome); err != nil {
			return nil, fmt.Errorf("store: read transfer notices: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkTransferNotice records a notice's outcome; sent marks it done.
func (c Conn) MarkTransferNotice(ctx context.Context, transferID, subjectID, outcome string, sentAt sql.NullInt64) error {
	_, err := c.q.ExecContext(ctx, `UPDATE transfer_notices SET outcome = $1, sent_at = $2 WHERE transfer_id = $3 AND subject_id = $4`,
		outcome, sentAt, transferID, subjectID)
	if err != nil {
		return fmt.Errorf("store: mark transfer notice: %w", err)
	}
	return nil
}

// ReleaseBlock ends a block in force. It reports whether one was released.
func (c Conn) ReleaseBlock(ctx context.Context, subjectID, id, by string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE blocks SET released_by = $1, released_at = $2 WHERE id = $3 AND subject_id = $4 AND released_at IS NULL`,
		by, at, id, subjectID)
	if err != nil {
		return false, fmt.Errorf("store: release block: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecipientNotice is a notice owed to an earlier recipient of a value.
type RecipientNotice struct {
	ID          string        `json:"id"`
	SubjectID   string        `json:"subjectId"`
	RecipientID string        `json:"recipientId"`
	Category    string        `json:"category"`
	Kind        string        `json:"kind"` // rectification, blocking, destruction
	OldVersion  int           `json:"oldVersion"`
	NewVersion  int           `json:"newVersion"`
	CreatedAt   int64         `json:"-"`
	SentAt      sql.NullInt64 `json:"-"`
	Channel     string        `json:"channel,omitempty"`
}

// InsertRecipientNotice drafts a notice.
func (c Conn) InsertRecipientNotice(ctx context.Context, n RecipientNotice) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO recipient_notices (id, subject_id, recipient_id, category, kind, old_version, new_version, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, n.ID, n.SubjectID, n.RecipientID, n.Category, n.Kind, n.OldVersion, n.NewVersion, n.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert recipient notice: %w", err)
	}
	return nil
}

// RecipientNotices returns a subject's notices to recipients, oldest first.
func (c Conn) RecipientNotices(ctx context.Context, subjectID string) ([]RecipientNotice, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, subject_id, recipient_id, category, kind, old_version, new_version, created_at, sent_at, channel
		FROM recipient_notices WHERE subject_id = $1 ORDER BY created_at, id`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read recipient notices: %w", err)
	}
	defer rows.Close()
	var out []RecipientNotice
	for rows.Next() {
		var n RecipientNotice
		if err := rows.Scan(&n.ID, &n.SubjectID, &n.RecipientID, &n.Category, &n.Kind, &n.OldVersion, &n.NewVersion, &n.CreatedAt, &n.SentAt, &n.Channel); err != nil {
			return nil, fmt.Errorf("store: read recipient notices: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// MarkRecipientNoticeSent records that a notice went out, by which channel.
func (c Conn) MarkRecipientNoticeSent(ctx context.Context, subjectID, id, channel string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE recipient_notices SET sent_at = $1, channel = $2 WHERE id = $3 AND subject_id = $4 AND sent_at IS NULL`,
		at, channel, id, subjectID)
	if err != nil {
		return false, fmt.Errorf("store: mark recipient notice: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Holder is a recipient holding a version of a subject's category.
type Holder struct {
	RecipientID string
	Version     int // the newest version it received
}

// HoldersOf returns the recipients that received a subject's category,
// with the newest version each received: whom a correction must reach.
func (c Conn) HoldersOf(ctx context.Context, subjectID, category string) ([]Holder, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT t.recipient_id, MAX(i.version) FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id
		WHERE i.subject_id = $1 AND i.category = $2 GROUP BY t.recipient_id ORDER BY t.recipient_id`, subjectID, category)
	if err != nil {
		return nil, fmt.Errorf("store: read holders: %w", err)
	}
	defer rows.Close()
	var out []Holder
	for rows.Next() {
		var h Holder
		if err := rows.Scan(&h.RecipientID, &h.Version); err != nil {
			return nil, fmt.Errorf("store: read holders: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
