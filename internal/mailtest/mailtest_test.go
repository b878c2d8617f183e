package mailtest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// A message as another mail client would write it: a subject in two encoded
// words (one Q, one B), a quoted-printable text part and a base64 HTML part.
const multipartRaw = "From: a@example.kz\r\n" +
	"To: b@example.kz\r\n" +
	"Subject: =?utf-8?q?=D0=A0=D0=B0=D1=81=D1=82=D0=B0=D1=83_?=\r\n" +
	" =?utf-8?b?0LrQvtC00Ys=?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=\"xyz\"\r\n" +
	"\r\n" +
	"preamble\r\n" +
	"--xyz\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"=D2=B1=D0=BC=D1=8B=D1=82=D0=BF=D0=B0=D2=A3=D1=8B=D0=B7: 123456 a very long =\r\n" +
	"line=\r\n" +
	"\r\n" +
	"--xyz\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PGI+0rHQvNGL0YLQv9Cw0qPRi9C3PC9iPg==\r\n" +
	"--xyz--\r\n"

func TestDecode(t *testing.T) {
	r, err := decode([]byte(multipartRaw))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Растау коды"; r.Subject != want {
		t.Errorf("Subject = %q, want %q", r.Subject, want)
	}
	if want := "ұмытпаңыз: 123456 a very long line"; r.Text != want {
		t.Errorf("Text = %q, want %q", r.Text, want)
	}
	if want := "<b>ұмытпаңыз</b>"; r.HTML != want {
		t.Errorf("HTML = %q, want %q", r.HTML, want)
	}
}

func TestDecodeRefusesWhatClientsCannotShow(t *testing.T) {
	for name, raw := range map[string]string{
		"charset":  "Content-Type: text/plain; charset=koi8-r\r\n\r\nx\r\n",
		"encoding": "Content-Transfer-Encoding: uuencode\r\n\r\nx\r\n",
		"boundary": "Content-Type: multipart/alternative\r\n\r\nx\r\n",
		"word":     "Subject: =?x-unknown?q?abc?=\r\n\r\nx\r\n",
	} {
		if _, err := decode([]byte(raw)); err == nil {
			t.Errorf("%s: decode succeeded, want an error", name)
		}
	}
}

// send submits raw with go-smtp's client, which shares no code with
// internal/mail, so this tests the server on its own.
func send(t *testing.T, c *smtp.Client, from, to, raw string) error {
	t.Helper()
	defer c.Close()
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func addr(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }

var clientTLS = &tls.Config{InsecureSkipVerify: true}

func TestStartTLSAuthAndWaitFor(t *testing.T) {
	s := Start(t, RequireAuth())
	for i := range 2 {
		c, err := smtp.DialStartTLS(addr(s.Addr()), clientTLS)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Auth(sasl.NewPlainClient("", Username, Password)); err != nil {
			t.Fatal(err)
		}
		if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
			t.Fatal("STARTTLS did not complete")
		}
		raw := fmt.Sprintf("Subject: n%d\r\n\r\nbody %d\r\n", i, i)
		if err := send(t, c, "a@example.kz", "B@Example.kz", raw); err != nil {
			t.Fatal(err)
		}
	}
	// Successive WaitFor calls return successive messages; the address
	// matches case-insensitively.
	for i := range 2 {
		r := s.WaitFor(t, "b@example.kz", 5*time.Second)
		if r.Subject != fmt.Sprintf("n%d", i) || r.Auth != Username || r.From != "a@example.kz" {
			t.Errorf("message %d = %+v", i, r)
		}
	}
	if got := len(s.Inbox("b@example.kz")); got != 2 {
		t.Errorf("Inbox has %d messages, want 2", got)
	}
	if got := len(s.Messages()); got != 2 {
		t.Errorf("Messages has %d, want 2", got)
	}
}

func TestImplicitTLS(t *testing.T) {
	s := Start(t)
	c, err := smtp.DialTLS(addr(s.TLSAddr()), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "a@example.kz", "b@example.kz", multipartRaw); err != nil {
		t.Fatal(err)
	}
	if r := s.WaitFor(t, "b@example.kz", 5*time.Second); r.Subject != "Растау коды" || r.Auth != "" {
		t.Errorf("got %+v", r)
	}
}

func TestRefusals(t *testing.T) {
	s := Start(t, RequireAuth(), RejectRecipients("gone@example.kz"))
	code := func(err error) int {
		var se *smtp.SMTPError
		if !errors.As(err, &se) {
			t.Fatalf("error %v is not an SMTP reply", err)
		}
		return se.Code
	}

	c, err := smtp.DialStartTLS(addr(s.Addr()), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", Username, "wrong")); code(err) != 535 {
		t.Errorf("wrong password: %v, want 535", err)
	}
	if err := send(t, c, "a@example.kz", "b@example.kz", "\r\nx\r\n"); code(err) != 502 {
		t.Errorf("MAIL without AUTH: %v, want 502", err)
	}

	c, err = smtp.DialStartTLS(addr(s.Addr()), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", Username, Password)); err != nil {
		t.Fatal(err)
	}
	if err := send(t, c, "a@example.kz", "gone@example.kz", "\r\nx\r\n"); code(err) != 550 {
		t.Errorf("rejected recipient: %v, want 550", err)
	}

	c, err = smtp.DialStartTLS(addr(s.Addr()), clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", Username, Password)); err != nil {
		t.Fatal(err)
	}
	bad := "Content-Type: text/plain; charset=koi8-r\r\n\r\nx\r\n"
	if err := send(t, c, "a@example.kz", "b@example.kz", bad); code(err) != 554 {
		t.Errorf("undecodable message: %v, want 554", err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("server kept %d messages, want 0", n)
	}
}

func TestNoSTARTTLS(t *testing.T) {
	s := Start(t, NoSTARTTLS())
	c, err := smtp.Dial(addr(s.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered")
	}
	if !strings.Contains(fmt.Sprint(s.Config()), "starttls") {
		t.Error("Config is not in starttls mode")
	}
}
