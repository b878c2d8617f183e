package api

import (
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

type staffBody struct {
	Name     string `json:"name"`
	Login    string `json:"login"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// ListStaff handles GET /api/v1/staff.
func (a *API) ListStaff(w http.ResponseWriter, r *http.Request) error {
	st, err := a.svc.Staff(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"staff": st})
}

// CreateStaff handles POST /api/v1/staff.
func (a *API) CreateStaff(w http.ResponseWriter, r *http.Request) error {
	var b staffBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "staff.create", "", "", nil, err)
	}
	st, err := a.svc.CreateStaff(r.Context(), service.NewStaff{Name: b.Name, Login: b.Login, Role: b.Role, Password: b.Password})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, st)
}

// ListRoles handles GET /api/v1/roles.
func (a *API) ListRoles(w http.ResponseWriter, r *http.Request) error {
	roles, err := a.svc.Roles(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"roles": roles})
}

type roleBody struct {
	Permissions []derbes.Permission `json:"permissions"`
}

// PutRole handles PUT /api/v1/roles/{name}.
func (a *API) PutRole(w http.ResponseWriter, r *http.Request) error {
	var b roleBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "role.update", "", "", nil, err)
	}
	if err := a.svc.PutRole(r.Context(), derbes.Role{Name: r.PathValue("name"), Permissions: b.Permissions}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// CurrentInstructions handles GET /api/v1/instructions.
func (a *API) CurrentInstructions(w http.ResponseWriter, r *http.Request) error {
	in, err := a.svc.CurrentInstructions(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

type instructionsBody struct {
	Texts map[string]service.InstructionText `json:"texts"`
}

// PublishInstructions handles POST /api/v1/instructions.
func (a *API) PublishInstructions(w http.ResponseWriter, r *http.Request) error {
	var b instructionsBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "instructions.publish", "", "", nil, err)
	}
	in, err := a.svc.PublishInstructions(r.Context(), b.Texts)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, in)
}

type appointmentBody struct {
	StaffID  string `json:"staffId"`
	FromDate string `json:"fromDate"`
	OrderRef string `json:"orderRef"`
}

// Appoint handles POST /api/v1/appointments.
func (a *API) Appoint(w http.ResponseWriter, r *http.Request) error {
	var b appointmentBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "staff.appoint", "", "", nil, err)
	}
	if err := a.svc.Appoint(r.Context(), b.StaffID, b.FromDate, b.OrderRef); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Responsible handles GET /api/v1/appointments/current.
func (a *API) Responsible(w http.ResponseWriter, r *http.Request) error {
	ap, err := a.svc.Responsible(r.Context())
	if err != nil {
		return err
	}
	if ap == nil {
		return derbes.NotFound("no responsible person is appointed")
	}
	return writeJSON(w, http.StatusOK, ap)
}
