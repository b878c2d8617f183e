package ident

import (
	"net/mail"
	"strings"
)

// Email normalises and validates an e-mail address: surrounding spaces are
// trimmed and the whole address lower-cased. Lower-casing the local part
// is wrong by the letter of RFC 5321 but right in practice: no mail
// provider a subject uses tells "Aigul@" from "aigul@", and two spellings
// must not become two subjects.
//
// The address must be bare (no display name, angle brackets, comments or
// quoted local part), have one "@", a local part of at most 64 bytes, a
// domain of dot-separated labels with at least one dot, and be at most
// 254 bytes long. Parsing is net/mail's, which also admits UTF-8 (RFC 6532)
// so that a domain under .қаз passes.
// Errors (*derbes.Error, EInvalid): "email-format". It returns the
// normalised address.
func Email(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 || strings.Count(s, "@") != 1 {
		return "", invalid("email-format", "not a plain e-mail address")
	}
	a, err := mail.ParseAddress(s)
	// Address must equal the input: net/mail also accepts "<a@b.kz>",
	// "a@b.kz (comment)" and quoted local parts, which it rewrites.
	if err != nil || a.Name != "" || a.Address != s {
		return "", invalid("email-format", "not a plain e-mail address")
	}
	local, domain, _ := strings.Cut(s, "@")
	if len(local) > 64 || !validDomain(domain) {
		return "", invalid("email-format", "the e-mail domain is not valid")
	}
	return s, nil
}

// validDomain checks what net/mail leaves open: a dot is required (no
// mail to a bare "localhost"), labels are 1–63 bytes, do not start or end
// with a hyphen, and hold no brackets (no address literals); the last
// label is not all digits, which rules out "a@10.0.0.1".
func validDomain(d string) bool {
	if !strings.Contains(d, ".") || strings.ContainsAny(d, "[]") {
		return false
	}
	for l := range strings.SplitSeq(d, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	return !allDigits(d[strings.LastIndexByte(d, '.')+1:])
}
