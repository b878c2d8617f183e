package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/service"
)

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	config := configFlags(fs, getenv)
	demoMode := fs.Bool("demo", false, "load a synthetic demo population and issue a demo API token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	if *demoMode && cfg.OperatorBIN == "" {
		cfg.OperatorBIN = app.ExampleBIN
	}
	log := newLogger(stderr, cfg.LogLevel)
	a, err := app.Start(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	if *demoMode {
		if err := demo(ctx, a, stdout); err != nil {
			a.Shutdown(context.WithoutCancel(ctx))
			return err
		}
	}
	fmt.Fprintf(stdout, "derbes %s serving on %s (database: %s)\n", version, a.URL(), engineOf(cfg.DSN()))
	log.Info("serving", "addr", a.Addr())
	select {
	case <-ctx.Done():
	case err := <-waitErr(a):
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	return a.Shutdown(sctx)
}

func waitErr(a *app.App) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- a.Wait() }()
	return ch
}

func engineOf(dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return "PostgreSQL"
	}
	return "SQLite " + dsn
}

// demo seeds the demo population and prints how to try derbes.
func demo(ctx context.Context, a *app.App, stdout io.Writer) error {
	start := time.Now()
	n, err := app.SeedDemo(ctx, a.Service, app.DemoSize)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(stdout, "Loaded %d synthetic demo applicants in %s.\n", n, time.Since(start).Round(time.Millisecond))
	}
	logins, err := app.SeedDemoStaff(ctx, a.Service)
	if err != nil {
		return err
	}
	sys := derbes.WithPrincipal(ctx, service.System("demo"))
	tok, err := a.Service.IssueToken(sys, "demo "+time.Now().UTC().Format(time.RFC3339), service.RoleResponsible)
	if err != nil {
		return err
	}
	if len(logins) > 0 {
		fmt.Fprintf(stdout, "\n  Staff console: %s/console/  (demo logins, shown this once; sign in with the password,\n  then a recovery code as the second factor; each code works once)\n", a.URL())
		for _, l := range logins {
			fmt.Fprintf(stdout, "    %-20s %-30s password %s  codes %s\n", l.Role, l.Login, l.Password, strings.Join(l.Recovery, " "))
		}
	} else {
		fmt.Fprintf(stdout, "\n  Staff console: %s/console/  (demo staff exist: their logins were printed at the first start;\n  delete the data directory to start afresh)\n", a.URL())
	}
	fmt.Fprintf(stdout, `
  Open:        %[1]s/
  Portal:      %[1]s/portal   (applicants sign in with a one-time code; configure --smtp-host to send it)
  Policy:      %[1]s/policy
  API:         %[1]s/api/v1/openapi.yaml
  Demo login (API token, role responsible-person, new on every start):
    %[2]s
  Try:
    curl -s -H "Authorization: Bearer %[2]s" %[1]s/api/v1/audit?limit=5
    curl -s -H "Authorization: Bearer %[2]s" -H "Content-Type: application/json" \
      -d '{"purpose":"p4.1b","category":"full_name","value":"…"}' %[1]s/api/v1/subjects/search

`, a.URL(), tok)
	return nil
}
