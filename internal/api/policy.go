package api

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/policy"
)

// PolicyPage handles GET /policy: the published processing policy, public
// and without login (R-OPS-2, P-8.1), in the language of ?lang= (kk, ru,
// en), else of the Accept-Language header, else Kazakh; the version in
// force, or ?version=N; with the version history.
func (a *API) PolicyPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lang := policy.Lang(q.Get("lang"), r.Header.Get("Accept-Language"))
	number := 0
	if s := q.Get("version"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return derbes.Invalid("version", "positive-integer", "the version must be a positive integer")
		}
		number = n
	}
	vs, err := a.svc.PolicyVersions(r.Context())
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return derbes.NotFound("no policy is published yet")
	}
	var b bytes.Buffer
	err = policy.WritePage(&b, policy.PageInput{Lang: lang, Operator: a.svc.Operator().Name, Versions: vs,
		Number: number, Today: policy.Today(a.svc.Now())})
	if errors.Is(err, policy.ErrNoVersion) {
		return &derbes.Error{Code: derbes.ENotFound, Field: "version", Rule: "not-found", Message: "no such policy version"}
	}
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	_, err = w.Write(b.Bytes())
	return err
}

// PolicyCSS handles GET /static/policy.css: the policy page's stylesheet
// (the Content-Security-Policy allows no inline style).
func (a *API) PolicyCSS(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, err := w.Write(policy.CSS)
	return err
}

type policyView struct {
	Current  int              `json:"current"`
	Versions []policy.Version `json:"versions"`
}

// Policy handles GET /api/v1/policy: every published version with its
// texts, summaries, effective date and additions, and the number of the
// version in force. It is public; who published a version is not shown.
func (a *API) Policy(w http.ResponseWriter, r *http.Request) error {
	vs, err := a.svc.PolicyVersions(r.Context())
	if err != nil {
		return err
	}
	out := policyView{Versions: []policy.Version{}}
	if i := policy.Current(vs, policy.Today(a.svc.Now())); i >= 0 {
		out.Current = vs[i].Number
	}
	for _, v := range vs {
		v.PublishedBy = ""
		out.Versions = append(out.Versions, v)
	}
	return writeJSON(w, http.StatusOK, out)
}

type publishPolicyBody struct {
	Effective string            `json:"effective"`
	Texts     map[string]string `json:"texts"`
	Summary   map[string]string `json:"summary"`
	Adds      policy.Adds       `json:"adds,omitempty"` // optional: adds nothing
}

// PublishPolicy handles POST /api/v1/policy/versions: the responsible
// person publishes a new version (P-8.2).
func (a *API) PublishPolicy(w http.ResponseWriter, r *http.Request) error {
	var b publishPolicyBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "policy.publish", "", "", nil, err)
	}
	v, err := a.svc.PublishPolicy(r.Context(), policy.Version{Effective: b.Effective, Texts: b.Texts, Summary: b.Summary, Adds: b.Adds})
	if err != nil {
		return err
	}
	w.Header().Set("Location", policy.PagePath+"?version="+strconv.Itoa(v.Number))
	return writeJSON(w, http.StatusCreated, v)
}

// Reconsent handles GET /api/v1/policy/versions/{version}/reconsent: the
// subjects to ask for consent again after that version, with what their
// consents do not cover (ids and keys only).
func (a *API) Reconsent(w http.ResponseWriter, r *http.Request) error {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n < 1 {
		return a.svc.Refuse(r.Context(), "policy.reconsent-report", "", "", nil,
			derbes.Invalid("version", "positive-integer", "the version must be a positive integer"))
	}
	items, err := a.svc.ReconsentNeeded(r.Context(), n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"version": n, "subjects": items})
}
