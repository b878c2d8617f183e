package service

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/auth"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// staffPurpose is the purpose under which staff members' own data (name,
// e-mail, second-factor secret) is kept: the operator's activity under its
// Charter, covered by the employment contract's consent (P-4.1a).
const staffPurpose = "p4.1a"

// NewStaff is a staff account to create. The password is checked against
// the policy and stored only as an argon2id hash.
type NewStaff struct {
	Name     string
	Login    string // an e-mail address
	Role     string
	Password string
}

// StaffView is a staff account as shown to administrators and to the
// member themselves.
type StaffView struct {
	ID           string    `json:"id"`
	SubjectID    string    `json:"subjectId"`
	Name         string    `json:"name"`
	Login        string    `json:"login"`
	Role         string    `json:"role"`
	TOTPEnabled  bool      `json:"totpEnabled"`
	Locked       bool      `json:"locked"`
	Active       bool      `json:"active"`
	Acknowledged bool      `json:"acknowledged"`
	CreatedAt    time.Time `json:"createdAt"`
}

func (s *Service) loginIndex(login string) ([]byte, string, error) {
	norm, err := ident.Email(strings.TrimSpace(login))
	if err != nil {
		return nil, "", derbes.Invalid("login", "email-format", "the login is an e-mail address")
	}
	return s.kr.BlindIndex("staff-login", norm), norm, nil
}

// CreateStaff creates a staff account: the member as a subject of kind
// employee (name and e-mail encrypted in the vault, under the employment
// contract's consent to P-4.1a) and the account, in one transaction.
// Errors: EInvalid (name, login, role, password policy), EConflict (login
// taken), EForbidden.
func (s *Service) CreateStaff(ctx context.Context, in NewStaff) (*StaffView, error) {
	const action = "staff.create"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not manage staff"))
	}
	idx, login, err := s.loginIndex(in.Login)
	canonName, nerr := ident.Name(in.Name)
	switch {
	case err != nil:
	case nerr != nil:
		err = derbes.Invalid("name", derbes.RuleOf(nerr), "the name is not a person's full name")
	default:
		if _, rerr := s.db.Read().Role(ctx, in.Role); rerr != nil {
			err = derbes.Invalid("role", "role-unknown", "no such role")
		} else {
			err = auth.CheckPasswordPolicy(in.Password)
		}
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "", nil, err)
	}
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	in.Name = canonName
	name, _ := json.Marshal(in.Name)
	email, _ := json.Marshal(login)
	sys := derbes.WithPrincipal(ctx, System("staff"))
	pc, err := s.buildCreate(sys, NewSubject{Kind: "employee", Citizenship: "kz-citizen", Purpose: staffPurpose,
		Consent: &NewConsent{Purposes: []string{staffPurpose}, Categories: []string{"full_name", "email"}, Form: derbes.FormContract},
		Values:  map[string]json.RawMessage{"full_name": name, "email": email}, Source: derbes.Source{Kind: derbes.SourceStaff, Ref: "employment contract"}})
	if err != nil {
		return nil, err
	}
	st := store.Staff{ID: newID(), LoginIndex: idx, SubjectID: pc.subj.ID, Role: in.Role, PasswordHash: hash, Active: true,
		CreatedAt: s.now().UnixMicro(), CreatedBy: derbes.PrincipalFrom(ctx).ID}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, pc.subj.ID, staffPurpose, nil, derbes.OutcomeOK, "")
		if _, err := c.Role(ctx, in.Role); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, "role-unknown"
			return []derbes.AuditEntry{e}, derbes.Invalid("role", "role-unknown", "no such role")
		}
		entries, err := pc.write(derbes.WithPrincipal(ctx, System("staff")), c)
		if err != nil {
			return entries, err
		}
		if err := c.InsertStaff(ctx, st); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return append(entries, e), nil
	})
	if err != nil {
		return nil, err
	}
	return &StaffView{ID: st.ID, SubjectID: st.SubjectID, Name: in.Name, Login: login, Role: st.Role, Active: true,
		CreatedAt: time.UnixMicro(st.CreatedAt).UTC()}, nil
}

// Staff lists the staff accounts with their names and logins, decrypted
// for administrators and the responsible person; the listing is audited.
// Errors: EForbidden.
func (s *Service) Staff(ctx context.Context) ([]StaffView, error) {
	const action = "staff.list"
	// Managing accounts needs the members' names: the one personal data an
	// administrator sees, and only from an unrestricted session.
	p := derbes.PrincipalFrom(ctx)
	if p.Restricted != "" || (!p.Role.AllowsAny(derbes.ActAdminister, "*") && !p.Role.AllowsAny(derbes.ActApprove, "*")) {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not list staff"))
	}
	r := s.db.Read()
	rows, err := r.AllStaff(ctx)
	if err != nil {
		return nil, err
	}
	cur, _, err := r.LatestInstructions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StaffView, 0, len(rows))
	for _, st := range rows {
		v, err := s.staffView(ctx, r, st, cur.Version)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	e := s.entry(ctx, action, "", staffPurpose, []string{"full_name", "email"}, derbes.OutcomeOK, "")
	return out, s.db.Audit(ctx, e)
}

func (s *Service) staffView(ctx context.Context, r store.Conn, st store.Staff, instrVersion int) (StaffView, error) {
	v := StaffView{ID: st.ID, SubjectID: st.SubjectID, Role: st.Role, TOTPEnabled: st.TOTPEnabled, Active: st.Active,
		Locked: st.LockedUntil > s.now().UnixMicro(), CreatedAt: time.UnixMicro(st.CreatedAt).UTC()}
	var err error
	if v.Name, err = s.optionalPlain(ctx, st.SubjectID, "full_name"); err != nil {
		return v, err
	}
	if v.Login, err = s.optionalPlain(ctx, st.SubjectID, "email"); err != nil {
		return v, err
	}
	v.Acknowledged, err = r.Acknowledged(ctx, st.ID, instrVersion)
	return v, err
}

// StaffMember returns the account of the signed-in staff member.
// Errors: ENotFound.
func (s *Service) StaffMember(ctx context.Context, staffID string) (*StaffView, error) {
	r := s.db.Read()
	st, err := r.StaffByID(ctx, staffID)
	if err != nil {
		return nil, err
	}
	cur, _, err := r.LatestInstructions(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.staffView(ctx, r, st, cur.Version)
	return &v, err
}

// sealTOTP and openTOTP keep a staff member's TOTP secret encrypted under
// their own subject key, bound to its use.
func totpAD(staffID string) []byte { return vault.ValueAD(staffID, "totp-secret", staffPurpose, 1) }

func (s *Service) staffKey(ctx context.Context, c store.Conn, st store.Staff) (*vault.SubjectKey, error) {
	return s.purposeKey(ctx, c, st.SubjectID, staffPurpose)
}

// TOTPEnrolment is what a staff member needs to add derbes to an
// authenticator app: shown once.
type TOTPEnrolment struct {
	URI string
	QR  []byte // PNG
}

// BeginTOTP generates a new TOTP secret for the signed-in staff member and
// stores it, sealed, until ConfirmTOTP proves the app has it.
// Errors: ENotFound, EConflict (already enrolled).
func (s *Service) BeginTOTP(ctx context.Context, staffID string) (*TOTPEnrolment, error) {
	secret, err := auth.NewTOTPSecret()
	if err != nil {
		return nil, err
	}
	var login string
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, "auth.totp-begin", "", "", nil, derbes.OutcomeOK, "")
		st, err := c.StaffByID(ctx, staffID)
		if err == nil && st.TOTPEnabled {
			err = &derbes.Error{Code: derbes.EConflict, Rule: "totp-enrolled", Message: "a second factor is already enrolled"}
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		sk, err := s.staffKey(ctx, c, st)
		if err != nil {
			return nil, err
		}
		st.TOTPSecret = sk.Seal(secret, totpAD(st.ID))
		login = st.ID
		return []derbes.AuditEntry{e}, c.UpdateStaffAuth(ctx, st)
	})
	if err != nil {
		return nil, err
	}
	uri := auth.TOTPURI(secret, "derbes", login)
	png, err := auth.QRPNG(uri)
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{URI: uri, QR: png}, nil
}

// ConfirmTOTP enables the second factor once the member enters a code
// from their app, and returns recovery codes, shown this once.
// Errors: EInvalid (code-wrong), EConflict.
func (s *Service) ConfirmTOTP(ctx context.Context, staffID, code string) ([]string, error) {
	codes, hashes, err := auth.NewRecoveryCodes()
	if err != nil {
		return nil, err
	}
	var hexes []string
	for _, h := range hashes {
		hexes = append(hexes, hex.EncodeToString(h))
	}
	var verdict error
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, "auth.totp-confirm", "", "", nil, derbes.OutcomeOK, "")
		st, err := c.StaffByID(ctx, staffID)
		if err != nil {
			return nil, err
		}
		if st.TOTPEnabled || st.TOTPSecret == nil {
			verdict = &derbes.Error{Code: derbes.EConflict, Rule: "totp-not-pending", Message: "no second factor is waiting for confirmation"}
		} else {
			sk, err := s.staffKey(ctx, c, st)
			if err != nil {
				return nil, err
			}
			secret, err := sk.Open(st.TOTPSecret, totpAD(st.ID))
			if err != nil {
				return nil, err
			}
			step, ok := auth.CheckTOTP(secret, code, s.now(), st.TOTPLastStep)
			if !ok {
				verdict = derbes.Invalid("code", "code-wrong", "the code is not correct")
			} else {
				st.TOTPEnabled, st.TOTPLastStep, st.Recovery = true, step, strings.Join(hexes, ",")
				if err := c.UpdateStaffAuth(ctx, st); err != nil {
					return nil, err
				}
			}
		}
		if verdict != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(verdict)
		}
		return []derbes.AuditEntry{e}, nil
	})
	if err != nil {
		return nil, err
	}
	if verdict != nil {
		return nil, verdict
	}
	return codes, nil
}
