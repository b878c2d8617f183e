package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/derbes-kz/derbes"
)

// Staff is a staff account as stored.
type Staff struct {
	ID           string
	LoginIndex   []byte
	SubjectID    string
	Role         string
	PasswordHash string
	TOTPSecret   []byte // sealed
	TOTPEnabled  bool
	TOTPLastStep int64
	Recovery     string // hex SHA-256 hashes, comma-separated
	LockedUntil  int64
	Active       bool
	CreatedAt    int64
	CreatedBy    string
}

const staffCols = `id, login_index, subject_id, role, password_hash, totp_secret, totp_enabled, totp_last_step, recovery, locked_until, active, created_at, created_by`

func scanStaff(s scanner) (Staff, error) {
	var st Staff
	err := s.Scan(&st.ID, &st.LoginIndex, &st.SubjectID, &st.Role, &st.PasswordHash, &st.TOTPSecret, &st.TOTPEnabled,
		&st.TOTPLastStep, &st.Recovery, &st.LockedUntil, &st.Active, &st.CreatedAt, &st.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return st, derbes.NotFound("no such staff member")
	}
	if err != nil {
		return st, fmt.Errorf("store: read staff: %w", err)
	}
	return st, nil
}

// InsertStaff creates a staff account. A taken login is EConflict.
func (c Conn) InsertStaff(ctx context.Context, st Staff) error {
	var n int
	if err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM staff WHERE login_index = $1`, st.LoginIndex).Scan(&n); err != nil {
		return fmt.Errorf("store: check login: %w", err)
	}
	if n > 0 {
		return &derbes.Error{Code: derbes.EConflict, Field: "login", Rule: "login-taken", Message: "this login is already in use"}
	}
	_, err := c.q.ExecContext(ctx, `INSERT INTO staff (`+staffCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		st.ID, st.LoginIndex, st.SubjectID, st.Role, st.PasswordHash, st.TOTPSecret, st.TOTPEnabled, st.TOTPLastStep,
		st.Recovery, st.LockedUntil, st.Active, st.CreatedAt, st.CreatedBy)
	if err != nil {
		return fmt.Errorf("store: insert staff: %w", err)
	}
	return nil
}

// StaffByLogin returns the account with the login's blind index. Errors: ENotFound.
func (c Conn) StaffByLogin(ctx context.Context, loginIndex []byte) (Staff, error) {
	return scanStaff(c.q.QueryRowContext(ctx, `SELECT `+staffCols+` FROM staff WHERE login_index = $1`, loginIndex))
}

// StaffByID returns the account with id. Errors: ENotFound.
func (c Conn) StaffByID(ctx context.Context, id string) (Staff, error) {
	return scanStaff(c.q.QueryRowContext(ctx, `SELECT `+staffCols+` FROM staff WHERE id = $1`, id))
}

// AllStaff returns every account, oldest first.
func (c Conn) AllStaff(ctx context.Context) ([]Staff, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT `+staffCols+` FROM staff ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list staff: %w", err)
	}
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		st, err := scanStaff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// UpdateStaffAuth stores an account's second-factor and lock state.
func (c Conn) UpdateStaffAuth(ctx context.Context, st Staff) error {
	_, err := c.q.ExecContext(ctx, `UPDATE staff SET password_hash = $1, totp_secret = $2, totp_enabled = $3, totp_last_step = $4,
		recovery = $5, locked_until = $6, active = $7, role = $8 WHERE id = $9`,
		st.PasswordHash, st.TOTPSecret, st.TOTPEnabled, st.TOTPLastStep, st.Recovery, st.LockedUntil, st.Active, st.Role, st.ID)
	if err != nil {
		return fmt.Errorf("store: update staff: %w", err)
	}
	return nil
}

// InsertSignInFailure records a failed sign-in under a keyed hash (of the
// login, or of the client address).
func (c Conn) InsertSignInFailure(ctx context.Context, key []byte, at int64) error {
	if _, err := c.q.ExecContext(ctx, `INSERT INTO signin_failures (key_hash, at) VALUES ($1, $2)`, key, at); err != nil {
		return fmt.Errorf("store: record sign-in failure: %w", err)
	}
	return nil
}

// SignInFailures counts failures under key since micros.
func (c Conn) SignInFailures(ctx context.Context, key []byte, since int64) (int, error) {
	var n int
	if err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM signin_failures WHERE key_hash = $1 AND at >= $2`, key, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count sign-in failures: %w", err)
	}
	return n, nil
}

// Session is a staff session as stored: the token's hash only.
type Session struct {
	IDHash    []byte
	StaffID   string
	MFA       bool
	CreatedAt int64
	LastSeen  int64
	ExpiresAt int64
}

// InsertSession stores a new session.
func (c Conn) InsertSession(ctx context.Context, s Session) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO sessions (id_hash, staff_id, mfa, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		s.IDHash, s.StaffID, s.MFA, s.CreatedAt, s.LastSeen, s.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: insert session: %w", err)
	}
	return nil
}

// SessionByHash returns a session. Errors: ENotFound.
func (c Conn) SessionByHash(ctx context.Context, h []byte) (Session, error) {
	s := Session{IDHash: h}
	err := c.q.QueryRowContext(ctx, `SELECT staff_id, mfa, created_at, last_seen, expires_at FROM sessions WHERE id_hash = $1`, h).
		Scan(&s.StaffID, &s.MFA, &s.CreatedAt, &s.LastSeen, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return s, derbes.NotFound("no such session")
	}
	if err != nil {
		return s, fmt.Errorf("store: read session: %w", err)
	}
	return s, nil
}

// TouchSession records activity on a session.
func (c Conn) TouchSession(ctx context.Context, h []byte, at int64) error {
	if _, err := c.q.ExecContext(ctx, `UPDATE sessions SET last_seen = $1 WHERE id_hash = $2`, at, h); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// SetSessionMFA marks a session as having passed the second factor.
func (c Conn) SetSessionMFA(ctx context.Context, h []byte) error {
	if _, err := c.q.ExecContext(ctx, `UPDATE sessions SET mfa = TRUE WHERE id_hash = $1`, h); err != nil {
		return fmt.Errorf("store: update session: %w", err)
	}
	return nil
}

// DeleteSession ends a session.
func (c Conn) DeleteSession(ctx context.Context, h []byte) error {
	if _, err := c.q.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = $1`, h); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// Instructions is one version of the data-protection instructions.
type Instructions struct {
	Version     int
	Texts       string // JSON: lang → {title, body, liability}
	PublishedAt int64
	PublishedBy string
}

// LatestInstructions returns the newest version, and whether there is one.
func (c Conn) LatestInstructions(ctx context.Context) (Instructions, bool, error) {
	var in Instructions
	err := c.q.QueryRowContext(ctx, `SELECT version, texts, published_at, published_by FROM instructions ORDER BY version DESC LIMIT 1`).
		Scan(&in.Version, &in.Texts, &in.PublishedAt, &in.PublishedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return in, false, nil
	}
	if err != nil {
		return in, false, fmt.Errorf("store: read instructions: %w", err)
	}
	return in, true, nil
}

// InsertInstructions publishes a version.
func (c Conn) InsertInstructions(ctx context.Context, in Instructions) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO instructions (version, texts, published_at, published_by) VALUES ($1, $2, $3, $4)`,
		in.Version, in.Texts, in.PublishedAt, in.PublishedBy)
	if err != nil {
		return fmt.Errorf("store: insert instructions: %w", err)
	}
	return nil
}

// Acknowledged reports whether a staff member acknowledged a version.
func (c Conn) Acknowledged(ctx context.Context, staffID string, version int) (bool, error) {
	var n int
	err := c.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM acknowledgements WHERE staff_id = $1 AND version = $2`, staffID, version).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: read acknowledgement: %w", err)
	}
	return n > 0, nil
}

// InsertAcknowledgement records that a staff member acknowledged a version.
func (c Conn) InsertAcknowledgement(ctx context.Context, staffID string, version int, at int64) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO acknowledgements (staff_id, version, at) VALUES ($1, $2, $3)
		ON CONFLICT (staff_id, version) DO NOTHING`, staffID, version, at)
	if err != nil {
		return fmt.Errorf("store: insert acknowledgement: %w", err)
	}
	return nil
}

// Appointment is the dated record appointing the responsible person.
type Appointment struct {
	ID          string
	StaffID     string
	FromDate    string
	OrderRef    string
	AppointedBy string
	At          int64
}

// InsertAppointment records an appointment.
func (c Conn) InsertAppointment(ctx context.Context, a Appointment) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO appointments (id, staff_id, from_date, order_ref, appointed_by, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.ID, a.StaffID, a.FromDate, a.OrderRef, a.AppointedBy, a.At)
	if err != nil {
		return fmt.Errorf("store: insert appointment: %w", err)
	}
	return nil
}

// Appointments returns every appointment, newest effective first.
func (c Conn) Appointments(ctx context.Context) ([]Appointment, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, staff_id, from_date, order_ref, appointed_by, at FROM appointments ORDER BY from_date DESC, at DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: read appointments: %w", err)
	}
	defer rows.Close()
	var out []Appointment
	for rows.Next() {
		var a Appointment
		if err := rows.Scan(&a.ID, &a.StaffID, &a.FromDate, &a.OrderRef, &a.AppointedBy, &a.At); err != nil {
			return nil, fmt.Errorf("store: read appointments: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Roles returns every role.
func (c Conn) Roles(ctx context.Context) ([]derbes.Role, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT name FROM roles ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: list roles: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: list roles: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := make([]derbes.Role, 0, len(names))
	for _, n := range names {
		r, err := c.Role(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// InsertPortalSession stores a subject's portal session.
func (c Conn) InsertPortalSession(ctx context.Context, h []byte, subjectID string, now, expires int64) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO portal_sessions (id_hash, subject_id, created_at, last_seen, expires_at) VALUES ($1, $2, $3, $3, $4)`,
		h, subjectID, now, expires)
	if err != nil {
		return fmt.Errorf("store: insert portal session: %w", err)
	}
	return nil
}

// PortalSession returns the subject of a portal session and its times.
// Errors: ENotFound.
func (c Conn) PortalSession(ctx context.Context, h []byte) (subjectID string, lastSeen, expires int64, err error) {
	err = c.q.QueryRowContext(ctx, `SELECT subject_id, last_seen, expires_at FROM portal_sessions WHERE id_hash = $1`, h).Scan(&subjectID, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, 0, derbes.NotFound("no such session")
	}
	if err != nil {
		return "", 0, 0, fmt.Errorf("store: read portal session: %w", err)
	}
	return subjectID, lastSeen, expires, nil
}

// DeletePortalSession ends a portal session.
func (c Conn) DeletePortalSession(ctx context.Context, h []byte) error {
	if _, err := c.q.ExecContext(ctx, `DELETE FROM portal_sessions WHERE id_hash = $1`, h); err != nil {
		return fmt.Errorf("store: delete portal session: %w", err)
	}
	return nil
}

// TouchPortalSession records activity on a portal session.
func (c Conn) TouchPortalSession(ctx context.Context, h []byte, at int64) error {
	if _, err := c.q.ExecContext(ctx, `UPDATE portal_sessions SET last_seen = $1 WHERE id_hash = $2`, at, h); err != nil {
		return fmt.Errorf("store: touch portal session: %w", err)
	}
	return nil
}
