package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// File is an encrypted file as stored.
type File struct {
	ID          string
	SubjectID   string
	Purpose     string
	Category    string
	OrderID     string // the order it documents, if any
	ContentType string
	Size        int64
	Digest      []byte // SHA-256 of the plaintext, for evidence
	Ciphertext  []byte
	CreatedAt   int64
	CreatedBy   string
}

// InsertFile stores an encrypted file.
func (c Conn) InsertFile(ctx context.Context, f File) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO files (id, subject_id, purpose, category, order_id, content_type, size, digest, ciphertext, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, f.ID, f.SubjectID, f.Purpose, f.Category, f.OrderID, f.ContentType, f.Size, f.Digest, f.Ciphertext, f.CreatedAt, f.CreatedBy)
	if err != nil {
		return fmt.Errorf("store: insert file: %w", err)
	}
	return nil
}

// File returns a subject's file. Errors: ENotFound.
func (c Conn) File(ctx context.Context, subjectID, id string) (File, error) {
	f := File{ID: id, SubjectID: subjectID}
	err := c.q.QueryRowContext(ctx, `SELECT purpose, category, content_type, size, digest, ciphertext, created_at, created_by FROM files
		WHERE id = $1 AND subject_id = $2`, id, subjectID).Scan(&f.Purpose, &f.Category, &f.ContentType, &f.Size, &f.Digest, &f.Ciphertext, &f.CreatedAt, &f.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return f, derbes.NotFound("no such file")
	}
	if err != nil {
		return f, fmt.Errorf("store: read file: %w", err)
	}
	return f, nil
}

// FileInfo is a file's metadata, without its content.
type FileInfo struct {
	ID          string `json:"id"`
	Category    string `json:"category"`
	OrderID     string `json:"orderId,omitempty"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
	CreatedAt   int64  `json:"-"`
	CreatedBy   string `json:"createdBy"`
}

// OrderFiles lists an order's documents.
func (c Conn) OrderFiles(ctx context.Context, subjectID, orderID string) ([]FileInfo, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, category, order_id, content_type, size, created_at, created_by FROM files
		WHERE subject_id = $1 AND order_id = $2 ORDER BY created_at`, subjectID, orderID)
	if err != nil {
		return nil, fmt.Errorf("store: list files: %w", err)
	}
	defer rows.Close()
	var out []FileInfo
	for rows.Next() {
		var f FileInfo
		if err := rows.Scan(&f.ID, &f.Category, &f.OrderID, &f.ContentType, &f.Size, &f.CreatedAt, &f.CreatedBy); err != nil {
			return nil, fmt.Errorf("store: list files: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
