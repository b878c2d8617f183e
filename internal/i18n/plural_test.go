package i18n

import (
	"testing"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// The hand-written rules agree with CLDR's, as golang.org/x/text has them.
func TestPluralFormMatchesCLDR(t *testing.T) {
	names := map[plural.Form]string{plural.One: formOne, plural.Few: formFew, plural.Many: formMany, plural.Other: formOther}
	for _, l := range Langs {
		tag := language.MustParse(string(l))
		for n := range int64(100_000) {
			want := names[plural.Cardinal.MatchPlural(tag, int(n), 0, 0, 0, 0)]
			if got := pluralForm(l, n); got != want {
				t.Fatalf("pluralForm(%s, %d) = %s, CLDR says %s", l, n, got, want)
			}
		}
	}
}

func TestPluralFormExtremes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{-1, formOne}, {-22, formFew}, {-9223372036854775808, formMany}, {9223372036854775807, formMany},
		{1_000_001, formOne}, {10_000_002, formFew},
	}
	for _, tt := range tests {
		if got := pluralForm(RU, tt.n); got != tt.want {
			t.Errorf("pluralForm(ru, %d) = %s, want %s", tt.n, got, tt.want)
		}
	}
	if got := pluralForm(EN, 10_000_001); got != formOther {
		t.Errorf("pluralForm(en, 10000001) = %s, want other", got)
	}
	if got := countForm(RU, uint64(1<<63)); got != formOther {
		t.Errorf("countForm(ru, 2^63) = %s, want other", got)
	}
}

// Every plural message has only the forms some language uses, so a typo
// such as ".fwe" cannot hide as a key of its own.
func TestPluralKeysUseKnownForms(t *testing.T) {
	c := mustDefault(t)
	for _, l := range Langs {
		allowed := map[string]bool{}
		for _, f := range pluralForms(l) {
			allowed[f] = true
		}
		for key := range c.msgs[l] {
			base, form := splitPlural(key)
			if base != "" && !allowed[form] {
				t.Errorf("%s: %s: %s has no %q form", l, key, l, form)
			}
		}
	}
}
