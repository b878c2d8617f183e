package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

type orderBody struct {
	Services     []string `json:"services"`
	Institutions []string `json:"institutions"`
	AcademicYear string   `json:"academicYear"`
	Programme    string   `json:"programme"`
}

// CreateOrder handles POST /api/v1/subjects/{id}/orders.
func (a *API) CreateOrder(w http.ResponseWriter, r *http.Request) error {
	var b orderBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "order.create", r.PathValue("id"), "", nil, err)
	}
	o, err := a.svc.CreateOrder(r.Context(), r.PathValue("id"), service.NewOrder{Services: b.Services, Institutions: b.Institutions,
		AcademicYear: b.AcademicYear, Programme: b.Programme})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, o)
}

// ListOrders handles GET /api/v1/subjects/{id}/orders.
func (a *API) ListOrders(w http.ResponseWriter, r *http.Request) error {
	orders, err := a.svc.Orders(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}

type statusBody struct {
	Status string `json:"status"`
}

// MoveOrder handles POST /api/v1/orders/{id}/status.
func (a *API) MoveOrder(w http.ResponseWriter, r *http.Request) error {
	var b statusBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "order.move", "", "", nil, err)
	}
	ev, err := a.svc.MoveOrder(r.Context(), r.PathValue("id"), b.Status)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ev)
}

// AttachOrderDocument handles PUT /api/v1/orders/{id}/documents/{category}:
// the raw bytes of a scan or photo (PDF, JPEG or PNG, ≤ 10 MiB).
func (a *API) AttachOrderDocument(w http.ResponseWriter, r *http.Request) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, service.MaxScan+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &derbes.Error{Code: derbes.ETooLarge, Field: "document", Rule: "scan-too-large", Message: "the document is larger than 10 MiB"}
		} else {
			err = derbes.Invalid("document", "body-unreadable", "the request body could not be read")
		}
		return a.svc.Refuse(r.Context(), "order.document", "", "", nil, err)
	}
	info, err := a.svc.AttachOrderDocument(r.Context(), r.PathValue("id"), r.PathValue("category"), data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, info)
}
