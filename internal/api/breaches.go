package api

import (
	"net/http"
	"time"

	"github.com/derbes-kz/derbes/internal/service"
)

type breachBody struct {
	DetectedAt  time.Time `json:"detectedAt"`
	Description string    `json:"description"`
	Categories  []string  `json:"categories"`
	Subjects    []string  `json:"subjects"`
	Measures    string    `json:"measures"`
	Personal    bool      `json:"personal"`
}

// RecordBreach handles POST /api/v1/breaches.
func (a *API) RecordBreach(w http.ResponseWriter, r *http.Request) error {
	var b breachBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "breach.record", "", "", nil, err)
	}
	v, err := a.svc.RecordBreach(r.Context(), service.NewBreach{DetectedAt: b.DetectedAt, Description: b.Description,
		Categories: b.Categories, Subjects: b.Subjects, Measures: b.Measures, Personal: b.Personal})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

// ListBreaches handles GET /api/v1/breaches.
func (a *API) ListBreaches(w http.ResponseWriter, r *http.Request) error {
	bs, err := a.svc.Breaches(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"breaches": bs})
}

type breachMoveBody struct {
	Status   string `json:"status"`
	Measures string `json:"measures,omitempty"`
}

// MoveBreach handles POST /api/v1/breaches/{id}/status.
func (a *API) MoveBreach(w http.ResponseWriter, r *http.Request) error {
	var b breachMoveBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "breach.move", "", "", nil, err)
	}
	if err := a.svc.MoveBreach(r.Context(), r.PathValue("id"), b.Status, b.Measures); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// BreachNotice handles GET /api/v1/breaches/{id}/notice?lang=….
func (a *API) BreachNotice(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "kk"
	}
	doc, err := a.svc.BreachNotice(r.Context(), r.PathValue("id"), lang)
	if err != nil {
		return err
	}
	return writePDF(w, "breach-notice-"+r.PathValue("id"), doc)
}
