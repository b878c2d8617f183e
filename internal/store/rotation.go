package store

import (
	"context"
	"fmt"
)

// SubjectKeyRow is a subject's wrapped data key as stored.
type SubjectKeyRow struct {
	SubjectID  string
	KeyVersion int
	Wrapped    []byte
}

// SubjectKeysBelow returns up to limit subject keys of purpose still wrapped
// by a purpose key older than version: the work left after a rotation.
func (c Conn) SubjectKeysBelow(ctx context.Context, purpose string, version, limit int) ([]SubjectKeyRow, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT subject_id, key_version, wrapped FROM subject_keys
		WHERE purpose = $1 AND key_version < $2 ORDER BY subject_id LIMIT $3`, purpose, version, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read subject keys to re-wrap: %w", err)
	}
	defer rows.Close()
	var out []SubjectKeyRow
	for rows.Next() {
		var r SubjectKeyRow
		if err := rows.Scan(&r.SubjectID, &r.KeyVersion, &r.Wrapped); err != nil {
			return nil, fmt.Errorf("store: read subject keys to re-wrap: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountSubjectKeysBelow counts the subject keys of purpose under an older
// purpose key version than version.
func (c Conn) CountSubjectKeysBelow(ctx context.Context, purpose string, version int) (int, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM subject_keys WHERE purpose = $1 AND key_version < $2`, purpose, version).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count subject keys to re-wrap: %w", err)
	}
	return n, nil
}

// RewrapSubjectKey stores a re-wrapped subject key, only if the row is
// still at oldVersion (a concurrent re-wrap or a destruction wins).
func (c Conn) RewrapSubjectKey(ctx context.Context, subjectID, purpose string, oldVersion, newVersion int, wrapped []byte) error {
	_, err := c.q.ExecContext(ctx, `UPDATE subject_keys SET key_version = $1, wrapped = $2 WHERE subject_id = $3 AND purpose = $4 AND key_version = $5`,
		newVersion, wrapped, subjectID, purpose, oldVersion)
	if err != nil {
		return fmt.Errorf("store: re-wrap subject key: %w", err)
	}
	return nil
}

// DeleteKey retires a keyring key.
func (c Conn) DeleteKey(ctx context.Context, kind, name string, version int) error {
	if _, err := c.q.ExecContext(ctx, `DELETE FROM keys WHERE kind = $1 AND name = $2 AND version = $3`, kind, name, version); err != nil {
		return fmt.Errorf("store: retire key: %w", err)
	}
	return nil
}

// ReplaceWrapping stores a keyring key re-wrapped under another master.
func (c Conn) ReplaceWrapping(ctx context.Context, k KeyRow) error {
	_, err := c.q.ExecContext(ctx, `UPDATE keys SET master_id = $1, wrapped = $2 WHERE kind = $3 AND name = $4 AND version = $5`,
		k.MasterID, k.Wrapped, k.Kind, k.Name, k.Version)
	if err != nil {
		return fmt.Errorf("store: re-wrap key: %w", err)
	}
	return nil
}
