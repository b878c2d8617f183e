package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/client"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// covers the import/export/integrators issue (done-when: the Go client's
// tests run against a real derbes): a website form's path (create an
// applicant with consent, a refused value named by field and rule), a CRM's
// lookup by IIN, a transfer, and a webhook delivery verified by the
// receiver, on both engines.
func TestClientAgainstDerbes(t *testing.T) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			cfg := app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN}
			if engine == dbtest.Postgres {
				cfg.DB = dbtest.PostgresURL(t)
			}
			a, err := app.Start(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Shutdown(context.Background())
			sys := derbes.WithPrincipal(context.Background(), service.System("test"))
			formTok, _ := a.Service.IssueToken(sys, "website form", service.RoleIntegration)
			crmTok, _ := a.Service.IssueToken(sys, "admissions CRM", service.RoleAdmissions)
			uni, err := a.Service.CreateRecipient(sys, store.Recipient{Kind: "education-org", Country: "KZ", Channel: "email", Contact: "office@example.org",
				Names: map[string]string{"kk": "Университет", "ru": "Университет", "en": "University"}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			form := client.New(a.URL(), formTok, nil)
			in := client.NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
				Consent: &client.Consent{Purposes: []string{"p4.1b"}},
				Source:  client.Source{Kind: "subject", Ref: "website form"},
				Values:  map[string]any{"full_name": "Серікқызы Айгерім Нұрланқызы", "iin": "980514301234", "email": "aigerim@example.kz"}}
			_, err = form.CreateSubject(ctx, in)
			if p := client.AsProblem(err); p == nil || p.Status != 400 || p.Field != "values.iin" || p.Rule != "iin-checksum" {
				t.Fatalf("a wrong IIN: %v", err)
			}
			in.Values["iin"] = "980514301233"
			s, err := form.CreateSubject(ctx, in)
			if err != nil || s.ID == "" || s.Basis == "" {
				t.Fatalf("create: %+v %v", s, err)
			}
			if _, err := a.Service.GiveConsent(sys, s.ID, service.NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
				Recipients: []derbes.Recipient{{ID: uni.ID, Kind: "education-org", Country: "KZ"}}}); err != nil {
				t.Fatal(err)
			}
			found, err := form.Search(ctx, "p4.1b", "iin", "980514301233")
			if err != nil || len(found) != 1 || found[0].ID != s.ID {
				t.Fatalf("search: %+v %v", found, err)
			}
			got, err := form.Subject(ctx, s.ID, "p4.1b")
			if err != nil || got.Values["iin"].Value != "980514301233" {
				t.Fatalf("read: %+v %v", got, err)
			}
			_, err = form.Subject(ctx, s.ID, "p4.1d")
			if p := client.AsProblem(err); p == nil || p.Status != 403 {
				t.Errorf("a purpose the token may not read: %v", err)
			}
			crm := client.New(a.URL(), crmTok, nil)
			tr, err := crm.CreateTransfer(ctx, client.NewTransfer{RecipientID: uni.ID, Purpose: "p4.2b1", Channel: "email",
				Subjects: []string{s.ID}, Categories: []string{"full_name", "iin"}, Basis: "consent"})
			if err != nil || tr.Transfer.ID == "" || len(tr.Items) != 2 {
				t.Fatalf("transfer: %+v %v", tr, err)
			}
			// A CRM's webhook, verified with the client.
			var mu sync.Mutex
			verified, hookSecret := 0, ""
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				if client.VerifyWebhook(hookSecret, r.Header, b, time.Now(), 5*time.Minute) {
					verified++
				}
				if client.VerifyWebhook("wrong", r.Header, b, time.Now(), 5*time.Minute) {
					t.Error("a wrong secret verified")
				}
			}))
			defer recv.Close()
			admin := derbes.WithPrincipal(ctx, derbes.Principal{ID: "test:admin", Role: adminRole()})
			h, err := a.Service.CreateWebhook(admin, recv.URL, []string{service.EventRequestOpened})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			hookSecret = h.Secret
			mu.Unlock()
			if _, err := a.Service.OpenRequest(sys, s.ID, service.NewRequest{Kind: "information", Channel: "portal", Details: "x"}); err != nil {
				t.Fatal(err)
			}
			if n, err := a.Service.DeliverWebhooks(ctx); err != nil || n != 1 {
				t.Fatalf("deliver: %d %v", n, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if verified != 1 {
				t.Errorf("%d deliveries verified, want 1", verified)
			}
		})
	}
}

func adminRole() derbes.Role {
	for _, r := range service.DefaultRoles() {
		if r.Name == service.RoleAdmin {
			return r
		}
	}
	panic("no administrator role")
}
