// Package htmltest holds the page checks and HTTP helpers that the tests
// of derbes's two server-rendered UIs (internal/web, internal/portal) share.
package htmltest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Client is an HTTP client with a cookie jar, as a browser keeps cookies.
func Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// Get fetches u with c and returns the response and its body.
func Get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	return readBody(resp)
}

// Post submits form to u with c and returns the response and its body.
func Post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	return readBody(resp)
}

func readBody(resp *http.Response) (*http.Response, string) {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var (
	inputPattern = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idPattern    = regexp.MustCompile(`\bid="([^"]+)"`)
)

// StrictCSP reports whether the response's Content-Security-Policy
// contains each of the directives (e.g. "script-src 'self'").
func StrictCSP(resp *http.Response, directives ...string) bool {
	csp := resp.Header.Get("Content-Security-Policy")
	for _, d := range directives {
		if !strings.Contains(csp, d) {
			return false
		}
	}
	return true
}

// InlineStyleOrScript reports whether body has a style attribute or a
// script element, which the strict CSP would block.
func InlineStyleOrScript(body string) bool {
	return strings.Contains(body, " style=") || strings.Contains(body, "<script")
}

// Labels checks that every control of the page (input, select, textarea;
// not a hidden input) has an id and a <label for> it.
func Labels(t *testing.T, name, body string) {
	t.Helper()
	for _, tag := range inputPattern.FindAllString(body, -1) {
		if strings.Contains(tag, `type="hidden"`) {
			continue
		}
		id := idPattern.FindStringSubmatch(tag)
		if id == nil || !strings.Contains(body, `for="`+id[1]+`"`) {
			t.Errorf("%s: control without a label: %s", name, tag)
		}
	}
}

// UniqueIDs checks that no id is used twice on the page.
func UniqueIDs(t *testing.T, name, body string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range idPattern.FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			t.Errorf("%s: id %q used twice", name, m[1])
		}
		seen[m[1]] = true
	}
}
