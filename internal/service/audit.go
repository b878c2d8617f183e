package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// VerifyReport is the result of checking the audit chain (R-AUDIT-2).
type VerifyReport struct {
	OK          bool             `json:"ok"`
	Entries     int64            `json:"entries"`
	Checkpoints int              `json:"checkpoints"`
	Findings    []derbes.Finding `json:"findings"`
}

// VerifyAudit recomputes the whole hash chain and checks every signed
// checkpoint, reporting each edited, deleted, inserted or reordered entry
// by sequence number. The verification is itself audited.
// Errors: EForbidden.
func (s *Service) VerifyAudit(ctx context.Context) (*VerifyReport, error) {
	const action = "audit.verify"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not verify the audit trail"))
	}
	r := s.db.Read()
	// The keyring's public keys, not the keys table's: the keyring checked
	// each against its private half, which only the master key unwraps.
	pubs := s.kr.AuditPublicKeys()
	cps, err := r.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	v := derbes.NewChainVerifier(pubs, cps, s.db.CheckpointEvery)
	// Reading the rows and hashing them take comparable time: one goroutine
	// reads pages of entries while this one chains them, in order.
	pages := make(chan []derbes.AuditEntry, 2)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var readErr error
	go func() {
		defer close(pages)
		const size = 2000
		page := make([]derbes.AuditEntry, 0, size)
		readErr = r.EachAudit(rctx, func(e *derbes.AuditEntry) error {
			if page = append(page, *e); len(page) < size {
				return nil
			}
			select {
			case pages <- page:
				page = make([]derbes.AuditEntry, 0, size)
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		})
		if readErr == nil && len(page) > 0 {
			pages <- page
		}
	}()
	for page := range pages {
		for i := range page {
			v.Add(&page[i])
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	findings, n := v.Result()
	if findings == nil {
		findings = []derbes.Finding{}
	}
	rep := &VerifyReport{OK: len(findings) == 0, Entries: n, Checkpoints: len(cps), Findings: findings}
	outcome, reason := derbes.OutcomeOK, ""
	if !rep.OK {
		outcome, reason = derbes.OutcomeError, "chain-broken"
	}
	if err := s.db.Audit(ctx, s.entry(ctx, action, "", "", nil, outcome, reason)); err != nil {
		return nil, err
	}
	return rep, nil
}

// AuditTrail returns audit entries matching f, newest first (auditors and
// the responsible person only).
// Errors: EForbidden.
func (s *Service) AuditTrail(ctx context.Context, f store.AuditFilter) ([]derbes.AuditEntry, error) {
	const action = "audit.read"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return nil, s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not read the audit trail"))
	}
	out, err := s.db.Read().AuditEntries(ctx, f)
	if err != nil {
		return nil, err
	}
	if err := s.db.Audit(ctx, s.entry(ctx, action, f.SubjectID, "", nil, derbes.OutcomeOK, "")); err != nil {
		return nil, err
	}
	return out, nil
}

// AuditCount returns the number of audit entries (for load tests and bench).
func (s *Service) AuditCount(ctx context.Context) (int64, error) {
	return s.db.Read().AuditCount(ctx, "")
}

// tokenPrefix marks derbes API tokens so that secret scanners can find them.
const tokenPrefix = "dbt_"

// IssueToken creates an API token with role and returns it; only its keyed
// hash is stored, so it is shown this once.
// Errors: EForbidden, ENotFound (role), EInvalid (name).
func (s *Service) IssueToken(ctx context.Context, name, role string) (string, error) {
	const action = "token.issue"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAdminister, "*") {
		return "", s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not issue tokens"))
	}
	if name == "" || len(name) > 100 || checkText(name) != nil {
		return "", s.Refuse(ctx, action, "", "", nil, derbes.Invalid("name", "text-length", "a token needs a name of 1 to 100 characters"))
	}
	var idb [8]byte
	var secret [32]byte
	rand.Read(idb[:])
	rand.Read(secret[:])
	id := hex.EncodeToString(idb[:])
	t := store.Token{ID: id, Name: name, Role: role, SecretHash: s.kr.SecretHash("api-token", secret[:]),
		CreatedAt: s.now().UnixMicro(), CreatedBy: derbes.PrincipalFrom(ctx).ID}
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, "", "", nil, derbes.OutcomeOK, "")
		if _, err := c.Role(ctx, role); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertToken(ctx, t)
	})
	if err != nil {
		return "", err
	}
	return tokenPrefix + id + "." + base64.RawURLEncoding.EncodeToString(secret[:]), nil
}

var errBadToken = &derbes.Error{Code: derbes.EUnauthorized, Rule: "token-invalid", Message: "the API token is missing, malformed, unknown or revoked"}

// Authenticate resolves an API token to its principal. The secret is
// compared in constant time; every failure looks the same to the caller.
// Errors: EUnauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (derbes.Principal, error) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	id, secret64, ok2 := strings.Cut(rest, ".")
	secret, err := base64.RawURLEncoding.DecodeString(secret64)
	if !ok || !ok2 || err != nil || len(id) != 16 || len(secret) != 32 {
		return derbes.Anonymous, errBadToken
	}
	r := s.db.Read()
	t, err := r.Token(ctx, id)
	if err != nil {
		if derbes.CodeOf(err) == derbes.ENotFound {
			return derbes.Anonymous, errBadToken
		}
		return derbes.Anonymous, err
	}
	if !vault.Equal(t.SecretHash, s.kr.SecretHash("api-token", secret)) || t.RevokedAt.Valid {
		return derbes.Anonymous, errBadToken
	}
	role, err := r.Role(ctx, t.Role)
	if err != nil {
		return derbes.Anonymous, err
	}
	return derbes.Principal{ID: "token:" + id, Role: role}, nil
}

// System returns the principal of derbes itself (CLI, demo loader, jobs):
// every permission, and an id that says which part acted.
func System(name string) derbes.Principal {
	all := []derbes.Action{derbes.ActRead, derbes.ActWrite, derbes.ActExport, derbes.ActTransfer,
		derbes.ActApprove, derbes.ActDestroy, derbes.ActAdminister, derbes.ActAudit}
	return derbes.Principal{ID: "system:" + name, Role: derbes.Role{Name: "system", Permissions: perms(all, []string{"*"}, "*")}}
}

// SubjectCount returns the number of subjects (no personal data).
func (s *Service) SubjectCount(ctx context.Context) (int64, error) {
	return s.db.Read().CountSubjects(ctx)
}
