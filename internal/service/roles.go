package service

import (
	"context"

	"github.com/derbes-kz/derbes"
)

// Role names of the default roles (R-ACCESS-1). Roles are data: these are
// installed on a new database, and the responsible person edits them later.
const (
	RoleResponsible = "responsible-person"
	RoleAdmissions  = "admissions-manager"
	RoleHR          = "hr"
	RoleAccountant  = "accountant"
	RoleAuditor     = "auditor"
	RoleAdmin       = "administrator"
	RoleIntegration = "integration"
)

func perms(actions []derbes.Action, purposes []string, category string) []derbes.Permission {
	var out []derbes.Permission
	for _, a := range actions {
		for _, p := range purposes {
			out = append(out, derbes.Permission{Action: a, Purpose: p, Category: category})
		}
	}
	return out
}

// DefaultRoles returns the roles a new installation starts with: least
// privilege by purpose × category × action. The administrator manages the
// system but sees no personal data; the auditor sees the audit trail and
// reports only.
func DefaultRoles() []derbes.Role {
	rw := []derbes.Action{derbes.ActRead, derbes.ActWrite}
	admissions := []string{"p4.1b", "p4.2a", "p4.2b1", "p4.2b2", "p4.2b3", "rights"}
	return []derbes.Role{
		{Name: RoleResponsible, Permissions: append(
			perms([]derbes.Action{derbes.ActRead, derbes.ActWrite, derbes.ActExport, derbes.ActTransfer,
				derbes.ActApprove, derbes.ActDestroy}, []string{"*"}, "*"),
			derbes.Permission{Action: derbes.ActAudit, Purpose: "*", Category: "*"})},
		{Name: RoleAdmissions, Permissions: append(perms(rw, admissions, "*"),
			perms([]derbes.Action{derbes.ActTransfer}, []string{"p4.2b1", "p4.2b2", "p4.2b3"}, "*")...)},
		{Name: RoleHR, Permissions: perms(rw, []string{"p4.1a", "p4.1c"}, "*")},
		{Name: RoleAccountant, Permissions: perms(rw, []string{"p4.1d"}, "*")},
		{Name: RoleAuditor, Permissions: []derbes.Permission{{Action: derbes.ActAudit, Purpose: "*", Category: "*"}}},
		{Name: RoleAdmin, Permissions: []derbes.Permission{{Action: derbes.ActAdminister, Purpose: "*", Category: "*"}}},
		// A website form or CRM: collects applicants with their consent and
		// reads back what the admission purposes allow.
		{Name: RoleIntegration, Permissions: perms(rw, []string{"p4.1b", "p4.2a", "p4.2b1", "p4.2b2", "p4.2b3"}, "*")},
	}
}

// denied is the refusal of an action the principal's role does not allow.
// A staff member whose session is restricted is told why instead: they
// reach personal data once they have enrolled a second factor and
// acknowledged the current instructions (R-ACCESS-3, R-ACCESS-4).
func (s *Service) denied(ctx context.Context, field, msg string) *derbes.Error {
	switch derbes.PrincipalFrom(ctx).Restricted {
	case "instructions":
		return derbes.Forbidden(field, "instructions-not-acknowledged", "acknowledge the current data-protection instructions first")
	case "mfa":
		return derbes.Forbidden(field, "mfa-required", "enrol a second factor first")
	}
	return derbes.Forbidden(field, "permission", msg)
}
