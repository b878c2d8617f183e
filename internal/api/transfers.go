package api

import (
	"net/http"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

type recipientBody struct {
	Kind      string            `json:"kind"`
	Names     map[string]string `json:"names"`
	Country   string            `json:"country"`
	RegNumber string            `json:"regNumber"`
	Channel   string            `json:"channel"`
	Contact   string            `json:"contact"`
}

// ListRecipients handles GET /api/v1/recipients.
func (a *API) ListRecipients(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.svc.Recipients(r.Context())
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []store.Recipient{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"recipients": rs})
}

// CreateRecipient handles POST /api/v1/recipients.
func (a *API) CreateRecipient(w http.ResponseWriter, r *http.Request) error {
	var b recipientBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "recipient.create", "", "", nil, err)
	}
	rec, err := a.svc.CreateRecipient(r.Context(), store.Recipient{Kind: b.Kind, Names: b.Names, Country: b.Country,
		RegNumber: b.RegNumber, Channel: b.Channel, Contact: b.Contact})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rec)
}

type transferBody struct {
	RecipientID string   `json:"recipientId"`
	Purpose     string   `json:"purpose"`
	Channel     string   `json:"channel"`
	Subjects    []string `json:"subjects"`
	Categories  []string `json:"categories"`
	Basis       string   `json:"basis"`
	BasisRef    string   `json:"basisRef,omitempty"`
}

// CreateTransfer handles POST /api/v1/transfers: the transfer is checked
// whole and registered; its package is fetched from …/package.
func (a *API) CreateTransfer(w http.ResponseWriter, r *http.Request) error {
	var b transferBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "transfer.send", "", "", nil, err)
	}
	res, err := a.svc.Transfer(r.Context(), service.TransferRequest{RecipientID: b.RecipientID, Purpose: b.Purpose, Channel: b.Channel,
		Subjects: b.Subjects, Categories: b.Categories, Basis: b.Basis, BasisRef: b.BasisRef})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/transfers/"+res.Transfer.ID+"/package")
	return writeJSON(w, http.StatusCreated, res)
}

// TransferPackage handles GET /api/v1/transfers/{id}/package: the signed zip.
func (a *API) TransferPackage(w http.ResponseWriter, r *http.Request) error {
	pkg, err := a.svc.TransferPackage(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "application/zip", "transfer-"+r.PathValue("id")+".zip", pkg)
}

// SubjectTransfers handles GET /api/v1/subjects/{id}/transfers?category=…:
// who received which version of what.
func (a *API) SubjectTransfers(w http.ResponseWriter, r *http.Request) error {
	got, err := a.svc.ReceivedBy(r.Context(), r.PathValue("id"), r.URL.Query().Get("category"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"received": got})
}

type authorityBody struct {
	RecipientID  string   `json:"recipientId"`
	Number       string   `json:"number"`
	Date         string   `json:"date"`
	Grounds      string   `json:"grounds"`
	Subjects     []string `json:"subjects"`
	Categories   []string `json:"categories"`
	Confidential bool     `json:"confidential"`
	ScanSHA256   string   `json:"scanSha256"`
}

// RegisterAuthorityRequest handles POST /api/v1/authority-requests.
func (a *API) RegisterAuthorityRequest(w http.ResponseWriter, r *http.Request) error {
	var b authorityBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "authority-request.register", "", "", nil, err)
	}
	req, err := a.svc.RegisterAuthorityRequest(r.Context(), service.AuthorityRequestInput{RecipientID: b.RecipientID, Number: b.Number,
		Date: b.Date, Grounds: b.Grounds, Subjects: b.Subjects, Categories: b.Categories, Confidential: b.Confidential, ScanSHA256: b.ScanSHA256})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, req)
}

type decisionBody struct {
	Approve *bool `json:"approve"`
}

// DecideAuthorityRequest handles POST /api/v1/authority-requests/{id}/decision.
func (a *API) DecideAuthorityRequest(w http.ResponseWriter, r *http.Request) error {
	var b decisionBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "authority-request.decide", "", "", nil, err)
	}
	if b.Approve == nil {
		return a.svc.Refuse(r.Context(), "authority-request.decide", "", "", nil, derbes.Invalid("approve", "required", "approve is true or false"))
	}
	if err := a.svc.DecideAuthorityRequest(r.Context(), r.PathValue("id"), *b.Approve); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type lifeHealthBody struct {
	RecipientID   string `json:"recipientId"`
	Justification string `json:"justification"`
}

// RecordLifeHealth handles POST /api/v1/subjects/{id}/life-health.
func (a *API) RecordLifeHealth(w http.ResponseWriter, r *http.Request) error {
	var b lifeHealthBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "life-health.record", r.PathValue("id"), "", nil, err)
	}
	id, err := a.svc.RecordLifeHealth(r.Context(), r.PathValue("id"), b.RecipientID, b.Justification)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

type blockBody struct {
	Category string `json:"category"`
	Reason   string `json:"reason"`
}

// BlockSubject handles POST /api/v1/subjects/{id}/blocks.
func (a *API) BlockSubject(w http.ResponseWriter, r *http.Request) error {
	var b blockBody
	if err := decode(w, r, &b); err != nil {
		return a.svc.Refuse(r.Context(), "subject.block", r.PathValue("id"), "", nil, err)
	}
	id, err := a.svc.Block(r.Context(), r.PathValue("id"), b.Category, b.Reason)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

// ListBlocks handles GET /api/v1/subjects/{id}/blocks.
func (a *API) ListBlocks(w http.ResponseWriter, r *http.Request) error {
	bs, err := a.svc.Blocks(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"blocks": bs})
}

// SendTransferNotices handles POST /api/v1/transfer-notices/send: tell
// subjects of transfers where their consent asks for it (Art. 19).
func (a *API) SendTransferNotices(w http.ResponseWriter, r *http.Request) error {
	res, err := a.svc.SendTransferNotices(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// UnblockSubject handles DELETE /api/v1/subjects/{id}/blocks/{blockId}.
func (a *API) UnblockSubject(w http.ResponseWriter, r *http.Request) error {
	if err := a.svc.Unblock(r.Context(), r.PathValue("id"), r.PathValue("blockId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
