package derbes

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// Action is something a principal does with personal data or the system.
type Action string

// Actions of the permission model (R-ACCESS-1).
const (
	ActRead       Action = "read"
	ActWrite      Action = "write"
	ActExport     Action = "export"
	ActTransfer   Action = "transfer"
	ActApprove    Action = "approve"
	ActDestroy    Action = "destroy"
	ActAdminister Action = "administer"
	ActAudit      Action = "audit" // read the audit trail and reports
)

// Permission allows Action on Category under Purpose; "*" matches any.
type Permission struct {
	Action   Action `json:"action"`
	Purpose  string `json:"purpose"`
	Category string `json:"category"`
}

// Allows reports whether the permission covers (a, purpose, category).
func (p Permission) Allows(a Action, purpose, category string) bool {
	return p.Action == a && match(p.Purpose, purpose) && match(p.Category, category)
}

func match(pattern, v string) bool { return pattern == "*" || pattern == v }

// Role is a named set of permissions. Roles are data (R-ACCESS-1).
type Role struct {
	Name        string       `json:"name"`
	Permissions []Permission `json:"permissions"`
}

// Allows reports whether any of the role's permissions covers the request.
func (r Role) Allows(a Action, purpose, category string) bool {
	for _, p := range r.Permissions {
		if p.Allows(a, purpose, category) {
			return true
		}
	}
	return false
}

// AllowsAny reports whether the role may do a under purpose for some category.
func (r Role) AllowsAny(a Action, purpose string) bool {
	for _, p := range r.Permissions {
		if p.Action == a && match(p.Purpose, purpose) {
			return true
		}
	}
	return false
}

// Principal is whoever makes a request: a staff member, an API token, or
// the system itself (jobs, the CLI).
type Principal struct {
	ID   string // "token:<id>", "staff:<id>", "system:<name>", "anonymous"
	Role Role
	// Restricted says why a staff member's session reaches no personal data
	// yet: "mfa" (second factor not enrolled) or "instructions" (the
	// current data-protection instructions not acknowledged, R-ACCESS-3).
	// The role then keeps only its non-personal-data permissions.
	Restricted string
}

// personalActions are the actions that reach personal data.
var personalActions = []Action{ActRead, ActWrite, ActExport, ActTransfer, ActApprove, ActDestroy}

// Restrict returns p limited for reason: its role keeps only the
// permissions that reach no personal data (administer, audit).
func (p Principal) Restrict(reason string) Principal {
	var keep []Permission
	for _, perm := range p.Role.Permissions {
		if !slices.Contains(personalActions, perm.Action) {
			keep = append(keep, perm)
		}
	}
	p.Role = Role{Name: p.Role.Name, Permissions: keep}
	p.Restricted = reason
	return p
}

// Anonymous is the principal of an unauthenticated request.
var Anonymous = Principal{ID: "anonymous"}

type ctxKey int

const (
	principalKey ctxKey = iota
	requestIDKey
)

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the principal in ctx, or Anonymous.
func PrincipalFrom(ctx context.Context) Principal {
	if p, ok := ctx.Value(principalKey).(Principal); ok {
		return p
	}
	return Anonymous
}

// WithRequestID returns ctx carrying a request id for logs and the audit trail.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// Mask hides an identifier but for its last four characters, so staff can
// tell two records apart without seeing the number (R-ACCESS-2).
func Mask(v string) string {
	n := utf8.RuneCountInString(v)
	if n <= 4 {
		return strings.Repeat("•", n)
	}
	r := []rune(v)
	return strings.Repeat("•", n-4) + string(r[n-4:])
}
