package portal

import (
	"regexp"
	"testing"

	"github.com/derbes-kz/derbes/internal/htmlkit/htmltest"
	"github.com/derbes-kz/derbes/internal/i18n"
)

// keyPattern finds the message keys the templates and handlers name
// literally; keys built at run time end in "." and are checked by prefix.
var keyPattern = regexp.MustCompile(`"((?:portal|errors|nav|consents|requests|common|lang|app)\.[a-zA-Z0-9_.-]+)"`)

// notMessages are strings of the key form that are not message keys.
var notMessages = map[string]bool{"portal.session": true, "portal.begin": true, "portal.verify": true} // audit actions

// Every message the portal names exists in every language, and the
// catalogue as a whole is complete.
func TestMessagesExist(t *testing.T) {
	seen := htmltest.MessagesNamed(t, assets, keyPattern, func(_, key string) bool { return notMessages[key] })
	if seen < 60 {
		t.Errorf("found only %d message keys: the pattern is broken", seen)
	}
	msgs, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The keys built at run time.
	for _, l := range i18n.Langs {
		for _, k := range []string{"portal.source.subject", "portal.source.staff", "portal.source.import", "portal.source.third-party",
			"portal.status.open", "portal.status.in-progress", "portal.status.done", "portal.status.refused",
			"portal.from.order-closed", "portal.from.contract-ended", "portal.from.consent-ended", "portal.from.employment-ended",
			"portal.from.collected", "portal.period.years", "portal.period.months", "portal.new.term",
			"portal.apply.step.contact", "portal.apply.step.services", "portal.apply.step.data", "portal.apply.step.consent", "portal.apply.step.confirm"} {
			if !msgs.Has(l, k) {
				t.Errorf("%s: no message %s", l, k)
			}
		}
	}
}

// The language switch comes back only to a portal page.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/portal/me": "/portal/me", "/portal": "/portal", "/portal/requests/new": "/portal/requests/new",
		"/portal/consents/abc/withdraw": "/portal/consents/abc/withdraw",
		"//evil.example/":               "/portal", "https://evil.example/portal/me": "/portal", "/console/": "/portal",
		"/portal/consents/a/b/withdraw": "/portal", "/portal/consents/a\\b/withdraw": "/portal", "": "/portal",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
