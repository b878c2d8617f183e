package ident

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Name normalises and validates a person's full name as it is to be
// stored and shown: NFC-normalised (so "ә" typed as one code point or as
// a + combining mark is one spelling), trimmed, runs of white space
// collapsed to one space, and the typographic apostrophe "’" written as
// "'". Case is preserved: "МакДональд" is not "Макдональд".
//
// The name must be 2 to 200 characters of letters in any script
// (Kazakh ә ғ қ ң ө ұ ү һ і included), combining marks that follow a
// letter, spaces, hyphens, apostrophes and dots, with at least one letter.
// Errors (*derbes.Error, EInvalid): "name-format". It returns the
// canonical form.
func Name(s string) (string, error) {
	n := canonicalName(s)
	if c := utf8.RuneCountInString(n); c < 2 || c > 200 {
		return "", invalid("name-format", "a name is 2 to 200 characters")
	}
	letters := 0
	prev := ' '
	for _, r := range n {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.Is(unicode.M, r) && (unicode.IsLetter(prev) || unicode.Is(unicode.M, prev)):
		case r == ' ', r == '-', r == '\'', r == '.':
		default:
			return "", invalid("name-format", "a name has letters, spaces, hyphens, apostrophes and dots only")
		}
		prev = r
	}
	if letters == 0 {
		return "", invalid("name-format", "a name has at least one letter")
	}
	return n, nil
}

// canonicalName does Name's normalisation without judging the result.
func canonicalName(s string) string {
	s = norm.NFC.String(strings.ReplaceAll(s, "’", "'"))
	return strings.Join(strings.Fields(s), " ")
}

// foldRune maps the letters that Kazakh and Russian spellings of one name
// differ by, after lower-casing, to the Russian look-alike; the Russian
// "ё", usually written "е", goes the same way. Hyphens and apostrophes
// map to -1, which strings.Map drops: "Қожа-Ахмет" and "Кожаахмет" are
// one person to a clerk.
func foldRune(r rune) rune {
	switch r {
	case 'ә':
		return 'а'
	case 'ғ':
		return 'г'
	case 'қ':
		return 'к'
	case 'ң':
		return 'н'
	case 'ө':
		return 'о'
	case 'ұ', 'ү':
		return 'у'
	case 'һ':
		return 'х'
	case 'і':
		return 'и'
	case 'ё':
		return 'е'
	case '-', '\'', '’', 'ʼ':
		return -1
	}
	return r
}

// FoldName returns the blind-index key of a name, so that a search finds a
// person however the name was spelt: the canonical form of Name,
// lower-cased, with Kazakh letters and "ё" folded to their Russian
// look-alikes, hyphens and apostrophes removed and spaces kept single.
// "СЕРІКҰЛЫ" and "серикулы" fold equal, as do "Әлиева" and "Алиева".
// It never fails: an invalid name still folds, to something that matches
// no valid one. FoldName(FoldName(s)) == FoldName(s).
func FoldName(s string) string {
	// One pass is not always a fixed point: removing an apostrophe can let
	// NFC join "е" with a following combining diaeresis into "ё", which
	// must fold again. Each extra pass follows a composition that removed
	// a rune, so the loop ends within the name's length.
	k := foldOnce(s)
	for range utf8.RuneCountInString(k) + 1 {
		next := foldOnce(k)
		if next == k {
			break
		}
		k = next
	}
	return k
}

func foldOnce(s string) string {
	s = strings.Map(foldRune, strings.ToLower(canonicalName(s)))
	return strings.Join(strings.Fields(norm.NFC.String(s)), " ")
}
