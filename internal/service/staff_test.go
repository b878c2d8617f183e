package service

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
)

const staffPassword = "correct horse battery staple 7"

type clockT struct{ t time.Time }

func (c *clockT) now() time.Time { return c.t }

// staffEnv is a service with a settable clock and one staff member.
func staffEnv(t *testing.T, engine string) (*env, *clockT, *StaffView) {
	clock := &clockT{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	e := newEnvWith(t, engine, Options{Now: clock.now, LockFor: 20 * time.Minute})
	admin := derbes.WithPrincipal(context.Background(), System("test"))
	st, err := e.svc.CreateStaff(admin, NewStaff{Name: "Жұмабаев Арман Серікұлы", Login: "Arman@Example.KZ", Role: RoleAdmissions, Password: staffPassword})
	if err != nil {
		t.Fatal(err)
	}
	return e, clock, st
}

func secretOf(t *testing.T, uri string) []byte {
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	return decodeBase32(t, u.Query().Get("secret"))
}

// covers R-ACCESS-3, R-ACCESS-4, R-AUDIT-1: password + TOTP, a session
// restricted until the second factor and the instructions, then exactly
// the role's view; a new instructions version restricts again.
func TestStaffSignInMFAAndInstructions(t *testing.T) {
	eachEngine(t, func(t *testing.T, _ *env) {
		e, clock, st := staffEnv(t, dbEngine(t))
		v := e.create(applicant(), "p4.1b")
		ctx := context.Background()
		tok, err := e.svc.SignIn(ctx, "arman@example.kz", staffPassword, "", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := e.svc.Session(ctx, tok)
		if err != nil || p.Restricted != "mfa" {
			t.Fatalf("first session: %v %+v", err, p)
		}
		_, err = e.svc.Subject(derbes.WithPrincipal(ctx, p), v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "purpose", "mfa-required")
		enr, err := e.svc.BeginTOTP(ctx, st.ID)
		if err != nil || !strings.HasPrefix(enr.URI, "otpauth://totp/") || len(enr.QR) < 100 {
			t.Fatalf("enrol: %v %+v", err, enr)
		}
		secret := secretOf(t, enr.URI)
		codes, err := e.svc.ConfirmTOTP(ctx, st.ID, auth.TOTPCode(secret, clock.t))
		if err != nil || len(codes) != 10 {
			t.Fatalf("confirm: %v %d codes", err, len(codes))
		}
		// Now a password alone is not enough.
		_, err = e.svc.SignIn(ctx, "arman@example.kz", staffPassword, "", "192.0.2.1")
		wantErr(t, err, derbes.EUnauthorized, "", "bad-credentials")
		clock.t = clock.t.Add(time.Minute) // a fresh TOTP step
		tok, err = e.svc.SignIn(ctx, "arman@example.kz", staffPassword, auth.TOTPCode(secret, clock.t), "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		p, _, _ = e.svc.Session(ctx, tok)
		if p.Restricted != "instructions" {
			t.Fatalf("before acknowledging: %+v", p)
		}
		_, err = e.svc.Subject(derbes.WithPrincipal(ctx, p), v.ID, "p4.1b")
		wantErr(t, err, derbes.EForbidden, "purpose", "instructions-not-acknowledged")
		cur, err := e.svc.CurrentInstructions(ctx)
		if err != nil || cur.Texts["kk"].Liability == "" {
			t.Fatalf("instructions: %v %+v", err, cur)
		}
		if err := e.svc.AcknowledgeInstructions(ctx, st.ID, cur.Version); err != nil {
			t.Fatal(err)
		}
		p, _, _ = e.svc.Session(ctx, tok)
		if p.Restricted != "" || p.ID != "staff:"+st.ID {
			t.Fatalf("after acknowledging: %+v", p)
		}
		r, err := e.svc.Subject(derbes.WithPrincipal(ctx, p), v.ID, "p4.1b")
		if err != nil || len(r.Values) == 0 {
			t.Fatalf("admissions manager under p4.1b: %v", err)
		}
		_, err = e.svc.Subject(derbes.WithPrincipal(ctx, p), v.ID, "p4.1d")
		wantErr(t, err, derbes.EForbidden, "purpose", "permission")
		// A new version: acknowledge again.
		if _, err := e.svc.PublishInstructions(e.ctx, defaultInstructions); err != nil {
			t.Fatal(err)
		}
		p, _, _ = e.svc.Session(ctx, tok)
		if p.Restricted != "instructions" {
			t.Fatalf("after a new version: %+v", p)
		}
		// Recovery codes work once.
		clock.t = clock.t.Add(time.Minute)
		if _, err := e.svc.SignIn(ctx, "arman@example.kz", staffPassword, codes[0], "192.0.2.1"); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		_, err = e.svc.SignIn(ctx, "arman@example.kz", staffPassword, codes[0], "192.0.2.1")
		wantErr(t, err, derbes.EUnauthorized, "", "bad-credentials")
		// Idle time-out.
		clock.t = clock.t.Add(SessionIdle)
		_, _, err = e.svc.Session(ctx, tok)
		wantErr(t, err, derbes.EUnauthorized, "", "session-expired")
	})
}

// covers R-ACCESS-4 (done-when: the 6th wrong password in a window locks the
// account for a configured time; every sign-in, failure and lock-out is
// audited; an unknown login gets the same answer).
func TestStaffLockout(t *testing.T) {
	eachEngine(t, func(t *testing.T, _ *env) {
		e, clock, st := staffEnv(t, dbEngine(t))
		ctx := context.Background()
		_, err := e.svc.SignIn(ctx, "nobody@example.kz", "whatever password", "", "192.0.2.9")
		wantErr(t, err, derbes.EUnauthorized, "", "bad-credentials")
		for i := range SignInMaxFailures - 1 {
			_, err := e.svc.SignIn(ctx, "arman@example.kz", "wrong password "+string(rune('a'+i)), "", "192.0.2.1")
			wantErr(t, err, derbes.EUnauthorized, "", "bad-credentials")
		}
		_, err = e.svc.SignIn(ctx, "arman@example.kz", "wrong password f", "", "192.0.2.1")
		wantErr(t, err, derbes.EUnauthorized, "", "account-locked")
		_, err = e.svc.SignIn(ctx, "arman@example.kz", staffPassword, "", "192.0.2.1")
		wantErr(t, err, derbes.EUnauthorized, "", "account-locked")
		var lockouts int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'auth.lockout' AND actor = $1`, "staff:"+st.ID).Scan(&lockouts)
		if lockouts != 1 {
			t.Errorf("lock-outs audited: %d", lockouts)
		}
		clock.t = clock.t.Add(20*time.Minute + time.Second)
		if _, err := e.svc.SignIn(ctx, "arman@example.kz", staffPassword, "", "192.0.2.1"); err != nil {
			t.Fatalf("after the lock-out: %v", err)
		}
		var refused int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'auth.signin' AND outcome = 'refused'`).Scan(&refused)
		if refused != SignInMaxFailures+2 {
			t.Errorf("refused sign-ins audited: %d, want %d", refused, SignInMaxFailures+2)
		}
		// The password is nowhere in the audit trail or the staff table.
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM staff WHERE password_hash LIKE '%staple%'`).Scan(&n)
		if n != 0 {
			t.Error("password stored in plaintext")
		}
	})
}

// covers R-ACCESS-1: roles are data, edited by the responsible person only;
// the appointment of the responsible person is a dated record.
func TestRolesAndAppointment(t *testing.T) {
	eachEngine(t, func(t *testing.T, _ *env) {
		e, _, st := staffEnv(t, dbEngine(t))
		admin := as(context.Background(), RoleAdmin, DefaultRoles())
		err := e.svc.PutRole(admin, derbes.Role{Name: "intern", Permissions: []derbes.Permission{{Action: derbes.ActRead, Purpose: "p4.2a", Category: "*"}}})
		wantErr(t, err, derbes.EForbidden, "", "permission")
		err = e.svc.PutRole(e.ctx, derbes.Role{Name: "intern", Permissions: []derbes.Permission{{Action: "peek", Purpose: "*", Category: "*"}}})
		wantErr(t, err, derbes.EInvalid, "permissions", "permission-action")
		if err := e.svc.PutRole(e.ctx, derbes.Role{Name: "intern", Permissions: []derbes.Permission{{Action: derbes.ActRead, Purpose: "p4.2a", Category: "*"}}}); err != nil {
			t.Fatal(err)
		}
		roles, err := e.svc.Roles(e.ctx)
		if err != nil || len(roles) != len(DefaultRoles())+1 {
			t.Fatalf("roles: %v %d", err, len(roles))
		}
		wantErr(t, e.svc.Appoint(admin, st.ID, "2026-13-01", "Order 7"), derbes.EInvalid, "fromDate", "date-format")
		if err := e.svc.Appoint(admin, st.ID, "2026-05-01", "Order No. 7-П of 30.04.2026"); err != nil {
			t.Fatal(err)
		}
		a, err := e.svc.Responsible(e.ctx)
		if err != nil || a == nil || a.Name != "Жұмабаев Арман Серікұлы" || a.OrderRef == "" {
			t.Fatalf("responsible: %v %+v", err, a)
		}
	})
}
