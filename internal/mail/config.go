// Package mail sends e-mail (one-time codes and notices to applicants,
// R-APPLY-2, R-RIGHTS-1) through a real SMTP submission server.
//
// The sender speaks SMTP with the standard library's net/smtp client over a
// connection it dials itself, so that the caller's context bounds the whole
// exchange. It builds a proper RFC 5322 / MIME message: a Q-encoded UTF-8
// subject, a quoted-printable UTF-8 text body (Kazakh and Russian text stays
// 7-bit clean on the wire), an optional HTML alternative, Date and
// Message-ID.
//
// A message holds a recipient's address and often a one-time code, so this
// package never logs, and its errors never carry the recipient, the subject,
// the body or the server's reply text (which may echo the recipient): an
// error names the stage that failed ("smtp dial", "smtp auth", "smtp rcpt",
// ...) and the server's reply code only. Whether a message may be sent at all
// (the consent for purpose P-4.2a) is the caller's decision, not this
// package's.
package mail

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"
)

// TLS modes of Config.TLS.
const (
	// TLSNone speaks plain SMTP. NewSMTP accepts it only for a loopback
	// host: it exists for tests against a local server.
	TLSNone = "none"
	// TLSStartTLS requires the server to offer STARTTLS and upgrades before
	// authenticating or sending anything (submission, port 587).
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (submissions, port 465).
	TLSImplicit = "tls"
)

// DefaultTimeout bounds one Send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config says how to reach the submission server. The zero value is not
// usable; NewSMTP validates it.
type Config struct {
	Host string // server host name or IP; also the name its certificate must carry
	Port int    // 0 means 587 for "starttls", 465 for "tls", 25 for "none"

	// TLS is "none" (plain, loopback hosts only: tests), "starttls"
	// (STARTTLS required) or "tls" (implicit TLS). Empty means "starttls".
	TLS string

	// Username and Password authenticate with AUTH PLAIN, only ever over
	// TLS (or to a loopback host). An empty Username sends no AUTH.
	Username, Password string

	// From is the author and envelope sender, an RFC 5322 address such as
	// "derbes <noreply@operator.kz>". Its domain also names Message-IDs.
	From string

	// HelloName is the name sent with EHLO; empty means "localhost".
	HelloName string

	// Timeout bounds one Send, from dialling to the server's acceptance of
	// the message, in addition to the caller's context. Zero means
	// DefaultTimeout.
	Timeout time.Duration

	// InsecureSkipVerify accepts any server certificate. For tests only.
	InsecureSkipVerify bool
}

// LogValue implements slog.LogValuer: the password never reaches a log.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host),
		slog.Int("port", c.Port),
		slog.String("tls", c.TLS),
		slog.String("username", c.Username),
		slog.Bool("password_set", c.Password != ""),
		slog.String("from", c.From),
		slog.Duration("timeout", c.Timeout),
		slog.Bool("insecure_skip_verify", c.InsecureSkipVerify),
	)
}

// ConfigError reports an invalid Config field. Its message names the field
// and never repeats a secret.
type ConfigError struct {
	Field  string // the Config field, e.g. "Host"
	Reason string
}

func (e *ConfigError) Error() string {
	return "mail: config " + e.Field + ": " + e.Reason
}

// normalize validates c and fills in its defaults. It returns the parsed
// From address too. Every error is a *ConfigError.
func (c Config) normalize() (Config, *mail.Address, error) {
	bad := func(field, reason string) (Config, *mail.Address, error) {
		return Config{}, nil, &ConfigError{Field: field, Reason: reason}
	}
	if c.Host == "" {
		return bad("Host", "must not be empty")
	}
	if strings.ContainsAny(c.Host, " \t\r\n/:") && net.ParseIP(c.Host) == nil {
		return bad("Host", "must be a host name or an IP address, without a port")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	switch c.TLS {
	case TLSNone:
		if !isLoopback(c.Host) {
			return bad("TLS", `"none" is allowed only for a loopback host`)
		}
	case TLSStartTLS, TLSImplicit:
	default:
		return bad("TLS", `must be "none", "starttls" or "tls"`)
	}
	if c.Port == 0 {
		c.Port = map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[c.TLS]
	}
	if c.Port < 1 || c.Port > 65535 {
		return bad("Port", "must be between 1 and 65535")
	}
	if c.Username == "" && c.Password != "" {
		return bad("Username", "must be set when Password is")
	}
	if strings.ContainsAny(c.Username+c.Password, "\x00\r\n") {
		return bad("Username", "credentials must not contain NUL, CR or LF")
	}
	if c.From == "" {
		return bad("From", "must not be empty")
	}
	if strings.ContainsAny(c.From, "\r\n") {
		return bad("From", "must not contain CR or LF")
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil || !isASCII(from.Address) {
		return bad("From", "must be one RFC 5322 address with an ASCII mailbox")
	}
	if c.HelloName == "" {
		c.HelloName = "localhost"
	}
	if strings.ContainsAny(c.HelloName, " \t\r\n") {
		return bad("HelloName", "must be one word")
	}
	if c.Timeout < 0 {
		return bad("Timeout", "must not be negative")
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c, from, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// addr returns host:port for dialling.
func (c Config) addr() string {
	return net.JoinHostPort(c.Host, fmt.Sprint(c.Port))
}
