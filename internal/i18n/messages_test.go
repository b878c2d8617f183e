package i18n

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// The keys the console and the portal rely on, beyond completeness: the
// message of every validation rule the backend produces, and the pages'
// fixed texts.
var requiredKeys = []string{
	"app.title", "lang.kk", "lang.ru", "lang.en",
	"nav.dashboard", "nav.subjects", "nav.consents", "nav.orders", "nav.transfers", "nav.requests",
	"nav.retention", "nav.statistics", "nav.catalogue", "nav.staff", "nav.roles", "nav.audit",
	"nav.backups", "nav.breaches", "nav.policy", "nav.signout",
	"auth.signin_title", "auth.login", "auth.password", "auth.totp_code", "auth.recovery_code",
	"auth.submit", "auth.error.bad_credentials", "auth.error.locked", "auth.error.totp_required",
	"auth.error.session_expired", "auth.enrol.scan", "auth.enrol.enter_code", "auth.enrol.recovery_once",
	"instructions.title", "instructions.must_acknowledge", "instructions.version",
	"instructions.acknowledge", "instructions.liability_heading", "instructions.acknowledged_on",
	"dashboard.open_requests", "dashboard.deadlines", "dashboard.consents_expiring",
	"dashboard.legacy_without_basis", "dashboard.staff_without_ack", "dashboard.audit_chain_ok",
	"dashboard.audit_chain_broken", "dashboard.last_backup",
	"subjects.search", "subjects.by.iin", "subjects.by.passport", "subjects.by.phone",
	"subjects.by.email", "subjects.by.name", "subjects.no_results", "subjects.purpose",
	"subjects.choose_purpose", "subjects.masked", "subjects.source", "subjects.version",
	"subjects.entered_by", "subjects.collected_for", "subjects.create", "subjects.edit",
	"subjects.save", "subjects.saved", "subjects.history", "subjects.values",
	"subjects.not_covered", "subjects.refused",
	"consents.given", "consents.withdrawn", "consents.live", "consents.purposes",
	"consents.categories", "consents.recipients", "consents.countries", "consents.third_parties",
	"consents.cross_border", "consents.publication", "consents.form", "consents.evidence",
	"consents.withdraw", "consents.confirm_withdraw", "consents.refusal_deadline",
	"catalogue.categories", "catalogue.purposes", "catalogue.basis", "catalogue.storage_period",
	"catalogue.version",
	"staff.title", "staff.new", "staff.name", "staff.login", "staff.role", "staff.active",
	"staff.locked", "staff.responsible", "staff.order_ref", "staff.from_date",
	"roles.title", "audit.filter.actor", "audit.filter.action", "audit.filter.subject",
	"audit.filter.outcome", "audit.verify", "audit.chain_verifies", "audit.findings", "audit.seq",
	"audit.time", "audit.purpose", "audit.basis", "audit.outcome",
	"common.yes", "common.no", "common.cancel", "common.confirm", "common.back", "common.next",
	"common.delete", "common.are_you_sure", "common.loading", "common.required_field",
	"common.page", "common.items", "common.records",
	"errors.iin-checksum", "errors.iin-format", "errors.iin-date", "errors.iin-century",
	"errors.phone-format", "errors.email-format", "errors.doc-kz-format", "errors.doc-format",
	"errors.name-format", "errors.date-format", "errors.country-code", "errors.money-format",
	"errors.enum-option", "errors.text-length", "errors.required", "errors.category-unknown",
	"errors.category-outside-purpose", "errors.consent-category", "errors.no-basis",
	"errors.permission", "errors.duplicate-subject", "errors.purpose-required",
	"errors.purpose-unknown", "errors.code-wrong", "errors.code-expired", "errors.code-locked",
	"errors.code-used", "errors.code-rate-limit", "errors.internal", "errors.invalid",
}

func TestRequiredKeys(t *testing.T) {
	c := mustDefault(t)
	for _, l := range Langs {
		for _, key := range requiredKeys {
			if !c.Has(l, key) {
				t.Errorf("%s: no message %s", l, key)
			}
		}
	}
	if n := len(messages(c, EN)); n < 150 {
		t.Errorf("only %d messages; the console needs at least 150", n)
	}
}

// messages returns the base keys of l's messages (one per plural message).
func messages(c *Catalog, l Lang) []string {
	set := map[string]bool{}
	for key := range c.msgs[l] {
		if base, _ := splitPlural(key); base != "" {
			key = base
		}
		set[key] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// sameInKazakhAndEnglish lists the messages that may read the same in
// Kazakh and English. Keep it tiny: an identical text is almost always an
// untranslated copy.
var sameInKazakhAndEnglish = map[string]bool{}

// Catches untranslated copies: a Kazakh or Russian message that is the
// English text, or that is written without a single Cyrillic letter.
func TestTranslated(t *testing.T) {
	c := mustDefault(t)
	for key, en := range c.msgs[EN] {
		if kk := c.msgs[KK][key]; kk == en && !sameInKazakhAndEnglish[key] {
			t.Errorf("kk %s is the English text %q", key, en)
		}
		if ru := c.msgs[RU][key]; ru == en {
			t.Errorf("ru %s is the English text %q", key, en)
		}
	}
	for _, l := range []Lang{KK, RU} {
		for key, text := range c.msgs[l] {
			if hasLetter(text) && !strings.ContainsFunc(text, isCyrillic) {
				t.Errorf("%s %s has no Cyrillic letter: %q", l, key, text)
			}
		}
	}
}

// Catches Russian pasted into the Kazakh catalogue: loanwords ("Статистика",
// "Аудитор") may be spelt alike, but few whole texts are, and most Kazakh
// texts use a letter that Russian lacks.
func TestKazakhIsNotRussian(t *testing.T) {
	c := mustDefault(t)
	var same []string
	for key, kk := range c.msgs[KK] {
		if kk == c.msgs[RU][key] {
			same = append(same, key)
		}
	}
	if len(same)*20 > len(c.msgs[KK]) {
		slices.Sort(same)
		t.Errorf("%d of %d Kazakh messages equal the Russian ones: %v", len(same), len(c.msgs[KK]), same)
	}
	kazakh := 0
	for _, kk := range c.msgs[KK] {
		if strings.ContainsAny(kk, "әғқңөұүһіӘҒҚҢӨҰҮҺІ") {
			kazakh++
		}
	}
	if kazakh*2 < len(c.msgs[KK]) {
		t.Errorf("only %d of %d Kazakh messages use a Kazakh letter", kazakh, len(c.msgs[KK]))
	}
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// Every translation of a message has the same placeholders, so no value is
// lost or left unfilled in one language.
func TestPlaceholdersAgree(t *testing.T) {
	c := mustDefault(t)
	names := func(l Lang, base string) string {
		set := map[string]bool{}
		for key, text := range c.msgs[l] {
			if b, _ := splitPlural(key); key == base || b == base {
				for _, p := range placeholder.FindAllString(text, -1) {
					set[p] = true
				}
			}
		}
		return strings.Join(slices.Sorted(maps.Keys(set)), " ")
	}
	for _, base := range messages(c, EN) {
		want := names(EN, base)
		for _, l := range []Lang{KK, RU} {
			if got := names(l, base); got != want {
				t.Errorf("%s %s has placeholders %q, English has %q", l, base, got, want)
			}
		}
	}
	// Every form of a plural message shows its count.
	for _, l := range Langs {
		for key, text := range c.msgs[l] {
			if base, _ := splitPlural(key); base != "" && !strings.Contains(text, "{count}") {
				t.Errorf("%s %s: a plural form without {count}: %q", l, key, text)
			}
		}
	}
}

// Every language names itself in its own catalogue, so a switcher can show
// T(l, "lang."+l) for each l: "Қазақша", "Русский", "English".
func TestLanguageNames(t *testing.T) {
	c := mustDefault(t)
	want := map[Lang]string{KK: "Қазақша", RU: "Русский", EN: "English"}
	for _, l := range Langs {
		if got := c.T(l, "lang."+string(l)); got != want[l] {
			t.Errorf("T(%s, lang.%s) = %q, want %q", l, l, got, want[l])
		}
	}
}

func hasLetter(s string) bool { return strings.ContainsFunc(s, unicode.IsLetter) }

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }
