package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/mailtest"
)

// A one-time code message in Kazakh and Russian, with lines that SMTP must
// dot-stuff (a lone "." would otherwise end the DATA).
const (
	subject = "Растау коды: 123456 — ұмытпаңыз"
	text    = "Сәлеметсіз бе!\n\nРастау коды: 123456 — ұмытпаңыз.\nКод подтверждения: 123456.\n.\n..нүкте\n"
)

func newSender(t *testing.T, cfg mail.Config) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var code = regexp.MustCompile(`коды: (\d{6})`)

// covers R-APPLY-2, R-RIGHTS-1: a one-time code goes through a real SMTP
// server in every TLS mode, with and without AUTH, and reads back decoded.
func TestSendEveryMode(t *testing.T) {
	srv := mailtest.Start(t)
	for _, mode := range []string{mail.TLSNone, mail.TLSStartTLS, mail.TLSImplicit} {
		for _, auth := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/auth=%v", mode, auth), func(t *testing.T) {
				cfg := srv.ConfigFor(mode)
				if !auth {
					cfg.Username, cfg.Password = "", ""
				}
				to := fmt.Sprintf("applicant-%s-%v@example.kz", mode, auth)
				err := newSender(t, cfg).Send(context.Background(),
					mail.Message{To: "Әлия Серікқызы <" + to + ">", Subject: subject, Text: text})
				if err != nil {
					t.Fatal(err)
				}
				got := srv.WaitFor(t, to, 5*time.Second)
				if got.Subject != subject {
					t.Errorf("Subject = %q, want %q", got.Subject, subject)
				}
				if got.Text != text {
					t.Errorf("Text = %q, want %q", got.Text, text)
				}
				if m := code.FindStringSubmatch(got.Text); m == nil || m[1] != "123456" {
					t.Errorf("no code in %q", got.Text)
				}
				if got.From != "noreply@operator.kz" {
					t.Errorf("envelope From = %q", got.From)
				}
				if wantAuth := map[bool]string{true: mailtest.Username}[auth]; got.Auth != wantAuth {
					t.Errorf("authenticated as %q, want %q", got.Auth, wantAuth)
				}
				for _, h := range []string{"Date", "Message-ID", "MIME-Version", "From", "To"} {
					if got.Header.Get(h) == "" {
						t.Errorf("no %s header", h)
					}
				}
				if _, err := got.Header.Date(); err != nil {
					t.Errorf("Date: %v", err)
				}
				if ct := got.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
			})
		}
	}
}

// covers R-APPLY-2
func TestSendHTMLAlternative(t *testing.T) {
	srv := mailtest.Start(t)
	html := "<p>Растау коды: <b>123456</b> — ұмытпаңыз &amp; сақтаңыз</p>"
	err := newSender(t, srv.Config()).Send(context.Background(),
		mail.Message{To: "a@example.kz", Subject: subject, Text: text, HTML: html})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "a@example.kz", 5*time.Second)
	if got.Text != text || got.HTML != html+"\n" {
		t.Errorf("Text = %q\nHTML = %q", got.Text, got.HTML)
	}
	if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestSendConcurrently(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			to := fmt.Sprintf("user%d@example.kz", i)
			if err := s.Send(t.Context(), mail.Message{To: to, Subject: subject, Text: fmt.Sprint(i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for i := range 8 {
		if got := srv.WaitFor(t, fmt.Sprintf("user%d@example.kz", i), time.Second); got.Text != fmt.Sprint(i)+"\n" {
			t.Errorf("user%d got %q", i, got.Text)
		}
	}
}

// checkError asserts err is a *mail.Error at stage with code, and that it
// repeats nothing personal or secret.
func checkError(t *testing.T, err error, stage string, code int) *mail.Error {
	t.Helper()
	var me *mail.Error
	if !errors.As(err, &me) {
		t.Fatalf("err = %v (%T), want a *mail.Error", err, err)
	}
	if me.Stage != stage || me.Code != code {
		t.Errorf("err = %v, want stage %q code %d", err, stage, code)
	}
	for _, leak := range []string{"example.kz", "123456", "Растау", mailtest.Password, "mailbox unavailable"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q contains %q", err, leak)
		}
	}
	return me
}

func TestServerRefusals(t *testing.T) {
	srv := mailtest.Start(t, mailtest.RequireAuth(), mailtest.RejectRecipients("gone@example.kz"))
	msg := mail.Message{To: "a@example.kz", Subject: subject, Text: text}

	wrong := srv.Config()
	wrong.Password = "not-the-password"
	err := newSender(t, wrong).Send(t.Context(), msg)
	checkError(t, err, mail.StageAuth, 535)

	anon := srv.Config()
	anon.Username, anon.Password = "", ""
	err = newSender(t, anon).Send(t.Context(), msg)
	checkError(t, err, mail.StageMail, 502)

	msg.To = "gone@example.kz"
	err = newSender(t, srv.Config()).Send(t.Context(), msg)
	if me := checkError(t, err, mail.StageRcpt, 550); me.Temporary() {
		t.Error("a 550 is reported as temporary")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server accepted %d messages", n)
	}
}

func TestStartTLSIsRequired(t *testing.T) {
	srv := mailtest.Start(t, mailtest.NoSTARTTLS())
	err := newSender(t, srv.Config()).Send(t.Context(), mail.Message{To: "a@example.kz", Text: text})
	checkError(t, err, mail.StageStartTLS, 0)
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("sent without TLS: %d messages", n)
	}
}

func TestCertificateIsVerifiedByDefault(t *testing.T) {
	srv := mailtest.Start(t)
	for mode, stage := range map[string]string{mail.TLSStartTLS: mail.StageStartTLS, mail.TLSImplicit: mail.StageTLS} {
		cfg := srv.ConfigFor(mode)
		cfg.InsecureSkipVerify = false
		err := newSender(t, cfg).Send(t.Context(), mail.Message{To: "a@example.kz", Text: text})
		checkError(t, err, stage, 0)
		if !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: err = %v, want a certificate error", mode, err)
		}
	}
}

func TestHeaderInjectionRefused(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())
	for _, m := range []mail.Message{
		{To: "a@example.kz\r\nBcc: everyone@example.kz", Subject: subject, Text: text},
		{To: "a@example.kz", Subject: "Код\r\nBcc: everyone@example.kz", Text: text},
		{To: "a@example.kz", Subject: "Код\nContent-Type: text/html", Text: text},
	} {
		if err := s.Send(t.Context(), m); !errors.Is(err, mail.ErrHeaderInjection) {
			t.Errorf("Send(%q, %q) = %v, want ErrHeaderInjection", m.To, m.Subject, err)
		}
	}
	if n := srv.Sessions(); n != 0 {
		t.Errorf("%d connections made for refused messages", n)
	}
}

// blackHole accepts connections and never says a word, like a server that
// hangs; it returns its address.
func blackHole(t *testing.T) (string, int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "127.0.0.1", l.Addr().(*net.TCPAddr).Port
}

// covers R-APPLY-2: a dead or hung server costs the caller no more than its
// deadline.
func TestDeadServerWithinDeadline(t *testing.T) {
	srv := mailtest.Start(t)
	msg := mail.Message{To: "a@example.kz", Subject: subject, Text: text}

	hungHost, hungPort := blackHole(t)
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	for _, tc := range []struct {
		name    string
		port    int
		mode    string
		timeout time.Duration // Config.Timeout; the context's deadline is 300ms
		stage   string
		want    error
	}{
		{"hung, ctx deadline", hungPort, mail.TLSStartTLS, 0, mail.StageHello, context.DeadlineExceeded},
		{"hung, config timeout", hungPort, mail.TLSStartTLS, 200 * time.Millisecond, mail.StageHello, context.DeadlineExceeded},
		{"hung, implicit TLS", hungPort, mail.TLSImplicit, 0, mail.StageTLS, context.DeadlineExceeded},
		{"refused", closedPort, mail.TLSStartTLS, 0, mail.StageDial, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := srv.ConfigFor(tc.mode)
			cfg.Host, cfg.Port, cfg.Timeout = hungHost, tc.port, tc.timeout
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := newSender(t, cfg).Send(ctx, msg)
			if d := time.Since(start); d > time.Second {
				t.Errorf("Send took %v, past its deadline", d)
			}
			me := checkError(t, err, tc.stage, 0)
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if !me.Temporary() {
				t.Errorf("err = %v is not temporary", err)
			}
		})
	}
}

func TestCancelStopsSend(t *testing.T) {
	host, port := blackHole(t)
	cfg := mailtest.Start(t).Config()
	cfg.Host, cfg.Port = host, port
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := newSender(t, cfg).Send(ctx, mail.Message{To: "a@example.kz", Text: text})
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("err = %v after %v, want context.Canceled soon", err, time.Since(start))
	}
}
