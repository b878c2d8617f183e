package web

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/htmlkit/htmltest"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                               home,
		"/console/subjects":              "/console/subjects",
		"/console/subjects/x?purpose=p1": "/console/subjects/x?purpose=p1",
		"/console":                       "/console",
		"//evil.example/console/":        home,
		"https://evil.example/console/":  home,
		"/console/\\evil":                home,
		"/api/v1/subjects":               home,
		"/consolex":                      home,
		"/console/%0d%0aSet-Cookie:x":    "/console/%0d%0aSet-Cookie:x",
		"/console/\r\nx":                 home,
		"javascript:alert(1)":            home,
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAllowedWhileRestricted(t *testing.T) {
	cases := []struct {
		reason, path string
		want         bool
	}{
		{"mfa", "/console/mfa", true},
		{"mfa", "/console/mfa/confirm", true},
		{"mfa", "/console/instructions", false},
		{"mfa", "/console/subjects", false},
		{"instructions", "/console/instructions", true},
		{"instructions", "/console/mfa", false},
		{"instructions", "/console/", false},
		{"instructions", "/console/signout", true},
		{"unknown", "/console/", false},
	}
	for _, c := range cases {
		if got := allowedWhile(c.reason, c.path); got != c.want {
			t.Errorf("allowedWhile(%q, %q) = %v", c.reason, c.path, got)
		}
	}
}

// keyPattern finds the message keys the templates and handlers name
// literally; keys built at run time end in "." and are checked by prefix.
var keyPattern = regexp.MustCompile(`"((?:console|errors|auth|nav|subjects|consents|catalogue|staff|roles|audit|instructions|dashboard|common|lang|app|backups)\.[a-zA-Z0-9_.-]+)"`)

// actionPattern finds the audit actions of refusals ("auth.session"),
// which look like message keys but are not.
var actionPattern = regexp.MustCompile(`Refuse\([^,]+, "([a-z.-]+)"`)

// Every message the console names exists in every language, and the
// catalogue as a whole is complete (no page shows "[key]").
func TestMessagesExist(t *testing.T) {
	seen := htmltest.MessagesNamed(t, assets, keyPattern, func(file, key string) bool {
		for _, m := range actionPattern.FindAllStringSubmatch(file, -1) {
			if m[1] == key {
				return true
			}
		}
		return false
	})
	if seen < 100 {
		t.Errorf("found only %d message keys: the pattern is broken", seen)
	}
}

// The value labels the console builds at run time exist for every value
// the catalogue and the domain can hold.
func TestDynamicMessagesExist(t *testing.T) {
	msgs, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"console.basis.contract", "console.basis.separate"}
	for _, k := range []string{"text", "name", "iin", "bin", "doc-number", "phone", "email", "date", "country", "enum", "money", "kv", "file"} {
		keys = append(keys, "console.type."+k)
	}
	for _, k := range []string{"staff", "subject", "import", "third-party"} {
		keys = append(keys, "console.source."+k)
	}
	for _, k := range []string{"contract", "document", "electronic-code", "e-signature"} {
		keys = append(keys, "console.form."+k)
	}
	for _, k := range []string{"order-closed", "contract-ended", "consent-ended", "employment-ended", "collected"} {
		keys = append(keys, "console.from."+k)
	}
	for _, k := range []string{"exact", "none", "kk", "ru", "en"} {
		if k == "kk" || k == "ru" || k == "en" {
			keys = append(keys, "lang."+k)
			continue
		}
		keys = append(keys, "console.search."+k)
	}
	for _, k := range service.Services {
		keys = append(keys, "console.orders.service."+k)
	}
	for _, k := range service.OrderStatuses {
		keys = append(keys, "console.orders.status."+k)
	}
	for _, k := range catalogue.RecipientKinds() {
		keys = append(keys, "console.recipients.kind."+k)
	}
	for _, k := range derbes.Channels {
		keys = append(keys, "console.transfers.channel."+k)
	}
	for _, k := range []string{derbes.TransferByConsent, derbes.TransferByAuthority, derbes.TransferByLifeHealth} {
		keys = append(keys, "console.transfers.basis."+k)
		if k != derbes.TransferByConsent {
			keys = append(keys, "console.transfers.basis_ref."+k, "console.transfers.basis_ref_hint."+k)
		}
	}
	for _, k := range append([]string{"open"}, handleStatuses...) {
		keys = append(keys, "console.requests.status."+k)
	}
	for _, k := range service.RequestChannels {
		keys = append(keys, "console.requests.channel."+k)
	}
	keys = append(keys, "console.authority.flash.approved", "console.authority.flash.rejected")
	// The rules a transfer is refused by, item by item (R-TRANSFER-2).
	for _, k := range []string{"consent-cross-border", "consent-country", "consent-recipient", "consent-third-party", "consent-purpose",
		"consent-category", "blocked", "request-not-approved", "request-other-recipient", "request-other-subject", "request-category",
		"request-unknown", "life-health-missing", "transfer-refused", "basis-purpose", "channel-telephone", "nothing-to-send",
		"recipient-outside-purpose", "subject-unknown"} {
		keys = append(keys, "errors."+k)
	}
	for _, k := range keys {
		for _, l := range i18n.Langs {
			if !msgs.Has(l, k) {
				t.Errorf("%s: no message %s", l, k)
			}
		}
	}
}

func TestPagesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"signin", "mfa", "mfa_codes", "instructions", "dashboard", "subjects", "subject",
		"subject_new", "withdraw", "catalogue", "staff", "roles", "role_edit", "audit", "error",
		"orders", "recipients", "transfers", "transfer", "transfer_done", "requests", "control", "breaches", "retention", "statistics", "import"} {
		if pages[name] == nil {
			t.Errorf("no page %s", name)
		}
	}
}

func TestFlashKey(t *testing.T) {
	for key, want := range map[string]bool{
		"console.flash.saved":              true,
		"console.orders.flash.created":     true,
		"console.transfers.flash.sent":     true,
		"console.orders.title":             false,
		"errors.internal":                  false,
		"portal.flash.withdrawn":           false,
		"console.flashy":                   false,
		"xconsole.orders.flash.created":    false,
		"console.authority.flash.approved": true,
	} {
		if got := flashKey(key); got != want {
			t.Errorf("flashKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestAcademicYear(t *testing.T) {
	for at, want := range map[string]string{"2026-01-10": "2026/2027", "2026-08-31": "2026/2027", "2026-09-01": "2027/2028", "2026-11-25": "2027/2028"} {
		d, _ := time.Parse(time.DateOnly, at)
		if got := academicYear(d.Add(12 * time.Hour)); got != want {
			t.Errorf("academicYear(%s) = %s, want %s", at, got, want)
		}
	}
}

func TestLines(t *testing.T) {
	got := lines("a1\r\n b2 ,c3\n\n")
	if strings.Join(got, "|") != "a1|b2|c3" {
		t.Errorf("lines: %q", got)
	}
}

func TestAlphaCompare(t *testing.T) {
	names := []string{"Ресей", "Әзербайжан", "Австрия", "Қытай", "Германия", "Өзбекстан", "Америка", "Іран", "Ыстамбұл"}
	slices.SortFunc(names, alphaCompare)
	want := "Австрия Америка Әзербайжан Германия Қытай Өзбекстан Ресей Ыстамбұл Іран"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("sorted %s, want %s", got, want)
	}
}
