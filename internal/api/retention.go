package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
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

// exportJobs are the exports queued on this node: expensive, so they run
// in the background, at most two at a time per principal, and their files
// (personal data) are kept for an hour, for their requester only.
type exportJobs struct {
	mu   sync.Mutex
	jobs map[string]*exportJob
}

type exportJob struct {
	ID      string    `json:"id"`
	Status  string    `json:"status"` // queued, running, done, failed
	Rows    int       `json:"rows"`
	Created time.Time `json:"created"`
	owner   string
	format  string
	purpose string
	data    []byte
}

type exportBody struct {
	Purpose    string   `json:"purpose"`
	Categories []string `json:"categories"`
	Format     string   `json:"format,omitempty"`
	Lang       string   `json:"lang,omitempty"`
}

// CreateExport handles POST /api/v1/exports: the export is checked now and
// run in the background; its state is at /api/v1/exports/{id}.
func (a *API) CreateExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	var b exportBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(ctx, "subject.export", "", "", nil, err)
	}
	if b.Format == "" {
		b.Format = "csv"
	}
	if b.Lang == "" {
		b.Lang = "kk"
	}
	if b.Format != "csv" && b.Format != "xlsx" {
		return a.svc.Refuse(ctx, "subject.export", "", "", nil, derbes.Invalid("format", "format", "the format is csv or xlsx"))
	}
	if _, err := a.svc.CheckExport(ctx, b.Purpose, b.Categories); err != nil {
		return err
	}
	principal := derbes.PrincipalFrom(ctx)
	a.exports.mu.Lock()
	busy := 0
	for id, j := range a.exports.jobs {
		if time.Since(j.Created) > time.Hour && (j.Status == "done" || j.Status == "failed") {
			delete(a.exports.jobs, id)
			continue
		}
		if j.owner == principal.ID && (j.Status == "queued" || j.Status == "running") {
			busy++
		}
	}
	if busy >= 2 {
		a.exports.mu.Unlock()
		return a.svc.Refuse(ctx, "subject.export", "", b.Purpose, nil, derbes.Errorf(derbes.ETooMany, "export-busy", "two exports are already running; wait for one"))
	}
	var raw [16]byte
	rand.Read(raw[:])
	job := &exportJob{ID: hex.EncodeToString(raw[:]), Status: "queued", Created: time.Now().UTC(), owner: principal.ID, format: b.Format, purpose: b.Purpose}
	if a.exports.jobs == nil {
		a.exports.jobs = map[string]*exportJob{}
	}
	a.exports.jobs[job.ID] = job
	a.exports.mu.Unlock()
	bg := derbes.WithPrincipal(context.WithoutCancel(ctx), principal)
	go a.runExport(bg, job, b)
	return writeJSON(w, http.StatusAccepted, job)
}

func (a *API) runExport(ctx context.Context, job *exportJob, b exportBody) {
	a.setExport(job, func() { job.Status = "running" })
	x, err := a.svc.ExportSubjects(ctx, b.Purpose, b.Categories, b.Lang)
	var data []byte
	if err == nil {
		if b.Format == "xlsx" {
			data, err = x.XLSX()
		} else {
			data, err = x.CSV()
		}
	}
	a.setExport(job, func() {
		if err != nil {
			job.Status = "failed"
			a.log.Error("export", "job", job.ID, "err", err)
			return
		}
		job.Status, job.Rows, job.data = "done", len(x.Rows), data
	})
}

func (a *API) setExport(job *exportJob, f func()) {
	a.exports.mu.Lock()
	defer a.exports.mu.Unlock()
	f()
}

// exportOf returns the principal's own export job.
func (a *API) exportOf(r *http.Request) (*exportJob, error) {
	a.exports.mu.Lock()
	defer a.exports.mu.Unlock()
	j := a.exports.jobs[r.PathValue("id")]
	if j == nil || j.owner != derbes.PrincipalFrom(r.Context()).ID {
		return nil, derbes.NotFound("no such export")
	}
	c := *j
	return &c, nil
}

// ExportState handles GET /api/v1/exports/{id}.
func (a *API) ExportState(w http.ResponseWriter, r *http.Request) error {
	j, err := a.exportOf(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, j)
}

// ExportFile handles GET /api/v1/exports/{id}/file, once the export is done.
func (a *API) ExportFile(w http.ResponseWriter, r *http.Request) error {
	j, err := a.exportOf(r)
	if err != nil {
		return err
	}
	if j.Status != "done" {
		return &derbes.Error{Code: derbes.EConflict, Rule: "export-not-ready", Message: "the export is " + j.Status}
	}
	if j.format == "xlsx" {
		return htmlkit.Download(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "derbes-export-"+j.purpose+".xlsx", j.data)
	}
	return htmlkit.Download(w, "text/csv; charset=utf-8", "derbes-export-"+j.purpose+".csv", j.data)
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
