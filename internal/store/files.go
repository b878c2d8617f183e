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
	ContentType string
	Size        int64
	Digest      []byte // SHA-256 of the plaintext, for evidence
	Ciphertext  []byte
	CreatedAt   int64
	CreatedBy   string
}

// InsertFile stores an encrypted file.
func (c Conn) InsertFile(ctx context.Context, f File) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO files (id, subject_id, purpose, category, content_type, size, digest, ciphertext, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, f.ID, f.SubjectID, f.Purpose, f.Category, f.ContentType, f.Size, f.Digest, f.Ciphertext, f.CreatedAt, f.CreatedBy)
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
