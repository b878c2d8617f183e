package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	stdmail "net/mail"
	"net/textproto"
	"strings"
)

// Received is one message the server accepted.
type Received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Auth string   // the user that authenticated with AUTH PLAIN; "" if none
	Raw  []byte   // the message exactly as received (CRLF line endings)

	Header  stdmail.Header // the header fields, undecoded
	Subject string         // the Subject, decoded from RFC 2047 words
	Text    string         // the text/plain body (of a multipart, the first), decoded, "\n" line breaks
	HTML    string         // the text/html body, if any, decoded, "\n" line breaks
}

func (r Received) isFor(to string) bool {
	for _, a := range r.To {
		if strings.EqualFold(a, to) {
			return true
		}
	}
	return false
}

// decode parses raw as an RFC 5322 message and decodes its subject and
// bodies. It fails on anything a mail client could not display correctly:
// a bad encoded word, an unknown transfer encoding or charset, a broken
// multipart structure, a body that does not decode.
func decode(raw []byte) (Received, error) {
	msg, err := stdmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Received{}, fmt.Errorf("header: %w", err)
	}
	var wd mime.WordDecoder
	subject, err := wd.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Received{}, fmt.Errorf("subject: %w", err)
	}
	r := Received{Raw: raw, Header: msg.Header, Subject: subject}
	h := textproto.MIMEHeader(msg.Header)
	if err := r.decodePart(h, msg.Body, 0); err != nil {
		return Received{}, err
	}
	return r, nil
}

// decodePart decodes one MIME entity into r, descending into multiparts.
func (r *Received) decodePart(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > 5 {
		return errors.New("multipart nested too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii" // RFC 2045, 5.2
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content-type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		if params["boundary"] == "" {
			return errors.New("multipart without boundary")
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart() // raw: we decode transfer encodings ourselves
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := r.decodePart(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil // attachments and the like are kept in Raw only
	}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "utf-8", "us-ascii":
	default:
		return fmt.Errorf("charset %q not supported", cs)
	}
	text, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	switch {
	case mediaType == "text/plain" && r.Text == "":
		r.Text = text
	case mediaType == "text/html" && r.HTML == "":
		r.HTML = text
	}
	return nil
}

// decodeBody undoes a Content-Transfer-Encoding and normalises line breaks.
func decodeBody(cte string, body io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("content-transfer-encoding %q not supported", cte)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", fmt.Errorf("body (%s): %w", cte, err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}
