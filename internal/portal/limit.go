package portal

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Per-network-address limits on the sign-in steps. The per-account limits
// (codes sent to one address, wrong codes against one address) live in the
// database and hold across nodes; these stop one client from sweeping many
// accounts — asking codes for a list of addresses, or spreading guesses
// over many challenges. They are in this node's memory: a restart or a
// second node gives a client a fresh allowance, which the per-account
// limits still bound.
const (
	beginsPerAddress  = 20 // sign-in codes asked from one address per window
	guessesPerAddress = 30 // codes entered from one address per window
	addressWindow     = 10 * time.Minute
	maxAddresses      = 100_000 // addresses tracked per window; memory bound
)

// addrLimit counts attempts per client address in fixed windows. A fixed
// window lets a client spend up to twice the limit across a boundary; that
// is the price of O(1) memory per address.
type addrLimit struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func newAddrLimit(max int, window time.Duration, now func() time.Time) *addrLimit {
	return &addrLimit{max: max, window: window, now: now, counts: map[string]int{}}
}

// allow counts one attempt from key and says whether it is within the
// limit. Past maxAddresses distinct keys in a window, new keys are let
// through uncounted rather than growing the map without bound (the
// per-account limits still hold).
func (l *addrLimit) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := l.now(); now.Sub(l.start) >= l.window {
		l.start, l.counts = now, map[string]int{}
	}
	n, seen := l.counts[key]
	if n >= l.max {
		return false
	}
	if !seen && len(l.counts) >= maxAddresses {
		return true
	}
	l.counts[key] = n + 1
	return true
}

// clientKey is the request's network address as a limit key: the IPv4
// address, or the /64 an IPv6 client holds (one host usually has a whole
// /64 to rotate through). Behind a reverse proxy, the deployment guide has
// the proxy's address rewritten by the proxy, not trusted from a header.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
