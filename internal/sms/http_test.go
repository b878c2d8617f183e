package sms_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes/internal/sms"
)

const (
	number = "+77011234567"
	// Quotes, ampersands, a percent sign, a plus, a placeholder, JSON and XML
	// syntax, Kazakh letters: everything an escaper can get wrong.
	text = `Растау коды: 123456 — "ұмытпаңыз" & сақтаңыз; 50% + {to} ","admin":true,"x":" <b>&amp;</b> 'ok'`
)

// gateway is a real HTTP server that records the last request it got and
// answers with status.
type gateway struct {
	*httptest.Server
	mu     sync.Mutex
	req    *http.Request
	body   []byte
	status int
}

func newGateway(t *testing.T, status int) *gateway {
	g := &gateway{status: status}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.req, g.body = r.Clone(context.Background()), b // r is not ours after we return
		g.mu.Unlock()
		w.WriteHeader(g.status)
		io.WriteString(w, "echo: "+r.URL.RawQuery+string(b)) // as careless gateways do
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gateway) last() (*http.Request, []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.req, g.body
}

func newSender(t *testing.T, cfg sms.Config, c *http.Client) *sms.HTTP {
	t.Helper()
	s, err := sms.NewHTTP(cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// covers R-APPLY-2: the number and the text reach the gateway intact in
// every shape of request.
func TestSendEscapesForEachContext(t *testing.T) {
	g := newGateway(t, http.StatusOK)
	for _, tc := range []struct {
		name  string
		cfg   sms.Config
		check func(t *testing.T, r *http.Request, body []byte) (to, text string)
	}{
		{"GET query", sms.Config{URL: g.URL + "/send?to={to}&text={text}&key=k"},
			func(t *testing.T, r *http.Request, _ []byte) (string, string) {
				if r.Method != "GET" || r.URL.Query().Get("key") != "k" || len(r.URL.Query()) != 3 {
					t.Errorf("request %s %s", r.Method, r.URL)
				}
				return r.URL.Query().Get("to"), r.URL.Query().Get("text")
			}},
		{"GET path", sms.Config{URL: g.URL + "/send/{to}?m={text}"},
			func(t *testing.T, r *http.Request, _ []byte) (string, string) {
				return strings.TrimPrefix(r.URL.Path, "/send/"), r.URL.Query().Get("m")
			}},
		{"POST JSON", sms.Config{URL: g.URL + "/api", Body: `{"phone":"{to}","message":"{text}"}`,
			ContentType: "application/json; charset=utf-8", Token: "tok"},
			func(t *testing.T, r *http.Request, body []byte) (string, string) {
				if r.Method != "POST" || r.Header.Get("Authorization") != "Bearer tok" {
					t.Errorf("request %s, Authorization %q", r.Method, r.Header.Get("Authorization"))
				}
				var v map[string]any
				if err := json.Unmarshal(body, &v); err != nil || len(v) != 2 {
					t.Fatalf("body %s: %v (%d keys)", body, err, len(v))
				}
				return v["phone"].(string), v["message"].(string)
			}},
		{"POST form", sms.Config{URL: g.URL + "/api", Method: "post", Body: "to={to}&text={text}&from=derbes",
			ContentType: "application/x-www-form-urlencoded", Username: "u", Password: "p&q"},
			func(t *testing.T, r *http.Request, body []byte) (string, string) {
				if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p&q" {
					t.Errorf("basic auth %q %q %v", u, p, ok)
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				if err := r.ParseForm(); err != nil || len(r.PostForm) != 3 {
					t.Fatalf("form %s: %v", body, err)
				}
				return r.PostForm.Get("to"), r.PostForm.Get("text")
			}},
		{"POST XML", sms.Config{URL: g.URL + "/api", Body: `<sms to="{to}"><text>{text}</text></sms>`,
			ContentType: "text/xml"},
			func(t *testing.T, r *http.Request, body []byte) (string, string) {
				var v struct {
					To   string `xml:"to,attr"`
					Text string `xml:"text"`
				}
				if err := xml.Unmarshal(body, &v); err != nil {
					t.Fatalf("body %s: %v", body, err)
				}
				return v.To, v.Text
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := newSender(t, tc.cfg, nil).Send(t.Context(), number, text); err != nil {
				t.Fatal(err)
			}
			r, body := g.last()
			to, got := tc.check(t, r, body)
			if to != number || got != text {
				t.Errorf("gateway got to=%q text=%q\nwant to=%q text=%q", to, got, number, text)
			}
		})
	}
}

func TestSendOverHTTPS(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query().Get("text")
	}))
	defer srv.Close()
	s := newSender(t, sms.Config{URL: srv.URL + "/?to={to}&text={text}"}, srv.Client())
	if err := s.Send(t.Context(), number, text); err != nil {
		t.Fatal(err)
	}
	if g := <-got; g != text {
		t.Errorf("gateway got %q", g)
	}
}

// checkError asserts err is an *sms.Error with status that repeats neither
// the number nor the text.
func checkError(t *testing.T, err error, status int) *sms.Error {
	t.Helper()
	var se *sms.Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want an *sms.Error", err, err)
	}
	if se.Status != status {
		t.Errorf("err = %v, want status %d", err, status)
	}
	for _, leak := range []string{"7011234567", "123456", "%D0", "Растау", "text="} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q contains %q", err, leak)
		}
	}
	return se
}

func TestGatewayRefusals(t *testing.T) {
	for status, temporary := range map[int]bool{400: false, 401: false, 302: false, 429: true, 500: true, 503: true} {
		g := newGateway(t, status)
		err := newSender(t, sms.Config{URL: g.URL + "/?to={to}&text={text}"}, nil).Send(t.Context(), number, text)
		if se := checkError(t, err, status); se.Temporary() != temporary {
			t.Errorf("%d: Temporary() = %v", status, se.Temporary())
		}
	}
}

func TestDeadGatewayWithinDeadline(t *testing.T) {
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hung.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + closed.Addr().String()
	closed.Close()

	for _, tc := range []struct {
		name    string
		url     string
		timeout time.Duration
		want    error
	}{
		{"hung, ctx deadline", hung.URL, 0, context.DeadlineExceeded},
		{"hung, config timeout", hung.URL, 150 * time.Millisecond, context.DeadlineExceeded},
		{"refused", closedURL, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSender(t, sms.Config{URL: tc.url + "/?to={to}&text={text}", Timeout: tc.timeout}, nil)
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := s.Send(ctx, number, text)
			if d := time.Since(start); d > time.Second {
				t.Errorf("Send took %v", d)
			}
			if se := checkError(t, err, 0); !se.Temporary() {
				t.Errorf("%v is not temporary", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSendRefusesBadInput(t *testing.T) {
	g := newGateway(t, http.StatusOK)
	s := newSender(t, sms.Config{URL: g.URL + "/?to={to}&text={text}"}, nil)
	for _, to := range []string{"", "+", "8 701 123 45 67", "+7701&x=1", "77011234567+", strings.Repeat("7", 33)} {
		if err := s.Send(t.Context(), to, "код"); !errors.Is(err, sms.ErrInvalidRecipient) {
			t.Errorf("Send(%q) = %v, want ErrInvalidRecipient", to, err)
		}
	}
	for _, txt := range []string{"", "\xff\xfe"} {
		if err := s.Send(t.Context(), number, txt); !errors.Is(err, sms.ErrInvalidText) {
			t.Errorf("Send(text %q) = %v, want ErrInvalidText", txt, err)
		}
	}
	if r, _ := g.last(); r != nil {
		t.Error("a refused message reached the gateway")
	}
}

func TestNewHTTPNamesTheField(t *testing.T) {
	const q = "?to={to}&text={text}"
	for _, tc := range []struct {
		field string
		cfg   sms.Config
	}{
		{"", sms.Config{URL: "https://gw.example/send" + q}},
		{"", sms.Config{URL: "http://127.0.0.1:8080/send" + q}},
		{"", sms.Config{URL: "https://gw.example/send", Body: "{text} to {to}", ContentType: "text/plain"}},
		{"", sms.Config{URL: "https://gw.example/{to}", Method: "POST", Body: "t={text}",
			ContentType: "application/x-www-form-urlencoded"}},
		{"URL", sms.Config{}},
		{"URL", sms.Config{URL: "http://gw.example/send" + q}},
		{"URL", sms.Config{URL: "ftp://gw.example/send" + q}},
		{"URL", sms.Config{URL: "/send" + q}},
		{"URL", sms.Config{URL: "https://{to}.gw.example/?t={text}"}},
		{"URL", sms.Config{URL: "https://gw.example/send?to={to}"}},
		{"Method", sms.Config{URL: "https://gw.example/send" + q, Method: "PUT"}},
		{"Body", sms.Config{URL: "https://gw.example/send" + q, Method: "GET", Body: "x"}},
		{"ContentType", sms.Config{URL: "https://gw.example/", Body: "{to}{text}"}},
		{"ContentType", sms.Config{URL: "https://gw.example/", Body: "{to}{text}", ContentType: "image/png"}},
		{"Body", sms.Config{URL: "https://gw.example/", Body: `{"to":{to},"text":"{text}"}`, ContentType: "application/json"}},
		{"Username", sms.Config{URL: "https://gw.example/send" + q, Password: "p"}},
		{"Token", sms.Config{URL: "https://gw.example/send" + q, Username: "u", Token: "t"}},
		{"Token", sms.Config{URL: "https://gw.example/send" + q, Token: "t\r\nX-Evil: 1"}},
		{"Timeout", sms.Config{URL: "https://gw.example/send" + q, Timeout: -1}},
	} {
		_, err := sms.NewHTTP(tc.cfg, nil)
		var ce *sms.ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: unexpected %v", tc.cfg, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field):
			t.Errorf("%+v: err = %v, want a ConfigError for %s", tc.cfg, err, tc.field)
		}
	}
}

func TestConfigLogValueRedacts(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("gw", "cfg", sms.Config{
		URL: "https://gw.example/send?apikey=SECRETKEY&to={to}", Password: "PW", Username: "u", Token: "TOKEN"})
	for _, secret := range []string{"SECRETKEY", "PW", "TOKEN"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log %q contains %q", buf.String(), secret)
		}
	}
}
