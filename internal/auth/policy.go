package auth

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
)

// Password length bounds, in runes (NIST SP 800-63B asks for at least 8 and
// for allowing at least 64; staff accounts reach personal data, so we ask for
// 12, and cap at 256 so a form cannot post megabytes into argon2).
const (
	minPasswordLen = 12
	maxPasswordLen = 256
)

// commonPasswords is one lower-case password a line, each at least
// minPasswordLen runes long (a shorter one is refused by length anyway).
// It is a hand-curated list of about 200 of the patterns that long leaked
// passwords follow: keyboard walks (Latin and Russian ЙЦУКЕН rows, and
// Russian words typed on a Latin layout), digit runs, "password"/"qwerty"
// plus digits or a year, and local names (Kazakhstan, Almaty, Astana…). It
// is not a measured ranking; a larger breach corpus can replace it without
// changing the code.
//
//go:embed common_passwords.txt
var commonPasswords string

// CheckPasswordPolicy reports whether password may be chosen as a new staff
// password. It returns nil, or a *derbes.Error with code EInvalid, field
// "password" and one of these rules:
//
//   - "password-length": fewer than 12 or more than 256 characters (runes);
//   - "password-common": the password is on the embedded list of common
//     passwords, compared case-insensitively.
//
// The message never contains the password. Existing passwords are not
// re-checked at sign-in: the policy applies when a password is set.
func CheckPasswordPolicy(password string) error {
	if n := utf8.RuneCountInString(password); n < minPasswordLen || n > maxPasswordLen {
		return derbes.Invalid("password", "password-length",
			"the password must be 12 to 256 characters long")
	}
	if isCommonPassword(password) {
		return derbes.Invalid("password", "password-common",
			"the password is one of the most common passwords; choose another")
	}
	return nil
}

func isCommonPassword(password string) bool {
	for line := range strings.Lines(commonPasswords) {
		if strings.EqualFold(strings.TrimSuffix(line, "\n"), password) {
			return true
		}
	}
	return false
}
