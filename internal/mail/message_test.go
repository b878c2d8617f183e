package mail

import (
	"bytes"
	"errors"
	"log/slog"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

const (
	kkSubject = "Растау коды: 123456 — ұмытпаңыз"
	kkText    = "Сәлеметсіз бе!\nРастау коды: 123456 — ұмытпаңыз.\nКод действителен 10 минут."
)

func mustAddr(t *testing.T, s string) *mail.Address {
	t.Helper()
	a, err := mail.ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// covers R-APPLY-2: the message is RFC 5322 and 7-bit clean, whatever the language.
func TestBuildIsSevenBitAndShortLined(t *testing.T) {
	long := strings.Repeat("Өтінішіңіз қабылданды. Заявление принято. ", 20)
	m := Message{To: "Әлия <aliya@example.kz>", Subject: long[:400], Text: long, HTML: "<p>" + long + "</p>"}
	raw, err := build(mustAddr(t, "derbes <noreply@operator.kz>"), mustAddr(t, m.To), m,
		time.Date(2026, 3, 25, 9, 0, 0, 0, time.FixedZone("", 5*3600)))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters long: %q", i, len(line), line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 || c == '\r' || c == '\n' {
				t.Fatalf("line %d has a raw byte %#x", i, c)
			}
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var wd mime.WordDecoder
	if got, _ := wd.DecodeHeader(msg.Header.Get("Subject")); got != long[:400] {
		t.Errorf("subject does not round-trip: %q", got)
	}
	if got := msg.Header.Get("Date"); got != "Wed, 25 Mar 2026 09:00:00 +0500" {
		t.Errorf("Date = %q", got)
	}
	if id := msg.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@operator.kz>") {
		t.Errorf("Message-ID = %q", id)
	}
	if got, _ := wd.DecodeHeader(msg.Header.Get("To")); got != "Әлия <aliya@example.kz>" {
		t.Errorf("To = %q", got)
	}
	if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative; boundary=") {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestEncodeSubject(t *testing.T) {
	for _, s := range []string{"", "Plain ASCII", kkSubject, strings.Repeat("ң", 100),
		"a =?utf-8?q?trick?= b", "tab\there", "a_b=c?d", strings.Repeat("x ", 100) + "ы"} {
		enc := encodeSubject(s)
		var wd mime.WordDecoder
		got, err := wd.DecodeHeader(strings.ReplaceAll(enc, "\r\n ", " "))
		if err != nil || got != s {
			t.Errorf("encodeSubject(%q) = %q, decodes to %q, %v", s, enc, got, err)
		}
		for _, line := range strings.Split("Subject: "+enc, "\r\n") {
			if len(line) > 78 && enc != s {
				t.Errorf("encodeSubject(%q): line %q longer than 78", s, line)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Message{To: "a@example.kz", Subject: kkSubject, Text: kkText}
	for _, tc := range []struct {
		name string
		edit func(*Message)
		want error
	}{
		{"ok", func(*Message) {}, nil},
		{"name and address", func(m *Message) { m.To = "Айгүл Серікқызы <a@example.kz>" }, nil},
		{"CRLF in To", func(m *Message) { m.To = "a@example.kz\r\nBcc: all@example.kz" }, ErrHeaderInjection},
		{"LF in To", func(m *Message) { m.To = "a@example.kz\nBcc: all@example.kz" }, ErrHeaderInjection},
		{"CR in Subject", func(m *Message) { m.Subject = "Код\rBcc: all@example.kz" }, ErrHeaderInjection},
		{"LF in Subject", func(m *Message) { m.Subject = "Код\nContent-Type: text/html" }, ErrHeaderInjection},
		{"two recipients", func(m *Message) { m.To = "a@example.kz, b@example.kz" }, ErrInvalidRecipient},
		{"no address", func(m *Message) { m.To = "Айгүл" }, ErrInvalidRecipient},
		{"empty To", func(m *Message) { m.To = "" }, ErrInvalidRecipient},
		{"non-ASCII mailbox", func(m *Message) { m.To = "айгүл@пошта.қаз" }, ErrInvalidRecipient},
		{"empty text", func(m *Message) { m.Text = "" }, ErrEmptyBody},
	} {
		m := ok
		tc.edit(&m)
		_, err := m.validate()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "example.kz") || strings.Contains(err.Error(), "123456")) {
			t.Errorf("%s: error %q repeats the message", tc.name, err)
		}
	}
}

func TestLogValueRedacts(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("send", "msg", Message{To: "aliya@example.kz", Subject: kkSubject, Text: kkText},
		"cfg", Config{Host: "smtp.example.kz", Username: "u", Password: "s3cret"})
	for _, secret := range []string{"aliya", "123456", "s3cret"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log %q contains %q", buf.String(), secret)
		}
	}
}

func TestNewSMTPNamesTheField(t *testing.T) {
	good := Config{Host: "smtp.example.kz", TLS: "starttls", From: "derbes <noreply@operator.kz>"}
	for _, tc := range []struct {
		field string
		edit  func(*Config)
	}{
		{"", func(*Config) {}},
		{"", func(c *Config) { c.TLS = ""; c.Port = 0 }},
		{"", func(c *Config) { c.Host = "127.0.0.1"; c.TLS = "none" }},
		{"", func(c *Config) { c.Host = "::1"; c.TLS = "none" }},
		{"Host", func(c *Config) { c.Host = "" }},
		{"Host", func(c *Config) { c.Host = "smtp.example.kz:587" }},
		{"TLS", func(c *Config) { c.TLS = "ssl" }},
		{"TLS", func(c *Config) { c.TLS = "none" }}, // not loopback
		{"Port", func(c *Config) { c.Port = 70000 }},
		{"Username", func(c *Config) { c.Password = "x" }},
		{"Username", func(c *Config) { c.Username = "u\r\nRCPT TO:<x@y>"; c.Password = "p" }},
		{"From", func(c *Config) { c.From = "" }},
		{"From", func(c *Config) { c.From = "noreply" }},
		{"From", func(c *Config) { c.From = "a@b.kz\r\nBcc: x@y.kz" }},
		{"HelloName", func(c *Config) { c.HelloName = "two words" }},
		{"Timeout", func(c *Config) { c.Timeout = -time.Second }},
	} {
		c := good
		tc.edit(&c)
		_, err := NewSMTP(c)
		var ce *ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: unexpected error %v", c, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
			t.Errorf("%+v: err = %v, want a ConfigError for %s", c, err, tc.field)
		}
	}
	s, err := NewSMTP(Config{Host: "smtp.example.kz", From: "noreply@operator.kz"})
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.TLS != TLSStartTLS || s.cfg.Port != 587 || s.cfg.Timeout != DefaultTimeout || s.cfg.HelloName != "localhost" {
		t.Errorf("defaults = %+v", s.cfg)
	}
}
