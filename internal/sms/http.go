package sms

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sender sends one text message to one phone number. Implementations must
// honour ctx and must not put the number or the text in their errors or
// logs.
type Sender interface {
	Send(ctx context.Context, to, text string) error
}

// HTTP is a Sender that calls an HTTP gateway described by a Config. It is
// safe for concurrent use.
type HTTP struct {
	cfg    Config
	esc    escaper // for the body; nil without one
	client *http.Client
}

var _ Sender = (*HTTP)(nil)

// NewHTTP validates cfg and returns a sender using client; a nil client
// means one that does not follow redirects (a redirect would carry the
// number and text to another URL) and so reports them as errors. An
// invalid field is reported as a *ConfigError naming it.
func NewHTTP(cfg Config, client *http.Client) (*HTTP, error) {
	cfg, esc, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	return &HTTP{cfg: cfg, esc: esc, client: client}, nil
}

// Errors of a message that cannot be sent.
var (
	// ErrInvalidRecipient: the number is empty, longer than 32 bytes, or has
	// a character other than digits and a leading "+" (send E.164).
	ErrInvalidRecipient = errors.New("sms: recipient is not a phone number")
	// ErrInvalidText: the text is empty or not valid UTF-8.
	ErrInvalidText = errors.New("sms: text is empty or not UTF-8")
)

// Error is how a Send that reached for the gateway fails: with the HTTP
// status the gateway answered, or without one (Status 0) when the request
// did not complete. Cause (see Unwrap) is a network, TLS or context error,
// never the request URL or the response body, so
// errors.Is(err, context.DeadlineExceeded) works.
type Error struct {
	Status int // the gateway's HTTP status; 0 if it did not answer
	cause  error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return "sms: gateway replied " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	}
	return "sms: request failed: " + e.cause.Error()
}

// Unwrap returns the network, TLS or context error behind e, if any.
func (e *Error) Unwrap() error { return e.cause }

// Temporary reports whether trying again later may succeed: 408, 429, a 5xx,
// or a network failure or timeout without an answer.
func (e *Error) Temporary() bool {
	switch {
	case e.Status == http.StatusRequestTimeout, e.Status == http.StatusTooManyRequests:
		return true
	case e.Status != 0:
		return e.Status >= 500
	}
	var ne net.Error
	return errors.As(e.cause, &ne) || errors.Is(e.cause, context.DeadlineExceeded)
}

// Send sends text to the phone number to (E.164, e.g. "+77011234567"). A 2xx
// answer is success. It returns ErrInvalidRecipient or ErrInvalidText for
// input it refuses, and an *Error otherwise. The request ends at ctx's
// deadline or cancellation, or after Config.Timeout, whichever is first.
func (h *HTTP) Send(ctx context.Context, to, text string) error {
	if !validNumber(to) {
		return ErrInvalidRecipient
	}
	if text == "" || !utf8.ValidString(text) {
		return ErrInvalidText
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.Timeout)
	defer cancel()

	var body io.Reader
	if h.cfg.Body != "" {
		body = strings.NewReader(fill(h.cfg.Body, h.esc, to, text))
	}
	req, err := http.NewRequestWithContext(ctx, h.cfg.Method, fillURL(h.cfg.URL, to, text), body)
	if err != nil {
		// err would repeat the URL, number and text included.
		return &Error{cause: errors.New("building the request failed")}
	}
	if h.cfg.Body != "" {
		req.Header.Set("Content-Type", h.cfg.ContentType)
	}
	switch {
	case h.cfg.Token != "":
		req.Header.Set("Authorization", "Bearer "+h.cfg.Token)
	case h.cfg.Username != "":
		req.SetBasicAuth(h.cfg.Username, h.cfg.Password)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return &Error{cause: clean(ctx, err)}
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the body itself may
	// echo the text and is never kept.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Status: resp.StatusCode}
	}
	return nil
}

// clean strips the request URL (which holds the number and text) from a
// client error, and prefers the context's error when it has ended.
func clean(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func validNumber(to string) bool {
	if to == "" || len(to) > 32 {
		return false
	}
	for i, c := range to {
		if !(c >= '0' && c <= '9' || c == '+' && i == 0) {
			return false
		}
	}
	return strings.TrimPrefix(to, "+") != ""
}
