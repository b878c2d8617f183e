package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"time"
)

// Sender sends one message. Implementations must honour ctx and must not
// put the recipient or the content of m in their errors or logs.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTP is a Sender that submits each message over a new SMTP connection. It
// is safe for concurrent use.
type SMTP struct {
	cfg  Config
	from *mail.Address
	now  func() time.Time
}

var _ Sender = (*SMTP)(nil)

// NewSMTP validates cfg and returns a sender. It does not connect. An
// invalid field is reported as a *ConfigError naming it.
func NewSMTP(cfg Config) (*SMTP, error) {
	cfg, from, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	return &SMTP{cfg: cfg, from: from, now: time.Now}, nil
}

// Stages of an SMTP exchange, as reported in Error.Stage.
const (
	StageDial     = "smtp dial"     // TCP connect
	StageTLS      = "smtp tls"      // the handshake of implicit TLS ("tls")
	StageHello    = "smtp hello"    // greeting and EHLO
	StageStartTLS = "smtp starttls" // STARTTLS missing, refused, or its handshake failed
	StageAuth     = "smtp auth"
	StageMail     = "smtp mail" // MAIL FROM
	StageRcpt     = "smtp rcpt" // RCPT TO
	StageData     = "smtp data" // DATA, the content, and the final reply
)

// Error is how a Send that reached the network fails. It names the stage and
// the server's reply code, and nothing else the server said: replies may
// echo the recipient. Cause (see Unwrap) is a network, TLS or context error,
// never a server reply, so errors.Is(err, context.DeadlineExceeded) works.
type Error struct {
	Stage string // one of the Stage constants
	Code  int    // the server's SMTP reply code; 0 if it did not reply
	cause error
}

func (e *Error) Error() string {
	s := "mail: " + e.Stage
	if e.Code != 0 {
		s += ": server replied " + strconv.Itoa(e.Code)
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the network, TLS or context error behind e, if any.
func (e *Error) Unwrap() error { return e.cause }

// Temporary reports whether trying again later may succeed: a 4xx reply, or
// a network failure or timeout without a reply.
func (e *Error) Temporary() bool {
	if e.Code != 0 {
		return e.Code >= 400 && e.Code < 500
	}
	var ne net.Error
	return errors.As(e.cause, &ne) || errors.Is(e.cause, context.DeadlineExceeded)
}

// Send submits m. It returns ErrHeaderInjection, ErrInvalidRecipient or
// ErrEmptyBody (wrapped, naming the field) for a message it refuses to build,
// and an *Error naming the stage for a failure on the way to the server. The
// exchange ends at ctx's deadline or cancellation, or after Config.Timeout,
// whichever comes first. A message the server has accepted is not reported as
// failed even if the connection then breaks, so a retry never duplicates it.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	to, err := m.validate()
	if err != nil {
		return err
	}
	raw, err := build(s.from, to, m, s.now())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.cfg.addr())
	if err != nil {
		return s.fail(ctx, StageDial, err)
	}
	defer conn.Close()
	// net/smtp never touches deadlines, so the context's deadline holds for
	// every read and write; cancellation closes the connection.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	return s.exchange(ctx, conn, to.Address, raw)
}

// exchange runs the SMTP dialogue on conn.
func (s *SMTP) exchange(ctx context.Context, conn net.Conn, rcpt string, raw []byte) error {
	tlsCfg := &tls.Config{
		ServerName:         s.cfg.Host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: s.cfg.InsecureSkipVerify,
	}
	var nc net.Conn = conn
	if s.cfg.TLS == TLSImplicit {
		tc := tls.Client(conn, tlsCfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return s.fail(ctx, StageTLS, err)
		}
		nc = tc
	}
	c, err := smtp.NewClient(nc, s.cfg.Host) // reads the greeting
	if err != nil {
		return s.fail(ctx, StageHello, err)
	}
	defer c.Close()
	if err := c.Hello(s.cfg.HelloName); err != nil {
		return s.fail(ctx, StageHello, err)
	}
	if s.cfg.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return s.fail(ctx, StageStartTLS, errors.New("server does not offer STARTTLS"))
		}
		if err := c.StartTLS(tlsCfg); err != nil { // handshakes and says EHLO again
			return s.fail(ctx, StageStartTLS, err)
		}
	}
	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return s.fail(ctx, StageAuth, errors.New("server does not offer AUTH"))
		}
		// PlainAuth itself refuses to send the password over a connection
		// that is neither TLS nor to a loopback host.
		a := smtp.PlainAuth("", s.cfg.Username, s.cfg.Password, s.cfg.Host)
		if err := c.Auth(a); err != nil {
			return s.fail(ctx, StageAuth, err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return s.fail(ctx, StageMail, err)
	}
	if err := c.Rcpt(rcpt); err != nil {
		return s.fail(ctx, StageRcpt, err)
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(ctx, StageData, err)
	}
	if _, err := w.Write(raw); err != nil {
		return s.fail(ctx, StageData, err)
	}
	if err := w.Close(); err != nil { // reads the server's verdict
		return s.fail(ctx, StageData, err)
	}
	_ = c.Quit() // the message is accepted; a failed QUIT changes nothing
	return nil
}

// fail wraps err for stage, keeping the server's reply code and dropping its
// text. When the context has ended, its error is the cause, as the network
// error is only a symptom of it.
func (s *SMTP) fail(ctx context.Context, stage string, err error) error {
	e := &Error{Stage: stage}
	var perr *textproto.Error
	var proto textproto.ProtocolError
	switch {
	case ctx.Err() != nil:
		e.cause = context.Cause(ctx)
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The only deadline on the connection is the context's.
		e.cause = context.DeadlineExceeded
	case errors.As(err, &perr):
		e.Code = perr.Code // perr.Msg is the server's text: dropped
	case errors.As(err, &proto):
		e.cause = errors.New("malformed server reply")
	default:
		e.cause = err
	}
	return e
}
