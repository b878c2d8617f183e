// Package mailtest runs a real SMTP server for tests: real TCP on 127.0.0.1,
// a real SMTP dialogue (github.com/emersion/go-smtp), STARTTLS and implicit
// TLS with a self-signed certificate made at start, and AUTH PLAIN. It keeps
// every message it accepts, decoded (Q-encoded subject, quoted-printable and
// multipart bodies) so that a test can read a one-time code out of it.
//
// It is for tests only: it accepts mail for any recipient and delivers
// nothing.
package mailtest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/derbes-kz/derbes/internal/mail"
)

// Credentials the server accepts with AUTH PLAIN.
const (
	Username = "derbes-test"
	Password = "пароль-test-123" // non-ASCII on purpose
)

// Server is a running test SMTP server. Its methods are safe for concurrent
// use.
type Server struct {
	plain, tls *smtp.Server // the same backend on two listeners
	host       string
	port       int // plain SMTP, offers STARTTLS
	tlsPort    int // implicit TLS

	requireAuth bool
	noStartTLS  bool
	reject      map[string]bool

	mu       sync.Mutex
	msgs     []Received
	taken    map[int]bool  // indexes of msgs that WaitFor has returned
	arrived  chan struct{} // closed and replaced on every new message
	sessions int
}

// Option changes how Start configures the server.
type Option func(*Server)

// RequireAuth makes the server refuse MAIL FROM (530) before a successful
// AUTH.
func RequireAuth() Option { return func(s *Server) { s.requireAuth = true } }

// NoSTARTTLS makes the plain listener not offer STARTTLS, as a misconfigured
// or downgraded server would.
func NoSTARTTLS() Option { return func(s *Server) { s.noStartTLS = true } }

// RejectRecipients makes the server refuse RCPT TO for these addresses with
// 550 (case-insensitive).
func RejectRecipients(addrs ...string) Option {
	return func(s *Server) {
		for _, a := range addrs {
			s.reject[strings.ToLower(a)] = true
		}
	}
}

// Start starts a server on two ports of 127.0.0.1: plain SMTP that offers
// STARTTLS, and implicit TLS. It stops at t's cleanup. AUTH PLAIN accepts
// Username and Password, and is offered on plain connections too (for
// TLS "none" tests); unless RequireAuth is given, mail is accepted without
// AUTH. Start fails the test if the server cannot start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cert, err := selfSigned()
	if err != nil {
		t.Fatalf("mailtest: certificate: %v", err)
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	s := &Server{
		host:    "127.0.0.1",
		reject:  map[string]bool{},
		taken:   map[int]bool{},
		arrived: make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	plainL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	tlsL, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		plainL.Close()
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.port = plainL.Addr().(*net.TCPAddr).Port
	s.tlsPort = tlsL.Addr().(*net.TCPAddr).Port
	s.plain = s.newSMTPServer(tlsCfg)
	if s.noStartTLS {
		s.plain.TLSConfig = nil
	}
	s.tls = s.newSMTPServer(tlsCfg)

	var wg sync.WaitGroup
	wg.Go(func() { _ = s.plain.Serve(plainL) })
	wg.Go(func() { _ = s.tls.Serve(tls.NewListener(tlsL, tlsCfg)) })
	t.Cleanup(func() {
		// smtp.Server.Close closes only the listeners Serve has registered
		// so far, so a test that ends at once could leave Serve accepting:
		// close the listeners too.
		s.plain.Close()
		s.tls.Close()
		plainL.Close()
		tlsL.Close()
		wg.Wait()
	})
	return s
}

func (s *Server) newSMTPServer(tlsCfg *tls.Config) *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{srv: s}, nil
	}))
	srv.Domain = "mailtest.localhost"
	srv.TLSConfig = tlsCfg
	srv.AllowInsecureAuth = true // TLS "none" tests authenticate too
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = 10 << 20
	// The log would outlive the test; failures show up in the client.
	srv.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

// Addr returns the host and port of the plain SMTP listener, which offers
// STARTTLS.
func (s *Server) Addr() (host string, port int) { return s.host, s.port }

// TLSAddr returns the host and port of the implicit-TLS listener.
func (s *Server) TLSAddr() (host string, port int) { return s.host, s.tlsPort }

// Config returns a mail.Config for this server in "starttls" mode with the
// credentials it accepts. It skips certificate verification, the certificate
// being self-signed.
func (s *Server) Config() mail.Config { return s.ConfigFor(mail.TLSStartTLS) }

// ConfigFor returns a mail.Config for this server in the given TLS mode
// ("none", "starttls" or "tls"), with the credentials it accepts. Clear
// Username and Password to send without AUTH.
func (s *Server) ConfigFor(mode string) mail.Config {
	port := s.port
	if mode == mail.TLSImplicit {
		port = s.tlsPort
	}
	return mail.Config{
		Host:               s.host,
		Port:               port,
		TLS:                mode,
		Username:           Username,
		Password:           Password,
		From:               "derbes <noreply@operator.kz>",
		HelloName:          "derbes.test",
		Timeout:            10 * time.Second,
		InsecureSkipVerify: true,
	}
}

// Messages returns every message accepted so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Inbox returns the messages accepted so far for the envelope recipient to
// (case-insensitive), oldest first.
func (s *Server) Inbox(to string) []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Received
	for _, m := range s.msgs {
		if m.isFor(to) {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor returns the oldest message for the envelope recipient to that no
// earlier WaitFor returned, waiting up to timeout for it to arrive. So
// successive calls return successive messages (the first code, then the
// second). It fails the test at the timeout.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for i, m := range s.msgs {
			if !s.taken[i] && m.isFor(to) {
				s.taken[i] = true
				s.mu.Unlock()
				return m
			}
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("mailtest: no new message for %s within %v", to, timeout)
			return Received{}
		}
	}
}

// Sessions returns how many SMTP connections the server has accepted.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *Server) deliver(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// session is one SMTP transaction's state.
type session struct {
	srv  *Server
	auth string // the authenticated user, if any
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if identity != "" && identity != user {
			return smtp.ErrAuthFailed
		}
		if user != Username || pass != Password {
			return smtp.ErrAuthFailed
		}
		ss.auth = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.requireAuth && ss.auth == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.srv.reject[strings.ToLower(to)] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: "mailbox unavailable: " + to} // echoes the address, as real servers do
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec, err := decode(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "mailtest cannot decode the message: " + err.Error()}
	}
	rec.From, rec.To, rec.Auth = ss.from, append([]string(nil), ss.to...), ss.auth
	ss.srv.deliver(rec)
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }
