package server

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// covers the reliability issue's abuse limits: limits count per client, so
// the client must be the real one behind a trusted proxy and must not be
// chosen by the client itself through X-Forwarded-For.
func TestClientAddrThroughProxies(t *testing.T) {
	proxies, err := ParseProxies(" 127.0.0.1, 10.0.0.0/8 ,::1")
	if err != nil || len(proxies) != 3 {
		t.Fatalf("parse: %v %v", proxies, err)
	}
	cases := []struct {
		peer, xff, want string
	}{
		{"203.0.113.5:4000", "", "203.0.113.5:4000"},
		{"203.0.113.5:4000", "198.51.100.1", "203.0.113.5:4000"},             // not a proxy: its header is the client's word
		{"127.0.0.1:4000", "198.51.100.1", "198.51.100.1:4000"},              // through the proxy
		{"127.0.0.1:4000", "6.6.6.6, 198.51.100.1", "198.51.100.1:4000"},     // the left part is the client's choice
		{"127.0.0.1:4000", "198.51.100.1, 10.1.2.3", "198.51.100.1:4000"},    // two proxies deep
		{"127.0.0.1:4000", "garbage, 10.1.2.3", "127.0.0.1:4000"},            // a malformed hop: nothing past it is believed
		{"127.0.0.1:4000", "10.9.9.9", "127.0.0.1:4000"},                     // only proxies: the peer stays
		{"[::1]:4000", "2001:db8::1", "[2001:db8::1]:4000"},                  // IPv6
		{"127.0.0.1:4000", "::ffff:198.51.100.1", "198.51.100.1:4000"},       // v4-mapped is v4
		{"127.0.0.1:4000", "198.51.100.1,198.51.100.2", "198.51.100.2:4000"}, // no spaces
		{"127.0.0.1:4000", strings.Repeat("1.1.1.1,", 50) + "2.2.2.2", "2.2.2.2:4000"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := proxies.clientAddr(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	var none Proxies
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	if got := none.clientAddr(r); got != "127.0.0.1:1" {
		t.Errorf("no trusted proxy, yet the header was believed: %s", got)
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "1.2.3", "10.0.0.1/8/2"} {
		if _, err := ParseProxies(bad); err == nil || !strings.Contains(err.Error(), "not an IP address or CIDR prefix") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
