package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

type codeBody struct {
	Channel  string `json:"channel"`
	Language string `json:"language"`
}

// SendCode handles POST /api/v1/subjects/{id}/codes: a one-time code to the
// subject's e-mail or phone, to confirm a consent electronically.
func (a *API) SendCode(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var b codeBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "code.send", id, "", nil, err)
	}
	ch, err := a.svc.SendCode(r.Context(), id, b.Channel, b.Language)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ch)
}

type verifyCodeBody struct {
	Code string `json:"code"`
}

// VerifyCode handles POST /api/v1/codes/{challengeId}/verify.
func (a *API) VerifyCode(w http.ResponseWriter, r *http.Request) error {
	var b verifyCodeBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "code.verify", "", "", nil, err)
	}
	if err := a.svc.VerifyCode(r.Context(), r.PathValue("challengeId"), b.Code); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// VerifyConsents handles POST /api/v1/consents/verify: the consent
// history's hash chain.
func (a *API) VerifyConsents(w http.ResponseWriter, r *http.Request) error {
	rep, err := a.svc.VerifyConsents(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// LegacyReport handles GET /api/v1/reports/legacy.
func (a *API) LegacyReport(w http.ResponseWriter, r *http.Request) error {
	items, err := a.svc.LegacyReport(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"subjects": items})
}

// docLang is the ?lang= of a document request; empty means the consent's
// own language.
func docLang(r *http.Request) string { return r.URL.Query().Get("lang") }

func writePDF(w http.ResponseWriter, name string, data []byte) error {
	return htmlkit.Download(w, "application/pdf", name+".pdf", data)
}

// ConsentForm handles GET /api/v1/subjects/{id}/consents/{consentId}/form?lang=kk|ru|en.
func (a *API) ConsentForm(w http.ResponseWriter, r *http.Request) error {
	doc, err := a.svc.ConsentForm(r.Context(), r.PathValue("id"), r.PathValue("consentId"), docLang(r))
	if err != nil {
		return err
	}
	return writePDF(w, "consent-"+r.PathValue("consentId"), doc)
}

// ConsentReceipt handles GET /api/v1/subjects/{id}/consents/{consentId}/receipt?lang=…&format=pdf|json.
func (a *API) ConsentReceipt(w http.ResponseWriter, r *http.Request) error {
	format := r.URL.Query().Get("format")
	if format != "" && format != "pdf" && format != "json" {
		return a.svc.Refuse(r.Context(), "consent.receipt", r.PathValue("id"), "", nil, derbes.Invalid("format", "format", "the format is pdf or json"))
	}
	pdfDoc, js, err := a.svc.ConsentReceipt(r.Context(), r.PathValue("id"), r.PathValue("consentId"), docLang(r))
	if err != nil {
		return err
	}
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write(js)
		return err
	}
	return writePDF(w, "consent-receipt-"+r.PathValue("consentId"), pdfDoc)
}

// AttachConsentScan handles PUT /api/v1/subjects/{id}/consents/{consentId}/scan:
// the raw bytes of the signed form's scan (PDF, JPEG or PNG).
func (a *API) AttachConsentScan(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, service.MaxScan+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = &derbes.Error{Code: derbes.ETooLarge, Field: "scan", Rule: "scan-too-large", Message: "the scan is larger than 10 MiB"}
		} else {
			err = derbes.Invalid("scan", "body-unreadable", "the request body could not be read")
		}
		return a.svc.Refuse(r.Context(), "consent.scan", id, "", nil, err)
	}
	digest, err := a.svc.AttachConsentScan(r.Context(), id, r.PathValue("consentId"), data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"sha256": digest})
}
