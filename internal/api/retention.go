package api

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
)

// RetentionPreview handles GET /api/v1/retention/preview?at=YYYY-MM-DD.
func (a *API) RetentionPreview(w http.ResponseWriter, r *http.Request) error {
	var at time.Time
	if s := r.URL.Query().Get("at"); s != "" {
		var err error
		if at, err = time.Parse(time.DateOnly, s); err != nil {
			return a.svc.Refuse(r.Context(), "retention.preview", "", "", nil, derbes.Invalid("at", "date", "the date is YYYY-MM-DD"))
		}
	}
	p, err := a.svc.RetentionPreview(r.Context(), at)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

// RunRetention handles POST /api/v1/retention/runs.
func (a *API) RunRetention(w http.ResponseWriter, r *http.Request) error {
	act, n, err := a.svc.RunRetention(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"act": act, "carriedOut": n})
}

// RetentionActs handles GET /api/v1/retention/acts.
func (a *API) RetentionActs(w http.ResponseWriter, r *http.Request) error {
	acts, err := a.svc.RetentionActs(r.Context(), 50)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"acts": acts})
}

// ApproveRetentionAct handles POST /api/v1/retention/acts/{id}/approve.
func (a *API) ApproveRetentionAct(w http.ResponseWriter, r *http.Request) error {
	act, err := a.svc.ApproveRetentionAct(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, act)
}

// RetentionActPDF handles GET /api/v1/retention/acts/{id}/pdf?lang=….
func (a *API) RetentionActPDF(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	if lang == "" {
		lang = "kk"
	}
	doc, err := a.svc.RetentionActPDF(r.Context(), r.PathValue("id"), lang)
	if err != nil {
		return err
	}
	return writePDF(w, "retention-act-"+r.PathValue("id"), doc)
}

type holdBody struct {
	SubjectID string `json:"subjectId"`
	Reason    string `json:"reason"`
}

// PlaceHold handles POST /api/v1/retention/holds.
func (a *API) PlaceHold(w http.ResponseWriter, r *http.Request) error {
	var b holdBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "hold.place", "", "", nil, err)
	}
	h, err := a.svc.PlaceHold(r.Context(), b.SubjectID, b.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, h)
}

// Holds handles GET /api/v1/retention/holds.
func (a *API) Holds(w http.ResponseWriter, r *http.Request) error {
	hs, err := a.svc.Holds(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"holds": hs})
}

// ReleaseHold handles POST /api/v1/retention/holds/{id}/release.
func (a *API) ReleaseHold(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.ReleaseHold(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Statistics handles GET /api/v1/statistics: the newest released extract.
func (a *API) Statistics(w http.ResponseWriter, r *http.Request) error {
	x, err := a.svc.StatsExtractByID(r.Context(), "")
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

type extractBody struct {
	K int `json:"k"`
}

// MakeStatsExtract handles POST /api/v1/statistics/extracts.
func (a *API) MakeStatsExtract(w http.ResponseWriter, r *http.Request) error {
	var b extractBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "stats.extract", "", "", nil, err)
	}
	x, err := a.svc.MakeStatsExtract(r.Context(), b.K)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, x)
}

// StatsCSV handles GET /api/v1/statistics/extracts/{id}/csv ("latest" for
// the newest): the research microdata.
func (a *API) StatsCSV(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id == "latest" {
		id = ""
	}
	x, err := a.svc.StatsCSV(r.Context(), id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := x.WriteCSV(&buf); err != nil {
		return err
	}
	return htmlkit.Download(w, "text/csv; charset=utf-8", "derbes-statistics-"+x.ID+".csv", buf.Bytes())
}

// Export handles GET /api/v1/exports?purpose=…&categories=a,b&format=csv|xlsx&lang=….
func (a *API) Export(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "xlsx" {
		return a.svc.Refuse(r.Context(), "subject.export", "", "", nil, derbes.Invalid("format", "format", "the format is csv or xlsx"))
	}
	lang := q.Get("lang")
	if lang == "" {
		lang = "kk"
	}
	var cats []string
	for _, c := range strings.Split(q.Get("categories"), ",") {
		if c = strings.TrimSpace(c); c != "" {
			cats = append(cats, c)
		}
	}
	x, err := a.svc.ExportSubjects(r.Context(), q.Get("purpose"), cats, lang)
	if err != nil {
		return err
	}
	if format == "xlsx" {
		data, err := x.XLSX()
		if err != nil {
			return err
		}
		return htmlkit.Download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "derbes-export-"+x.Purpose+".xlsx", data)
	}
	data, err := x.CSV()
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "text/csv; charset=utf-8", "derbes-export-"+x.Purpose+".csv", data)
}

type webhookBody struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// CreateWebhook handles POST /api/v1/webhooks.
func (a *API) CreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var b webhookBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "webhook.create", "", "", nil, err)
	}
	h, err := a.svc.CreateWebhook(r.Context(), b.URL, b.Events)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, h)
}

// Webhooks handles GET /api/v1/webhooks: the webhooks and their newest deliveries.
func (a *API) Webhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, deliveries, err := a.svc.Webhooks(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": hooks, "deliveries": deliveries})
}
