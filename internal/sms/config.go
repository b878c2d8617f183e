// Package sms sends text messages (one-time codes and notices, R-APPLY-2,
// R-RIGHTS-1) through a generic HTTP gateway: most SMS providers take a GET
// with the number and the text in the query, or a POST with a JSON or form
// body, and a Config template describes either shape without code.
//
// Values are escaped for where the template puts them (a query, a path, a
// JSON string, a form, XML), in one pass, so that neither a number nor a text
// can change the shape of the request. A number and a text are personal data
// and often a one-time code: this package never logs, and its errors never
// carry them (nor the request URL, which holds them), only the gateway's HTTP
// status. Whether a message may be sent at all (the consent for P-4.2a) is
// the caller's decision.
package sms

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"mime"
	"net"
	"net/url"
	"strings"
	"time"
)

// Placeholders of the URL and Body templates.
const (
	PlaceholderTo   = "{to}"
	PlaceholderText = "{text}"
)

// DefaultTimeout bounds one Send when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config describes the gateway's request. NewHTTP validates it.
type Config struct {
	// URL is the request URL, a template for GET, e.g.
	// "https://gw.example/send?to={to}&text={text}". Placeholders in the
	// query are query-escaped, in the path path-escaped; they may not be in
	// the scheme or host. The scheme is https, or http for a loopback host
	// (tests).
	URL string
	// Method is "GET" or "POST"; empty means POST when Body is set and GET
	// otherwise.
	Method string
	// Body is the POST body template, e.g.
	// `{"phone":"{to}","message":"{text}"}`. Values are escaped as the
	// ContentType requires: JSON string escaping (the placeholders must sit
	// inside JSON strings), form escaping, XML escaping, or none for
	// text/plain.
	Body string
	// ContentType of the body: application/json (or any +json),
	// application/x-www-form-urlencoded, application/xml, text/xml (or any
	// +xml), or text/plain. Required with Body.
	ContentType string
	// Username and Password send HTTP basic authentication; Token sends
	// "Authorization: Bearer". At most one of the two.
	Username, Password string
	Token              string
	// Timeout bounds one Send, in addition to the caller's context. Zero
	// means DefaultTimeout.
	Timeout time.Duration
}

// LogValue implements slog.LogValuer: only the gateway's scheme and host are
// logged (a URL may carry an API key), and no secret.
func (c Config) LogValue() slog.Value {
	host := ""
	if u, err := url.Parse(c.URL); err == nil {
		host = u.Scheme + "://" + u.Host
	}
	return slog.GroupValue(
		slog.String("gateway", host),
		slog.String("method", c.Method),
		slog.String("content_type", c.ContentType),
		slog.Bool("basic_auth", c.Username != ""),
		slog.Bool("token_set", c.Token != ""),
		slog.Duration("timeout", c.Timeout),
	)
}

// ConfigError reports an invalid Config field. Its message names the field
// and never repeats a secret.
type ConfigError struct {
	Field  string // the Config field, e.g. "URL"
	Reason string
}

func (e *ConfigError) Error() string { return "sms: config " + e.Field + ": " + e.Reason }

// escaper escapes a value for one context.
type escaper func(string) string

// normalize validates c, fills in its defaults and returns the body escaper.
// Every error is a *ConfigError.
func (c Config) normalize() (Config, escaper, error) {
	bad := func(field, reason string) (Config, escaper, error) {
		return Config{}, nil, &ConfigError{Field: field, Reason: reason}
	}
	if err := checkURL(c.URL); err != "" {
		return bad("URL", err)
	}
	c.Method = strings.ToUpper(c.Method)
	if c.Method == "" {
		c.Method = map[bool]string{true: "POST", false: "GET"}[c.Body != ""]
	}
	if c.Method != "GET" && c.Method != "POST" {
		return bad("Method", `must be "GET" or "POST"`)
	}
	if c.Method == "GET" && c.Body != "" {
		return bad("Body", "must be empty for GET")
	}
	var esc escaper
	if c.Body != "" {
		var reason string
		if esc, reason = bodyEscaper(c.ContentType); reason != "" {
			return bad("ContentType", reason)
		}
		if esc == nil {
			return bad("ContentType", "must be set when Body is")
		}
		if strings.HasSuffix(mediaType(c.ContentType), "json") && !validJSONTemplate(c.Body) {
			return bad("Body", "must be JSON with each placeholder inside a string")
		}
	}
	for _, p := range []string{PlaceholderTo, PlaceholderText} {
		if !strings.Contains(c.URL, p) && !strings.Contains(c.Body, p) {
			return bad("URL", "the URL or the Body must contain "+p)
		}
	}
	if strings.ContainsAny(c.Username+c.Password+c.Token+c.ContentType, "\x00\r\n") {
		return bad("Token", "credentials and ContentType must not contain NUL, CR or LF")
	}
	if c.Password != "" && c.Username == "" {
		return bad("Username", "must be set when Password is")
	}
	if c.Token != "" && c.Username != "" {
		return bad("Token", "set either Username and Password or Token, not both")
	}
	if c.Timeout < 0 {
		return bad("Timeout", "must not be negative")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c, esc, nil
}

// checkURL returns why the URL template is unusable, or "".
func checkURL(tmpl string) string {
	if tmpl == "" {
		return "must not be empty"
	}
	u, err := url.Parse(fillURL(tmpl, "0", "x"))
	if err != nil {
		return "is not a valid URL" // err would repeat the URL
	}
	if u.Host == "" {
		return "must have a host"
	}
	if i := strings.Index(tmpl, "://"); i >= 0 {
		rest := tmpl[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		if strings.Contains(rest, "{") {
			return "placeholders must not be in the host"
		}
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "must be https (http only for a loopback host)"
		}
	default:
		return "must be https"
	}
	return ""
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

// bodyEscaper returns the escaper for a content type, nil for an empty one,
// or why the type is refused.
func bodyEscaper(contentType string) (escaper, string) {
	if contentType == "" {
		return nil, ""
	}
	mt := mediaType(contentType)
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return jsonString, ""
	case mt == "application/x-www-form-urlencoded":
		return url.QueryEscape, ""
	case mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml"):
		return xmlText, ""
	case mt == "text/plain":
		return func(s string) string { return s }, ""
	}
	return nil, "must be a JSON, form, XML or text/plain media type"
}

// jsonString escapes s for the inside of a JSON string literal.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// xmlText escapes s for XML character data and attribute values.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// validJSONTemplate reports whether body stays valid JSON with values that
// hold a quote: true only if every placeholder sits inside a string.
func validJSONTemplate(body string) bool {
	return json.Valid([]byte(fill(body, jsonString, `"1"`, `"1"`)))
}

// fill substitutes the placeholders in one pass, so a value that contains a
// placeholder is not expanded again.
func fill(tmpl string, esc escaper, to, text string) string {
	return strings.NewReplacer(PlaceholderTo, esc(to), PlaceholderText, esc(text)).Replace(tmpl)
}

// fillURL substitutes the placeholders of a URL template: path-escaped before
// the query, query-escaped in it.
func fillURL(tmpl, to, text string) string {
	path, query, hasQuery := strings.Cut(tmpl, "?")
	out := fill(path, url.PathEscape, to, text)
	if hasQuery {
		out += "?" + fill(query, url.QueryEscape, to, text)
	}
	return out
}
