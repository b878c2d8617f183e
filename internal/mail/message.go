package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is one e-mail to one recipient. Its fields are personal data (an
// address, often a one-time code): Message redacts itself in logs, and no
// error of this package repeats them.
type Message struct {
	To      string // one address: "a@example.kz" or "Name <a@example.kz>"
	Subject string // UTF-8; sent Q-encoded
	Text    string // UTF-8 plain text; required
	HTML    string // optional UTF-8 HTML alternative
}

// LogValue implements slog.LogValuer: only the sizes of the fields are
// logged, never their content.
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("to_set", m.To != ""),
		slog.Int("subject_bytes", len(m.Subject)),
		slog.Int("text_bytes", len(m.Text)),
		slog.Int("html_bytes", len(m.HTML)),
	)
}

// Errors of a message that cannot be sent. Send returns them wrapped with
// the name of the offending field (never its value); test with errors.Is.
var (
	// ErrHeaderInjection: To or Subject contains CR or LF.
	ErrHeaderInjection = errors.New("mail: CR or LF in a header field refused")
	// ErrInvalidRecipient: To is not exactly one address, or its mailbox is
	// not ASCII (an internationalised domain must be given in punycode).
	ErrInvalidRecipient = errors.New("mail: recipient is not one valid ASCII address")
	// ErrEmptyBody: Text is empty.
	ErrEmptyBody = errors.New("mail: message text is empty")
)

// maxSubject bounds the subject so that its folded header stays sane.
const maxSubject = 500

// validate checks m and returns its parsed recipient.
func (m Message) validate() (*mail.Address, error) {
	if strings.ContainsAny(m.To, "\r\n") {
		return nil, fmt.Errorf("%w (To)", ErrHeaderInjection)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, fmt.Errorf("%w (Subject)", ErrHeaderInjection)
	}
	if len(m.Subject) > maxSubject {
		return nil, fmt.Errorf("mail: Subject longer than %d bytes", maxSubject)
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil || !isASCII(to.Address) {
		return nil, fmt.Errorf("%w (To)", ErrInvalidRecipient)
	}
	if m.Text == "" {
		return nil, ErrEmptyBody
	}
	return to, nil
}

// build renders m as an RFC 5322 message with CRLF line endings.
func build(from, to *mail.Address, m Message, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	h("From", from.String())
	h("To", to.String())
	h("Subject", encodeSubject(m.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", messageID(from.Address))
	h("MIME-Version", "1.0")
	h("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies, please

	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Text); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	mw := multipart.NewWriter(&b)
	// Folded, as the boundary alone is 60 characters; it is hex, so it
	// needs no quotes.
	h("Content-Type", "multipart/alternative;\r\n boundary="+mw.Boundary())
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{
		{"text/plain; charset=utf-8", m.Text}, // the least preferred first
		{"text/html; charset=utf-8", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeQP writes s quoted-printable with CRLF line breaks. The writer keeps
// every line under 76 characters and escapes every non-ASCII byte, so the
// message is 7-bit clean whatever the server's extensions.
func writeQP(w interface{ Write([]byte) (int, error) }, s string) error {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	qw := quotedprintable.NewWriter(w)
	if _, err := qw.Write([]byte(s)); err != nil {
		return err
	}
	return qw.Close()
}

// encodeSubject returns s as is when it is printable ASCII, and otherwise as
// RFC 2047 Q-encoded UTF-8 words, each on its own folded line, so that no
// header line grows past 78 characters. Words never split a character.
func encodeSubject(s string) string {
	if !needsEncoding(s) {
		return s
	}
	const prefix, suffix = "=?utf-8?q?", "?="
	const maxPayload = 78 - len("Subject: ") - len(prefix) - len(suffix)
	var words []string
	var word strings.Builder
	for _, r := range s {
		var enc strings.Builder
		for _, c := range []byte(string(r)) {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
				strings.IndexByte("!*+-/", c) >= 0:
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if word.Len()+enc.Len() > maxPayload {
			words = append(words, prefix+word.String()+suffix)
			word.Reset()
		}
		word.WriteString(enc.String())
	}
	words = append(words, prefix+word.String()+suffix)
	// Whitespace between encoded words is not part of the text (RFC 2047, 6.2).
	return strings.Join(words, "\r\n ")
}

// needsEncoding reports whether s has a byte outside printable ASCII, or
// something a decoder could mistake for an encoded word.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return true
		}
	}
	return strings.Contains(s, "=?")
}

// messageID returns a new globally unique "<random@domain>".
func messageID(fromAddr string) string {
	domain := fromAddr[strings.LastIndexByte(fromAddr, '@')+1:]
	var r [16]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
