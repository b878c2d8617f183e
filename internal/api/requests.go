package api

import (
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

type requestBody struct {
	Kind          string `json:"kind"`
	Channel       string `json:"channel"`
	Details       string `json:"details"`
	IdentityCheck string `json:"identityCheck"`
}

// OpenRequest handles POST /api/v1/subjects/{id}/requests.
func (a *API) OpenRequest(w http.ResponseWriter, r *http.Request) error {
	var b requestBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "request.open", r.PathValue("id"), "", nil, err)
	}
	v, err := a.svc.OpenRequest(r.Context(), r.PathValue("id"), service.NewRequest{Kind: b.Kind, Channel: b.Channel, Details: b.Details, IdentityCheck: b.IdentityCheck})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

// SubjectRequests handles GET /api/v1/subjects/{id}/requests.
func (a *API) SubjectRequests(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.svc.Requests(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"requests": rs})
}

// RequestQueue handles GET /api/v1/requests: open requests by deadline.
func (a *API) RequestQueue(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.svc.Requests(r.Context(), "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"requests": rs})
}

type requestUpdateBody struct {
	Status   string `json:"status"`
	Assignee string `json:"assignee,omitempty"`
	Response string `json:"response,omitempty"`
}

// UpdateRequest handles POST /api/v1/requests/{id}/status.
func (a *API) UpdateRequest(w http.ResponseWriter, r *http.Request) error {
	var b requestUpdateBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "request.update", "", "", nil, err)
	}
	if err := a.svc.UpdateRequest(r.Context(), r.PathValue("id"), b.Status, b.Assignee, b.Response); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// EscalateRequests handles POST /api/v1/requests/escalate: the overdue report.
func (a *API) EscalateRequests(w http.ResponseWriter, r *http.Request) error {
	n, err := a.svc.EscalateOverdue(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"overdue": n})
}

// RecipientNotices handles GET /api/v1/subjects/{id}/recipient-notices.
func (a *API) RecipientNotices(w http.ResponseWriter, r *http.Request) error {
	ns, err := a.svc.RecipientNotices(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"notices": ns})
}

// RecipientNoticeDocument handles GET /api/v1/subjects/{id}/recipient-notices/{noticeId}/document.
func (a *API) RecipientNoticeDocument(w http.ResponseWriter, r *http.Request) error {
	doc, err := a.svc.RecipientNoticeDocument(r.Context(), r.PathValue("id"), r.PathValue("noticeId"))
	if err != nil {
		return err
	}
	return writePDF(w, "notice-"+r.PathValue("noticeId"), doc)
}

type sentBody struct {
	Channel string `json:"channel"`
}

// MarkRecipientNoticeSent handles POST /api/v1/subjects/{id}/recipient-notices/{noticeId}/sent.
func (a *API) MarkRecipientNoticeSent(w http.ResponseWriter, r *http.Request) error {
	var b sentBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "recipient-notice.sent", r.PathValue("id"), "", nil, err)
	}
	if err := a.svc.MarkRecipientNoticeSent(r.Context(), r.PathValue("id"), r.PathValue("noticeId"), b.Channel); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type destroyBody struct {
	Basis string `json:"basis"`
}

// DestroySubject handles POST /api/v1/subjects/{id}/destruction.
func (a *API) DestroySubject(w http.ResponseWriter, r *http.Request) error {
	var b destroyBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "subject.destroy", r.PathValue("id"), "", nil, err)
	}
	er, err := a.svc.Destroy(r.Context(), r.PathValue("id"), b.Basis)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, er)
}

// DestructionAct handles GET /api/v1/subjects/{id}/destruction/act?lang=….
func (a *API) DestructionAct(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "kk"
	}
	doc, err := a.svc.DestructionAct(r.Context(), r.PathValue("id"), lang)
	if err != nil {
		return err
	}
	return writePDF(w, "destruction-"+r.PathValue("id"), doc)
}

// Erasures handles GET /api/v1/erasures: the ledger, to keep apart from backups.
func (a *API) Erasures(w http.ResponseWriter, r *http.Request) error {
	ers, err := a.svc.Erasures(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"erasures": ers})
}

type erasuresBody struct {
	Erasures []store.Erasure `json:"erasures"`
}

// ApplyErasures handles POST /api/v1/erasures/apply: re-apply a ledger
// after a restore (an administrator's step of the restore drill).
func (a *API) ApplyErasures(w http.ResponseWriter, r *http.Request) error {
	var b erasuresBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "erasure.reapply", "", "", nil, err)
	}
	n, err := a.svc.ApplyErasures(r.Context(), b.Erasures)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"shredded": n})
}

// ControlReport handles GET /api/v1/reports/control?format=json|pdf&lang=…:
// runs the internal control check now, keeps it, and returns it.
func (a *API) ControlReport(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "pdf" {
		return a.svc.Refuse(r.Context(), "report.control", "", "", nil, derbes.Invalid("format", "format", "the format is json or pdf"))
	}
	rep, err := a.svc.RunControlReport(r.Context())
	if err != nil {
		return err
	}
	if format != "pdf" {
		return writeJSON(w, http.StatusOK, rep)
	}
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "kk"
	}
	doc, err := a.svc.ControlReportPDF(rep, lang)
	if err != nil {
		return err
	}
	return writePDF(w, "control-"+rep.ID, doc)
}
