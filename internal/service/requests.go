package service

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

//go:embed data/requests.json
var requestKindsJSON []byte

// RequestKind is a kind of subject request with its legal deadline in
// working days (R-RIGHTS-3), configured as data with its legal reference.
type RequestKind struct {
	Kind      string      `json:"kind"`
	Days      int         `json:"days"`
	Reference string      `json:"reference"`
	Label     derbes.Text `json:"label"`
}

// RequestKinds returns the request kinds (embedded data).
func RequestKinds() ([]RequestKind, error) {
	var ks []RequestKind
	if err := json.Unmarshal(requestKindsJSON, &ks); err != nil {
		return nil, fmt.Errorf("service: request kinds: %w", err)
	}
	for _, k := range ks {
		if k.Kind == "" || k.Days < 1 || k.Reference == "" {
			return nil, fmt.Errorf("service: request kind %q: needs a kind, days >= 1 and a legal reference", k.Kind)
		}
	}
	return ks, nil
}

// Request channels and statuses.
var (
	RequestChannels = []string{"portal", "paper", "email"}
	requestStatuses = []string{"open", "in-progress", "done", "refused"}
)

// NewRequest registers a subject's request: from the portal, or by staff
// from a paper letter or e-mail with the identity check recorded.
type NewRequest struct {
	Kind          string
	Channel       string
	Details       string // the subject's words: sealed, never logged
	IdentityCheck string // e.g. "ID card seen by staff:…"; required for paper and e-mail
}

// RequestView is a request as staff and the subject see it.
type RequestView struct {
	ID            string    `json:"id"`
	SubjectID     string    `json:"subjectId"`
	Kind          string    `json:"kind"`
	Channel       string    `json:"channel"`
	IdentityCheck string    `json:"identityCheck"`
	Details       string    `json:"details"`
	Status        string    `json:"status"`
	Assignee      string    `json:"assignee,omitempty"`
	ReceivedAt    time.Time `json:"receivedAt"`
	DueAt         time.Time `json:"dueAt"`
	Overdue       bool      `json:"overdue"`
	Escalated     bool      `json:"escalated"`
	Response      string    `json:"response,omitempty"`
}

func requestAD(id, field string) []byte { return vault.ValueAD(id, "request:"+field, "rights", 1) }

// OpenRequest registers a request and starts its legal clock: the due date
// is the end of the n-th working day after receipt on Kazakhstan's
// calendar (R-RIGHTS-2, R-RIGHTS-3).
// Errors: EInvalid (kind, channel, identity check, details), ENotFound, EForbidden.
func (s *Service) OpenRequest(ctx context.Context, subjectID string, in NewRequest) (*RequestView, error) {
	const action = "request.open"
	kinds, err := RequestKinds()
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(kinds, func(k RequestKind) bool { return k.Kind == in.Kind })
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, "rights"):
		err = s.denied(ctx, "", "your role may not register requests")
	case i < 0:
		err = derbes.Invalid("kind", "request-kind", "not a kind of request")
	case !slices.Contains(RequestChannels, in.Channel):
		err = derbes.Invalid("channel", "request-channel", "the channel is portal, paper or email")
	case in.Channel != "portal" && strings.TrimSpace(in.IdentityCheck) == "":
		err = derbes.Invalid("identityCheck", "identity-check-required", "a request by letter or e-mail records how the identity was checked")
	case len(in.Details) > 8000 || len(in.IdentityCheck) > 300 || checkText(in.IdentityCheck) != nil:
		err = derbes.Invalid("details", "text-length", "the text is too long")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, err)
	}
	now := s.now().UTC()
	r := store.RightsRequest{ID: newID(), SubjectID: subjectID, Kind: in.Kind, Channel: in.Channel, IdentityCheck: strings.TrimSpace(in.IdentityCheck),
		Status: "open", ReceivedAt: now.UnixMicro(), DueAt: s.cal.AddWorkingDays(now, kinds[i].Days).UnixMicro()}
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "rights", nil, derbes.OutcomeOK, in.Kind)
		e.Basis = "art9-10"
		if _, err := c.Subject(ctx, subjectID); err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		sk, err := s.purposeKey(ctx, c, subjectID, "rights")
		if err != nil {
			return nil, err
		}
		r.Details = sk.Seal([]byte(in.Details), requestAD(r.ID, "details"))
		if err := c.InsertRequest(ctx, r); err != nil {
			return nil, err
		}
		return []derbes.AuditEntry{e}, s.enqueueEvent(ctx, c, EventRequestOpened, subjectID, "request:"+r.ID)
	})
	if err != nil {
		return nil, err
	}
	return s.requestView(r, in.Details, ""), nil
}

func (s *Service) requestView(r store.RightsRequest, details, response string) *RequestView {
	due := time.UnixMicro(r.DueAt).UTC()
	open := r.Status == "open" || r.Status == "in-progress"
	return &RequestView{ID: r.ID, SubjectID: r.SubjectID, Kind: r.Kind, Channel: r.Channel, IdentityCheck: r.IdentityCheck,
		Details: details, Status: r.Status, Assignee: r.Assignee, ReceivedAt: time.UnixMicro(r.ReceivedAt).UTC(), DueAt: due,
		Overdue: open && s.now().After(due), Escalated: r.Escalated, Response: response}
}

// Requests lists the open requests sorted by deadline (subjectID empty),
// or one subject's requests, with their texts unsealed. Audited.
// Errors: EForbidden.
func (s *Service) Requests(ctx context.Context, subjectID string) ([]RequestView, error) {
	const action = "request.list"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActRead, "rights") {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, s.denied(ctx, "", "your role may not read requests"))
	}
	r := s.db.Read()
	rows, err := r.OpenRequests(ctx, subjectID, 500)
	if err != nil {
		return nil, err
	}
	out := []RequestView{}
	for _, row := range rows {
		details, response, err := s.unsealRequest(ctx, r, row)
		if gone, _ := r.Erased(ctx, row.SubjectID); gone {
			// The texts went with the subject's keys; the request record stays.
			details, response, err = "", "", nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *s.requestView(row, details, response))
	}
	return out, s.db.Audit(ctx, s.entry(ctx, action, subjectID, "rights", nil, derbes.OutcomeOK, ""))
}

func (s *Service) unsealRequest(ctx context.Context, r store.Conn, row store.RightsRequest) (string, string, error) {
	keys, err := r.SubjectKeys(ctx, row.SubjectID)
	if err != nil {
		return "", "", err
	}
	wk, ok := keys["rights"]
	if !ok {
		return "", "", errDecrypt
	}
	sk, err := s.kr.OpenSubjectKey("rights", row.SubjectID, wk.KeyVersion, wk.Wrapped)
	if err != nil {
		return "", "", err
	}
	details, err := sk.Open(row.Details, requestAD(row.ID, "details"))
	if err != nil {
		return "", "", errDecrypt
	}
	var response []byte
	if row.Response != nil {
		if response, err = sk.Open(row.Response, requestAD(row.ID, "response")); err != nil {
			return "", "", errDecrypt
		}
	}
	return string(details), string(response), nil
}

// UpdateRequest moves a request (assign it, put it in progress, close it
// as done or refused with the response). Closing records when.
// Errors: EInvalid (status, response), ENotFound, EConflict (closed), EForbidden.
func (s *Service) UpdateRequest(ctx context.Context, id, status, assignee, response string) error {
	const action = "request.update"
	var err error
	switch {
	case !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, "rights"):
		err = s.denied(ctx, "", "your role may not handle requests")
	case !slices.Contains(requestStatuses, status):
		err = derbes.Invalid("status", "request-status", "the status is open, in-progress, done or refused")
	case (status == "done" || status == "refused") && strings.TrimSpace(response) == "":
		err = derbes.Invalid("response", "required", "closing a request states the response")
	case len(response) > 8000 || len(assignee) > 100:
		err = derbes.Invalid("response", "text-length", "the text is too long")
	}
	if err != nil {
		return s.Refuse(ctx, action, "", "rights", nil, err)
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		r, err := c.RequestByID(ctx, id)
		if err != nil {
			return nil, err
		}
		e := s.entry(ctx, action, r.SubjectID, "rights", nil, derbes.OutcomeOK, status)
		e.Basis = "art9-10"
		if r.Status == "done" || r.Status == "refused" {
			err := &derbes.Error{Code: derbes.EConflict, Field: "status", Rule: "request-closed", Message: "the request is closed"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		r.Status = status
		if assignee != "" {
			r.Assignee = assignee
		}
		if status == "done" || status == "refused" {
			r.ClosedAt = sql.NullInt64{Int64: s.now().UnixMicro(), Valid: true}
			if gone, err := c.Erased(ctx, r.SubjectID); err != nil {
				return nil, err
			} else if !gone { // a destroyed subject's request closes without a sealed response
				sk, err := s.purposeKey(ctx, c, r.SubjectID, "rights")
				if err != nil {
					return nil, err
				}
				r.Response = sk.Seal([]byte(response), requestAD(r.ID, "response"))
			}
		}
		return []derbes.AuditEntry{e}, c.UpdateRequest(ctx, r)
	})
}

// EscalateOverdue marks every open request past its deadline as escalated
// to the responsible person (once each, audited) and returns how many are
// overdue: the overdue report (R-RIGHTS-3).
// Errors: EForbidden.
func (s *Service) EscalateOverdue(ctx context.Context) (int, error) {
	const action = "request.escalate"
	if !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActWrite, "rights") && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActAudit, "*") {
		return 0, s.Refuse(ctx, action, "", "rights", nil, s.denied(ctx, "", "your role may not escalate requests"))
	}
	rows, err := s.db.Read().OpenRequests(ctx, "", 10000)
	if err != nil {
		return 0, err
	}
	now := s.now().UnixMicro()
	overdue := 0
	for _, r := range rows {
		if r.DueAt >= now {
			continue
		}
		overdue++
		if r.Escalated {
			continue
		}
		r.Escalated = true
		err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
			e := s.entry(ctx, action, r.SubjectID, "rights", nil, derbes.OutcomeOK, r.Kind)
			return []derbes.AuditEntry{e}, c.UpdateRequest(ctx, r)
		})
		if err != nil {
			return overdue, err
		}
	}
	return overdue, nil
}
