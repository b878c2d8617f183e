package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// covers the reliability issue's abuse limits: a client that dribbles its
// headers or its body is cut off at the read timeouts, and others are
// served meanwhile.
func TestSlowClientsTimeOut(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: ExampleBIN,
		readTimeout: 900 * time.Millisecond}
	a, err := Start(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	addr := a.ln.Addr().String()
	for name, partial := range map[string]string{
		"headers": "GET /readyz HTTP/1.1\r\nHost: derbes\r\nX-Slow: ",
		"body":    "POST /api/v1/subjects HTTP/1.1\r\nHost: derbes\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"kind\":",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, partial); err != nil {
			t.Fatal(err)
		}
		// Others are served while the slow client waits.
		if resp, err := http.Get(a.URL() + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: another client was not served: %v", name, err)
		} else {
			resp.Body.Close()
		}
		// The server ends the slow connection well before this deadline;
		// the deadline only keeps a broken server from hanging the test.
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		start := time.Now()
		_, err = io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("%s: the slow connection was still open after %s", name, time.Since(start).Round(time.Millisecond))
		}
	}
}
