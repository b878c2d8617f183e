package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CheckLoopback refuses a target that is not derbes on this machine: the
// URL must be http or https with host 127.0.0.1, ::1 or localhost. A load
// generator pointed elsewhere would be an attack on someone's server, and
// W writes synthetic people into whatever database it reaches.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("bench: --url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("bench: --url %q: scheme must be http or https", raw)
	}
	switch u.Hostname() {
	case "127.0.0.1", "::1", "localhost":
		return nil
	}
	return fmt.Errorf("bench: --url %q: the bench only targets loopback (127.0.0.1, ::1 or localhost)", raw)
}

// newClient returns an HTTP client for clients concurrent loops: one kept-
// alive connection each, no redirects, and a dialer that refuses any
// connection whose far end is not a loopback address (so that "localhost"
// resolving elsewhere cannot escape CheckLoopback).
func newClient(clients int) (*http.Client, *http.Transport) {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if ta, ok := c.RemoteAddr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
				c.Close()
				return nil, fmt.Errorf("bench: %s is not a loopback address", c.RemoteAddr())
			}
			return c, nil
		},
		MaxIdleConns:          clients + 4,
		MaxIdleConnsPerHost:   clients + 4, // the clients, plus the audit reads
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ResponseHeaderTimeout: 60 * time.Second,
	}
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, tr
}

// target is a derbes server and the token to call it with.
type target struct {
	base  string
	token string
	hc    *http.Client
}

// do sends one request and returns the status and the whole body: the body
// is read to the end so that the connection is reused, and the latency the
// caller measures around do includes it.
func (t *target) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// problem is the part of an RFC 9457 problem document a report may show:
// never the detail, which could one day echo input.
type problem struct {
	Field string `json:"field"`
	Rule  string `json:"rule"`
}

// describe says what went wrong with a response, by status, rule and field
// name; it never includes a value.
func describe(status int, body []byte) string {
	var p problem
	if json.Unmarshal(body, &p) == nil && p.Rule != "" {
		if p.Field != "" {
			return fmt.Sprintf("%d %s (%s)", status, p.Rule, p.Field)
		}
		return fmt.Sprintf("%d %s", status, p.Rule)
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

// transportError describes a failed round trip without the request.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "transport: " + err.Error()
}

// subjectShape is what the bench checks of a returned subject.
type subjectShape struct {
	ID     string                     `json:"id"`
	Values map[string]json.RawMessage `json:"values"`
}

// checkCreate returns "" when a create response is the expected 201 with
// the applicant's 15 values, or what was wrong.
func checkCreate(status int, body []byte) string {
	if status != http.StatusCreated {
		return describe(status, body)
	}
	var s subjectShape
	if err := json.Unmarshal(body, &s); err != nil || s.ID == "" {
		return "201 with an unreadable subject"
	}
	if n := len(s.Values); n != len(Categories()) {
		return fmt.Sprintf("201 with %d values, want %d", n, len(Categories()))
	}
	return ""
}

// checkSearch returns "" when a search response is the expected 200 with
// exactly one subject holding the 15 values, or what was wrong.
func checkSearch(status int, body []byte) string {
	if status != http.StatusOK {
		return describe(status, body)
	}
	var r struct {
		Subjects []subjectShape `json:"subjects"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "200 with an unreadable result"
	}
	if len(r.Subjects) != 1 {
		return fmt.Sprintf("200 with %d subjects, want 1", len(r.Subjects))
	}
	if n := len(r.Subjects[0].Values); n != len(Categories()) {
		return fmt.Sprintf("200 with %d values, want %d", n, len(Categories()))
	}
	return ""
}

// auditHead returns the seq of the newest audit entry, through
// GET /api/v1/audit?limit=1. derbes reads the trail before it audits the
// read, so the answer does not count this read's own entry: the next head
// will.
func (t *target) auditHead(ctx context.Context) (int64, error) {
	status, body, err := t.do(ctx, http.MethodGet, "/api/v1/audit?limit=1", nil)
	if err != nil {
		return 0, fmt.Errorf("bench: reading the audit head: %s", transportError(err))
	}
	if status != http.StatusOK {
		msg := describe(status, body)
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			msg += ": the bench needs a token whose role may read the audit trail and read and write under " + Purpose + " (e.g. " + "responsible-person)"
		}
		return 0, fmt.Errorf("bench: reading the audit head: %s", msg)
	}
	var r struct {
		Entries []struct {
			Seq int64 `json:"seq"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, fmt.Errorf("bench: reading the audit head: %w", err)
	}
	if len(r.Entries) == 0 {
		return 0, nil
	}
	return r.Entries[0].Seq, nil
}

// trimBase normalises a base URL: no trailing slash.
func trimBase(raw string) string { return strings.TrimRight(raw, "/") }
