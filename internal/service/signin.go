package service

import (
	"context"
	"encoding/hex"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/store"
)

// Sign-in and session limits (R-ACCESS-4). Lock-out time is an option.
const (
	SignInWindow      = 15 * time.Minute // failures are counted over this window
	SignInMaxFailures = 6                // the 6th wrong password locks the account
	SignInAddrLimit   = 30               // failures from one address in the window before it is refused
	SessionIdle       = 30 * time.Minute
	SessionAbsolute   = 12 * time.Hour
	sessionTouchEvery = time.Minute // last_seen is written at most this often
)

var errBadCredentials = &derbes.Error{Code: derbes.EUnauthorized, Rule: "bad-credentials",
	Message: "the login, password or code is not correct"}

// SignIn checks a staff member's login, password and, once enrolled, TOTP
// (or a recovery code), and opens a session. Every outcome is audited. The
// answer is the same for an unknown login and a wrong password, and the
// same time is spent (no enumeration). The 6th wrong password within
// SignInWindow locks the account for the configured lock-out.
// Errors: EUnauthorized (bad-credentials, account-locked), ETooMany (address).
func (s *Service) SignIn(ctx context.Context, login, password, code, addr string) (token string, err error) {
	const action = "auth.signin"
	idx, _, lerr := s.loginIndex(login)
	if lerr != nil {
		idx = s.kr.BlindIndex("staff-login", "invalid:"+strings.ToLower(login))
	}
	addrKey := s.kr.SecretHash("signin-addr", []byte(addr))
	r := s.db.Read()
	st, ferr := r.StaffByLogin(ctx, idx)
	// argon2id outside the writer: it is deliberately slow.
	hash := auth.DummyHash
	if ferr == nil {
		hash = st.PasswordHash
	}
	pwOK, err := s.checkPassword(ctx, hash, password)
	if err != nil {
		return "", err
	}
	pwOK = pwOK && ferr == nil && st.Active
	tok, tokHash, err := auth.NewSessionToken()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	var verdict error
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "")
		if ferr == nil {
			e.Actor = "staff:" + st.ID
		}
		var entries []derbes.AuditEntry
		verdict, entries, err = s.judgeSignIn(ctx, c, idx, addrKey, pwOK, code, now)
		if err != nil {
			return nil, err
		}
		if verdict == nil {
			cur, err := c.StaffByID(ctx, st.ID)
			if err != nil {
				return nil, err
			}
			sess := store.Session{IDHash: tokHash, StaffID: st.ID, MFA: cur.TOTPEnabled, CreatedAt: now.UnixMicro(),
				LastSeen: now.UnixMicro(), ExpiresAt: now.Add(SessionAbsolute).UnixMicro()}
			if err := c.InsertSession(ctx, sess); err != nil {
				return nil, err
			}
		} else {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(verdict)
		}
		return append([]derbes.AuditEntry{e}, entries...), nil
	})
	if err != nil {
		return "", err
	}
	if verdict != nil {
		return "", verdict
	}
	return tok, nil
}

// checkPassword runs argon2id with at most two checks at a time: each
// takes ~100 ms and 64 MiB, and a burst of sign-ins must not exhaust
// memory. A damaged stored hash is logged, and fails like a wrong password.
func (s *Service) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case s.pwSlots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.pwSlots }()
	ok, _, err := auth.CheckPassword(hash, password)
	if err != nil {
		s.log.ErrorContext(ctx, "stored password hash is malformed", "err", err)
		return false, nil
	}
	return ok, nil
}

// hashPassword hashes a new password under the same bound as checks.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	select {
	case s.pwSlots <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.pwSlots }()
	return auth.HashPassword(password, auth.DefaultParams)
}

// judgeSignIn decides a sign-in inside the write: the address limit, the
// account lock, the second factor; it records failures and locks.
func (s *Service) judgeSignIn(ctx context.Context, c store.Conn, idx, addrKey []byte, pwOK bool, code string, now time.Time) (error, []derbes.AuditEntry, error) {
	since := now.Add(-SignInWindow).UnixMicro()
	addrFails, err := c.SignInFailures(ctx, addrKey, since)
	if err != nil {
		return nil, nil, err
	}
	if addrFails >= SignInAddrLimit {
		return derbes.Errorf(derbes.ETooMany, "signin-rate-limit", "too many failed sign-ins from this address; try again later"), nil, nil
	}
	st, ferr := c.StaffByLogin(ctx, idx)
	locked := &derbes.Error{Code: derbes.EUnauthorized, Rule: "account-locked", Message: "the account is locked after repeated failures; try again later"}
	if ferr == nil && st.LockedUntil > now.UnixMicro() {
		return locked, nil, nil
	}
	ok := pwOK && ferr == nil
	if ok && st.TOTPEnabled {
		ok, err = s.secondFactor(ctx, c, &st, code, now)
		if err != nil {
			return nil, nil, err
		}
	}
	if ok {
		return nil, nil, nil
	}
	for _, k := range [][]byte{idx, addrKey} {
		if err := c.InsertSignInFailure(ctx, k, now.UnixMicro()); err != nil {
			return nil, nil, err
		}
	}
	fails, err := c.SignInFailures(ctx, idx, since)
	if err != nil || ferr != nil || fails < SignInMaxFailures {
		return errBadCredentials, nil, err
	}
	st.LockedUntil = now.Add(s.lockFor).UnixMicro()
	if err := c.UpdateStaffAuth(ctx, st); err != nil {
		return nil, nil, err
	}
	lock := s.entry(ctx, "auth.lockout", "", "", nil, derbes.OutcomeOK, "")
	lock.Actor = "staff:" + st.ID
	return locked, []derbes.AuditEntry{lock}, nil
}

// secondFactor checks a TOTP code (no replay of a used step) or spends a
// recovery code.
func (s *Service) secondFactor(ctx context.Context, c store.Conn, st *store.Staff, code string, now time.Time) (bool, error) {
	sk, err := s.staffKey(ctx, c, *st)
	if err != nil {
		return false, err
	}
	secret, err := sk.Open(st.TOTPSecret, totpAD(st.ID))
	if err != nil {
		return false, err
	}
	if step, ok := auth.CheckTOTP(secret, code, now, st.TOTPLastStep); ok {
		st.TOTPLastStep = step
		return true, c.UpdateStaffAuth(ctx, *st)
	}
	hexes := strings.Split(st.Recovery, ",")
	var hashes [][]byte
	for _, h := range hexes {
		b, _ := hex.DecodeString(h)
		hashes = append(hashes, b)
	}
	i, ok := auth.MatchRecoveryCode(hashes, code)
	if !ok {
		return false, nil
	}
	hexes = append(hexes[:i], hexes[i+1:]...)
	st.Recovery = strings.Join(hexes, ",")
	return true, c.UpdateStaffAuth(ctx, *st)
}

// SessionInfo is a staff session as the web layer needs it.
type SessionInfo struct {
	StaffID string
	MFA     bool
}

// Session resolves a session token to its principal: the staff member's
// role, restricted until they have a second factor ("mfa") and have
// acknowledged the current instructions ("instructions"). Idle and
// absolute time-outs end a session.
// Errors: EUnauthorized (session-invalid, session-expired).
func (s *Service) Session(ctx context.Context, token string) (derbes.Principal, *SessionInfo, error) {
	h := auth.HashSessionToken(token)
	r := s.db.Read()
	sess, err := r.SessionByHash(ctx, h)
	bad := &derbes.Error{Code: derbes.EUnauthorized, Rule: "session-invalid", Message: "please sign in"}
	if err != nil {
		return derbes.Anonymous, nil, bad
	}
	now := s.now().UTC()
	if now.UnixMicro() >= sess.ExpiresAt || now.Sub(time.UnixMicro(sess.LastSeen)) >= SessionIdle {
		s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			return nil, c.DeleteSession(ctx, h)
		})
		return derbes.Anonymous, nil, &derbes.Error{Code: derbes.EUnauthorized, Rule: "session-expired", Message: "the session has expired; please sign in again"}
	}
	st, err := r.StaffByID(ctx, sess.StaffID)
	if err != nil || !st.Active {
		return derbes.Anonymous, nil, bad
	}
	role, err := r.Role(ctx, st.Role)
	if err != nil {
		return derbes.Anonymous, nil, err
	}
	p := derbes.Principal{ID: "staff:" + st.ID, Role: role}
	cur, have, err := r.LatestInstructions(ctx)
	if err != nil {
		return derbes.Anonymous, nil, err
	}
	acked := true
	if have {
		if acked, err = r.Acknowledged(ctx, st.ID, cur.Version); err != nil {
			return derbes.Anonymous, nil, err
		}
	}
	switch {
	case !sess.MFA:
		p = p.Restrict("mfa")
	case !acked:
		p = p.Restrict("instructions")
	}
	if now.Sub(time.UnixMicro(sess.LastSeen)) >= sessionTouchEvery {
		if err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			return nil, c.TouchSession(ctx, h, now.UnixMicro())
		}); err != nil {
			return derbes.Anonymous, nil, err
		}
	}
	return p, &SessionInfo{StaffID: st.ID, MFA: sess.MFA}, nil
}

// MarkSessionMFA records that a session passed the second factor (after
// enrolment during that session).
func (s *Service) MarkSessionMFA(ctx context.Context, token string) error {
	h := auth.HashSessionToken(token)
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return nil, c.SetSessionMFA(ctx, h)
	})
}

// SignOut ends a session, audited.
func (s *Service) SignOut(ctx context.Context, token string) error {
	h := auth.HashSessionToken(token)
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		return []derbes.AuditEntry{s.entry(ctx, "auth.signout", "", "", nil, derbes.OutcomeOK, "")}, c.DeleteSession(ctx, h)
	})
}
