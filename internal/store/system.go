package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// Setting returns the value of an installation setting, and whether it exists.
func (c Conn) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := c.q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: read setting %s: %w", key, err)
	}
	return v, true, nil
}

// PutSetting sets an installation setting.
func (c Conn) PutSetting(ctx context.Context, key, value string) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: write setting %s: %w", key, err)
	}
	return nil
}

// KeyRow is a key of the vault's keyring as stored, wrapped by a master key.
type KeyRow struct {
	Kind, Name string
	Version    int
	MasterID   string
	Wrapped    []byte
	Public     []byte
	CreatedAt  int64
}

// Keys returns every stored keyring key.
func (c Conn) Keys(ctx context.Context) ([]KeyRow, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT kind, name, version, master_id, wrapped, public, created_at FROM keys ORDER BY kind, name, version`)
	if err != nil {
		return nil, fmt.Errorf("store: read keys: %w", err)
	}
	defer rows.Close()
	var out []KeyRow
	for rows.Next() {
		var k KeyRow
		if err := rows.Scan(&k.Kind, &k.Name, &k.Version, &k.MasterID, &k.Wrapped, &k.Public, &k.CreatedAt); err != nil {
			return nil, fmt.Errorf("store: read keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// InsertKey stores a new keyring key.
func (c Conn) InsertKey(ctx context.Context, k KeyRow) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO keys (kind, name, version, master_id, wrapped, public, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.Kind, k.Name, k.Version, k.MasterID, k.Wrapped, k.Public, k.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: insert key: %w", err)
	}
	return nil
}

// CatalogueVersion is one approved version of the catalogue.
type CatalogueVersion struct {
	Version    int
	Body       []byte
	ApprovedBy string
	ApprovedAt int64
}

// LatestCatalogue returns the newest approved catalogue, and whether any exists.
func (c Conn) LatestCatalogue(ctx context.Context) (CatalogueVersion, bool, error) {
	var v CatalogueVersion
	var body string
	err := c.q.QueryRowContext(ctx, `SELECT version, body, approved_by, approved_at FROM catalogue_versions ORDER BY version DESC LIMIT 1`).
		Scan(&v.Version, &body, &v.ApprovedBy, &v.ApprovedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("store: read catalogue: %w", err)
	}
	v.Body = []byte(body)
	return v, true, nil
}

// InsertCatalogue stores an approved catalogue version.
func (c Conn) InsertCatalogue(ctx context.Context, v CatalogueVersion) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO catalogue_versions (version, body, approved_by, approved_at) VALUES ($1, $2, $3, $4)`,
		v.Version, string(v.Body), v.ApprovedBy, v.ApprovedAt)
	if err != nil {
		return fmt.Errorf("store: insert catalogue: %w", err)
	}
	return nil
}

// PutRole creates or replaces a role.
func (c Conn) PutRole(ctx context.Context, r derbes.Role, at int64) error {
	perms, err := json.Marshal(r.Permissions)
	if err != nil {
		return fmt.Errorf("store: encode role: %w", err)
	}
	_, err = c.q.ExecContext(ctx, `INSERT INTO roles (name, permissions, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET permissions = excluded.permissions, updated_at = excluded.updated_at`, r.Name, string(perms), at)
	if err != nil {
		return fmt.Errorf("store: write role: %w", err)
	}
	return nil
}

// Role returns the role named name. Errors: ENotFound.
func (c Conn) Role(ctx context.Context, name string) (derbes.Role, error) {
	r := derbes.Role{Name: name}
	var perms string
	err := c.q.QueryRowContext(ctx, `SELECT permissions FROM roles WHERE name = $1`, name).Scan(&perms)
	if errors.Is(err, sql.ErrNoRows) {
		return r, derbes.NotFound("no such role")
	}
	if err != nil {
		return r, fmt.Errorf("store: read role: %w", err)
	}
	if err := json.Unmarshal([]byte(perms), &r.Permissions); err != nil {
		return r, fmt.Errorf("store: decode role %s: %w", name, err)
	}
	return r, nil
}

// Token is an API token as stored: only a keyed hash of its secret.
type Token struct {
	ID         string
	Name       string
	Role       string
	SecretHash []byte
	CreatedAt  int64
	CreatedBy  string
	RevokedAt  sql.NullInt64
}

// InsertToken stores a new API token.
func (c Conn) InsertToken(ctx context.Context, t Token) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO api_tokens (id, name, role, secret_hash, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, t.Name, t.Role, t.SecretHash, t.CreatedAt, t.CreatedBy)
	if err != nil {
		return fmt.Errorf("store: insert token: %w", err)
	}
	return nil
}

// Token returns the token with id. Errors: ENotFound.
func (c Conn) Token(ctx context.Context, id string) (Token, error) {
	t := Token{ID: id}
	err := c.q.QueryRowContext(ctx, `SELECT name, role, secret_hash, created_at, created_by, revoked_at FROM api_tokens WHERE id = $1`, id).
		Scan(&t.Name, &t.Role, &t.SecretHash, &t.CreatedAt, &t.CreatedBy, &t.RevokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, derbes.NotFound("no such token")
	}
	if err != nil {
		return t, fmt.Errorf("store: read token: %w", err)
	}
	return t, nil
}

// RevokeToken marks a token revoked at micros at.
func (c Conn) RevokeToken(ctx context.Context, id string, at int64) error {
	if _, err := c.q.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, at, id); err != nil {
		return fmt.Errorf("store: revoke token: %w", err)
	}
	return nil
}
