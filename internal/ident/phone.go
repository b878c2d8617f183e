package ident

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// maxPhoneLen bounds the input before it reaches the parser: the longest
// E.164 number has 15 digits, and generous punctuation does not need more.
const maxPhoneLen = 40

// Phone parses a phone number as written in Kazakhstan ("+7 701 234 56 78",
// "8 (701) 234-56-78", "87012345678") or in international form with any
// country code, and returns it in E.164 with the region that issued it.
// Numbers without a country code are read as Kazakh.
//
// Under +7, which Kazakhstan shares with Russia, the region comes from
// libphonenumber's metadata: numbers starting 6 or 7 after +7 are "KZ",
// the rest "RU". Otherwise region is the ISO 3166-1 code of the country,
// or "" for non-geographic numbers (+800, +881…), which have none.
//
// Only digits, spaces, "+", "(", ")", "-" and "." are accepted: no letters
// (vanity numbers), no extensions, nothing the E.164 form would silently
// drop. The number must be valid for its region, not just well-formed,
// and at most 15 digits long as E.164 requires.
// Errors (*derbes.Error, EInvalid): "phone-format".
func Phone(s string) (e164 string, region string, err error) {
	if len(s) > maxPhoneLen || !phoneChars(s) {
		return "", "", invalid("phone-format", "a phone number has digits, spaces, +, (, ), - and . only")
	}
	n, perr := phonenumbers.Parse(s, "KZ")
	if perr != nil || !phonenumbers.IsValidNumber(n) || n.GetExtension() != "" {
		return "", "", invalid("phone-format", "not a valid phone number")
	}
	e164 = phonenumbers.Format(n, phonenumbers.E164)
	// libphonenumber's metadata admits some German numbers of 16+ digits;
	// E.164 (ITU-T) caps a number at 15 digits after the "+".
	if len(e164) > 16 {
		return "", "", invalid("phone-format", "not a valid phone number")
	}
	region = phonenumbers.GetRegionCodeForNumber(n)
	if region == "001" || region == "ZZ" {
		region = "" // libphonenumber's codes for "no country"
	}
	return e164, region, nil
}

// phoneChars reports whether s has at least one digit and only the
// characters people write phone numbers with. A "+" may only lead.
func phoneChars(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
		case c == ' ', c == '(', c == ')', c == '-', c == '.':
		case c == '+':
			if strings.TrimLeft(s[:i], " ") != "" {
				return false
			}
		default:
			return false
		}
	}
	return digits > 0
}
