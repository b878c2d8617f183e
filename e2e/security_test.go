package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// A page on another origin (another port) that auto-submits a form to
// derbes's sign-out is refused by the cross-origin protection: the member
// stays signed in.
//
// covers CSRF protection of the staff console
func TestCrossOriginPostRefused(t *testing.T) {
	e := start(t, "cross-origin")
	e.do(chromedp.Navigate(e.base + "/console/signin"))
	e.signIn(memberLogin, password, "")
	e.do(chromedp.WaitVisible(chromedp.ID("mfa-begin")))

	for _, target := range []string{"/console/signout", "/console/mfa/begin"} {
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><title>evil</title><form id="f" method="post" action="%s%s">`+
				`<input name="next" value="/console/"></form><script>document.getElementById("f").submit()</script>`, e.base, target)
		}))
		// The attacker's page submits its form while it loads: wait until
		// the browser shows derbes's answer.
		e.do(chromedp.Navigate(evil.URL))
		e.waitLocation(e.base + target)
		body := e.text("body")
		if !strings.Contains(body, "cross-origin") {
			e.shot("failure")
			t.Fatalf("cross-origin POST %s answered %q, want the cross-origin refusal", target, body)
		}
		e.shot("refused" + strings.ReplaceAll(target, "/", "-"))
		evil.Close()
	}
	e.do(chromedp.Navigate(e.base+"/console/mfa"), chromedp.WaitVisible(chromedp.ID("mfa-begin")))
	e.want("still signed in at", e.path(), "/console/mfa")
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// The 6th wrong password locks the account: the page says so, and the
// right password no longer helps.
//
// covers R-ACCESS-4 in the console
func TestLockoutAfterSixWrongPasswords(t *testing.T) {
	e := start(t, "lockout")
	e.do(chromedp.Navigate(e.base + "/console/signin"))
	bad, locked := e.T(i18n.EN, "auth.error.bad_credentials"), e.T(i18n.EN, "auth.error.locked")
	for i := 1; i <= service.SignInMaxFailures; i++ {
		e.signIn(memberLogin, fmt.Sprintf("wrong password %d!", i), "")
		e.do(chromedp.WaitVisible(chromedp.ID("page-error")))
		want := bad
		if i == service.SignInMaxFailures {
			want = locked
		}
		// Wait for the page of this attempt, not the previous one's.
		e.poll(`document.getElementById("page-error") && document.getElementById("page-error").textContent === ` + jsString(want) +
			` && document.getElementById("f-password").value === ""`)
		if i == 1 {
			e.shot("wrong-password")
		}
	}
	e.shot("locked")
	e.signIn(memberLogin, password, "")
	e.poll(`document.getElementById("page-error") && document.getElementById("page-error").textContent === ` + jsString(locked) +
		` && document.getElementById("f-password").value === ""`)
	e.want("page while locked", e.path(), "/console/signin")
}
