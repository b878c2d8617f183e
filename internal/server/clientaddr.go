package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose X-Forwarded-For derbes believes.
// Sign-in and application limits count per client address; behind a
// proxy every request comes from the proxy, so without this all clients
// would share one allowance (one client could lock everyone out).
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses or CIDR prefixes;
// an empty string trusts no proxy.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (ps Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientAddr is the request's client: the peer itself, unless the peer is
// a trusted proxy, in which case the nearest address in X-Forwarded-For
// that is not a trusted proxy (read from the right: the left part is
// whatever the client chose to send). The port is kept from the peer.
func (ps Proxies) clientAddr(r *http.Request) string {
	host, port, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !ps.trusted(peer) {
		return r.RemoteAddr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A malformed hop: what lies left of it cannot be trusted.
			return r.RemoteAddr
		}
		if !ps.trusted(a) {
			return net.JoinHostPort(a.Unmap().String(), port)
		}
	}
	return r.RemoteAddr
}
