package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

type consentBody struct {
	Purposes        []string           `json:"purposes"`
	Categories      []string           `json:"categories,omitempty"`
	ExpiresAt       *time.Time         `json:"expiresAt,omitempty"`
	ThirdParty      bool               `json:"thirdParty,omitempty"`
	Recipients      []derbes.Recipient `json:"recipients,omitempty"`
	CrossBorder     bool               `json:"crossBorder,omitempty"`
	Countries       []string           `json:"countries,omitempty"`
	Publication     bool               `json:"publication,omitempty"`
	NotifyTransfers bool               `json:"notifyTransfers,omitempty"`
	Other           string             `json:"other,omitempty"`
	Language        string             `json:"language,omitempty"`
	Form            derbes.ConsentForm `json:"form,omitempty"`
	Evidence        derbes.Evidence    `json:"evidence,omitempty"`
	Representative  string             `json:"representative,omitempty"`
	Relationship    string             `json:"relationship,omitempty"`
}

func (c *consentBody) toService() *service.NewConsent {
	if c == nil {
		return nil
	}
	return &service.NewConsent{Purposes: c.Purposes, Categories: c.Categories, ExpiresAt: c.ExpiresAt,
		ThirdParty: c.ThirdParty, Recipients: c.Recipients, CrossBorder: c.CrossBorder, Countries: c.Countries,
		Publication: c.Publication, NotifyTransfers: c.NotifyTransfers, Other: c.Other, Language: c.Language, Form: c.Form, Evidence: c.Evidence,
		Representative: c.Representative, Relationship: c.Relationship}
}

type createSubjectBody struct {
	Kind        string                     `json:"kind"`
	Citizenship string                     `json:"citizenship"`
	Purpose     string                     `json:"purpose"`
	Consent     *consentBody               `json:"consent,omitempty"`
	Source      derbes.Source              `json:"source"`
	Values      map[string]json.RawMessage `json:"values"`
}

// CreateSubject handles POST /api/v1/subjects.
func (a *API) CreateSubject(w http.ResponseWriter, r *http.Request) error {
	var b createSubjectBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "subject.create", "", "", nil, err)
	}
	v, err := a.svc.CreateSubject(r.Context(), service.NewSubject{Kind: b.Kind, Citizenship: b.Citizenship, Purpose: b.Purpose,
		Consent: b.Consent.toService(), Values: b.Values, Source: b.Source})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/subjects/"+v.ID)
	return writeJSON(w, http.StatusCreated, v)
}

// GetSubject handles GET /api/v1/subjects/{id}?purpose=….
func (a *API) GetSubject(w http.ResponseWriter, r *http.Request) error {
	v, err := a.svc.Subject(r.Context(), r.PathValue("id"), r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

type updateSubjectBody struct {
	Purpose string                     `json:"purpose"`
	Source  derbes.Source              `json:"source"`
	Values  map[string]json.RawMessage `json:"values"`
}

// UpdateSubject handles PATCH /api/v1/subjects/{id}.
func (a *API) UpdateSubject(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var b updateSubjectBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "subject.update", id, "", nil, err)
	}
	v, err := a.svc.UpdateSubject(r.Context(), id, service.SubjectUpdate{Purpose: b.Purpose, Values: b.Values, Source: b.Source})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// ValueHistory handles GET /api/v1/subjects/{id}/values/{category}/history?purpose=….
func (a *API) ValueHistory(w http.ResponseWriter, r *http.Request) error {
	vs, err := a.svc.ValueHistory(r.Context(), r.PathValue("id"), r.URL.Query().Get("purpose"), r.PathValue("category"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
}

type searchBody struct {
	Purpose  string `json:"purpose"`
	Category string `json:"category"`
	Value    string `json:"value"`
}

// SearchSubjects handles POST /api/v1/subjects/search. It is a POST so that
// the searched value travels in the body, never in a URL or an access log.
func (a *API) SearchSubjects(w http.ResponseWriter, r *http.Request) error {
	var b searchBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "subject.search", "", "", nil, err)
	}
	found, err := a.svc.Search(r.Context(), b.Purpose, b.Category, b.Value)
	if err != nil {
		return err
	}
	if found == nil {
		found = []*service.SubjectView{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"subjects": found})
}

type consentView struct {
	ID                      string              `json:"id"`
	Terms                   derbes.ConsentTerms `json:"terms"`
	GivenAt                 time.Time           `json:"givenAt"`
	RecordedBy              string              `json:"recordedBy"`
	WithdrawnAt             *time.Time          `json:"withdrawnAt,omitempty"`
	RefusedWithdrawalReason string              `json:"refusedWithdrawalReason,omitempty"`
	Live                    bool                `json:"live"`
}

func toConsentView(k derbes.Consent, now time.Time) consentView {
	return consentView{ID: k.ID, Terms: k.ConsentTerms, GivenAt: k.GivenAt, RecordedBy: k.RecordedBy,
		WithdrawnAt: k.WithdrawnAt, RefusedWithdrawalReason: k.RefusedWithdrawalReason, Live: k.Live(now)}
}

type consentEventView struct {
	Seq        int64                `json:"seq"`
	ID         string               `json:"id"`
	Kind       string               `json:"kind"`
	ConsentID  string               `json:"consentId"`
	Terms      *derbes.ConsentTerms `json:"terms,omitempty"`
	Reason     string               `json:"reason,omitempty"`
	At         time.Time            `json:"at"`
	RecordedBy string               `json:"recordedBy"`
	Hash       string               `json:"hash"`
}

// ListConsents handles GET /api/v1/subjects/{id}/consents: the consents as
// they stand and the hash-chained history they come from.
func (a *API) ListConsents(w http.ResponseWriter, r *http.Request) error {
	events, ks, err := a.svc.ConsentHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	now := a.svc.Now()
	out := make([]consentView, len(ks))
	for i, k := range ks {
		out[i] = toConsentView(k, now)
	}
	hist := make([]consentEventView, len(events))
	for i, e := range events {
		hist[i] = consentEventView{Seq: e.Seq, ID: e.ID, Kind: e.Kind, ConsentID: e.ConsentID, Terms: e.Terms,
			Reason: e.Reason, At: e.At, RecordedBy: e.RecordedBy, Hash: hexOf(e.Hash)}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"consents": out, "history": hist})
}

// GiveConsent handles POST /api/v1/subjects/{id}/consents.
func (a *API) GiveConsent(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var b consentBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "consent.give", id, "", nil, err)
	}
	k, err := a.svc.GiveConsent(r.Context(), id, *b.toService())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toConsentView(*k, a.svc.Now()))
}

type refuseBody struct {
	Purposes []string `json:"purposes"`
	Language string   `json:"language,omitempty"`
}

// RefuseConsent handles POST /api/v1/subjects/{id}/consents/refusals.
func (a *API) RefuseConsent(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var b refuseBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "consent.refuse", id, "", nil, err)
	}
	if err := a.svc.RefuseConsent(r.Context(), id, b.Purposes, b.Language); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type reasonBody struct {
	Reason string `json:"reason"`
}

// decodeOptional decodes a body that may be absent.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(w, r, v)
}

// WithdrawConsent handles POST /api/v1/subjects/{id}/consents/{consentId}/withdraw.
func (a *API) WithdrawConsent(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var b reasonBody
	if err := decodeOptional(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "consent.withdraw", id, "", nil, err)
	}
	wd, err := a.svc.WithdrawConsent(r.Context(), id, r.PathValue("consentId"), b.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wd)
}

// RefuseWithdrawal handles POST /api/v1/subjects/{id}/consents/{consentId}/withdrawal-refusal.
func (a *API) RefuseWithdrawal(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var b reasonBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "consent.withdrawal-refuse", id, "", nil, err)
	}
	if err := a.svc.RefuseWithdrawal(r.Context(), id, r.PathValue("consentId"), b.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Catalogue handles GET /api/v1/catalogue: the approved list of data and
// purposes is public, like the policy it comes from.
func (a *API) Catalogue(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, a.svc.Catalogue())
}

type auditEntryView struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	SubjectID  string    `json:"subjectId,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Purpose    string    `json:"purpose,omitempty"`
	Basis      string    `json:"basis,omitempty"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason,omitempty"`
	RequestID  string    `json:"requestId,omitempty"`
	Hash       string    `json:"hash"`
}

// auditFilter reads the audit listing's query: subject, actor, action,
// outcome, before (a positive sequence number) and limit (1–1000, 100 by
// default): the listing is always bounded.
func auditFilter(q url.Values) (store.AuditFilter, error) {
	f := store.AuditFilter{SubjectID: q.Get("subject"), Actor: q.Get("actor"), Action: q.Get("action"), Outcome: q.Get("outcome"), Limit: 100}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			return f, derbes.Invalid("before", "positive-integer", "must be a positive integer")
		}
		f.BeforeSeq = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return f, derbes.Invalid("limit", "range-1-1000", "must be an integer from 1 to 1000")
		}
		f.Limit = n
	}
	return f, nil
}

// AuditTrail handles GET /api/v1/audit.
func (a *API) AuditTrail(w http.ResponseWriter, r *http.Request) error {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return a.svc.Refuse(r.Context(), "audit.read", "", "", nil, err)
	}
	es, err := a.svc.AuditTrail(r.Context(), f)
	if err != nil {
		return err
	}
	out := make([]auditEntryView, len(es))
	for i, e := range es {
		out[i] = auditEntryView{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, SubjectID: e.SubjectID, Categories: e.Categories,
			Purpose: e.Purpose, Basis: e.Basis, Outcome: e.Outcome, Reason: e.Reason, RequestID: e.RequestID, Hash: hexOf(e.Hash)}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}

// VerifyAudit handles POST /api/v1/audit/verify.
func (a *API) VerifyAudit(w http.ResponseWriter, r *http.Request) error {
	rep, err := a.svc.VerifyAudit(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}
