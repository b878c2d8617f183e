// Package client is a Go client for derbes's REST API (/api/v1): what a
// website form or a CRM needs to create an applicant with their consent,
// find one by IIN, record a transfer, follow requests and verify webhook
// deliveries. It depends on the standard library only, so integrators can
// vendor it. derbes's own tests use it against a running server, which
// keeps it in step with the API (openapi.yaml is the contract).
package client

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one derbes server with one API token.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// New returns a client for the server at baseURL (e.g.
// "https://derbes.example.kz") with an API token from "derbes token issue".
// hc may be nil for a client with a 30-second timeout.
func New(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: hc}
}

// Problem is an RFC 9457 refusal: the field and the rule name what to fix.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail,omitempty"`
	Field     string `json:"field,omitempty"`
	Rule      string `json:"rule,omitempty"`
	RequestID string `json:"requestId,omitempty"`
}

func (p *Problem) Error() string {
	s := fmt.Sprintf("derbes: %d %s", p.Status, p.Title)
	if p.Field != "" || p.Rule != "" {
		s += fmt.Sprintf(" (field %q, rule %q)", p.Field, p.Rule)
	}
	return s
}

// AsProblem returns err's Problem, or nil when err is not a refusal.
func AsProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return nil
}

// Consent is a consent given with a create (Law 94-V Art. 8 p.4).
type Consent struct {
	Purposes    []string    `json:"purposes"`
	Categories  []string    `json:"categories,omitempty"`
	ThirdParty  bool        `json:"thirdParty,omitempty"`
	Recipients  []Recipient `json:"recipients,omitempty"`
	CrossBorder bool        `json:"crossBorder,omitempty"`
	Countries   []string    `json:"countries,omitempty"`
	Language    string      `json:"language,omitempty"`
	Form        string      `json:"form,omitempty"`
}

// Recipient names a third party in a consent: by registry id, or by kind
// and country.
type Recipient struct {
	ID      string `json:"id,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Country string `json:"country"`
}

// Source is where values came from.
type Source struct {
	Kind string `json:"kind"` // subject, staff, import, third-party
	Ref  string `json:"ref,omitempty"`
}

// NewSubject is a subject to create under a purpose.
type NewSubject struct {
	Kind        string   `json:"kind"`
	Citizenship string   `json:"citizenship"`
	Purpose     string   `json:"purpose"`
	Consent     *Consent `json:"consent,omitempty"`
	Source      Source   `json:"source"`
	// Values are category key → value: a string, or for a key-value
	// category ("other") a map[string]string.
	Values map[string]any `json:"values"`
}

// Value is a value as the purpose shows it (identifiers masked unless the
// purpose needs them whole).
type Value struct {
	Value        any    `json:"value"`
	Masked       bool   `json:"masked,omitempty"`
	Version      int    `json:"version"`
	CollectedFor string `json:"collectedFor"`
}

// Subject is what a purpose sees of a subject.
type Subject struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`
	Citizenship string           `json:"citizenship"`
	Purpose     string           `json:"purpose"`
	Basis       string           `json:"basis"`
	Values      map[string]Value `json:"values"`
}

// CreateSubject creates a subject with its values (and its consent) under
// a purpose: the basis is checked, every value validated, only the
// purpose's categories accepted.
func (c *Client) CreateSubject(ctx context.Context, in NewSubject) (*Subject, error) {
	var s Subject
	return &s, c.do(ctx, http.MethodPost, "/api/v1/subjects", in, &s)
}

// Subject reads a subject under a purpose.
func (c *Client) Subject(ctx context.Context, id, purpose string) (*Subject, error) {
	var s Subject
	return &s, c.do(ctx, http.MethodGet, "/api/v1/subjects/"+url.PathEscape(id)+"?purpose="+url.QueryEscape(purpose), nil, &s)
}

// Search finds subjects by an exact-match category (IIN, document number,
// phone, e-mail) under a purpose. The value travels in the body, never in
// a URL.
func (c *Client) Search(ctx context.Context, purpose, category, value string) ([]Subject, error) {
	var out struct {
		Subjects []Subject `json:"subjects"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/subjects/search", map[string]string{"purpose": purpose, "category": category, "value": value}, &out)
	return out.Subjects, err
}

// NewTransfer is a disclosure to a registered recipient.
type NewTransfer struct {
	RecipientID string   `json:"recipientId"`
	Purpose     string   `json:"purpose"`
	Channel     string   `json:"channel"`
	Subjects    []string `json:"subjects"`
	Categories  []string `json:"categories"`
	Basis       string   `json:"basis"` // consent, authority-request, life-health
	BasisRef    string   `json:"basisRef,omitempty"`
}

// Transfer is a registered transfer.
type Transfer struct {
	Transfer struct {
		ID          string `json:"id"`
		RecipientID string `json:"recipientId"`
		Purpose     string `json:"purpose"`
	} `json:"transfer"`
	Items []struct {
		SubjectID string `json:"subjectId"`
		Category  string `json:"category"`
		Version   int    `json:"version"`
	} `json:"items"`
}

// CreateTransfer checks every subject's basis and registers the transfer
// (R-TRANSFER-2/3); its signed package is at /api/v1/transfers/{id}/package.
func (c *Client) CreateTransfer(ctx context.Context, in NewTransfer) (*Transfer, error) {
	var t Transfer
	return &t, c.do(ctx, http.MethodPost, "/api/v1/transfers", in, &t)
}

// Recipient is a registry entry.
type RegistryRecipient struct {
	ID      string            `json:"id"`
	Kind    string            `json:"kind"`
	Names   map[string]string `json:"names"`
	Country string            `json:"country"`
	Active  bool              `json:"active"`
}

// Recipients lists the recipient registry.
func (c *Client) Recipients(ctx context.Context) ([]RegistryRecipient, error) {
	var out struct {
		Recipients []RegistryRecipient `json:"recipients"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/recipients", nil, &out)
	return out.Recipients, err
}

// VerifyWebhook checks a webhook delivery's X-Derbes-Signature against the
// webhook's secret, in constant time; maxAge bounds the X-Derbes-Timestamp
// (replays of old deliveries are refused).
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time, maxAge time.Duration) bool {
	ts := h.Get("X-Derbes-Timestamp")
	var sec int64
	if _, err := fmt.Sscan(ts, &sec); err != nil {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(h.Get("X-Derbes-Signature")))
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("derbes: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("derbes: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("derbes: %s %s: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("derbes: %w", err)
	}
	if resp.StatusCode >= 400 {
		p := &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		json.Unmarshal(data, p)
		return p
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("derbes: %s %s: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	return nil
}
