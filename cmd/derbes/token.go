package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/service"
)

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "issue" {
		return fmt.Errorf("usage: derbes token issue --name NAME --role ROLE [flags]")
	}
	fs := newFlagSet("token issue", stderr)
	config := configFlags(fs, getenv)
	name := fs.String("name", "", "what the token is for (e.g. \"website form\")")
	role := fs.String("role", service.RoleIntegration, "the role the token acts with")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	svc, err := app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	tok, err := svc.IssueToken(derbes.WithPrincipal(ctx, service.System("cli")), *name, *role)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}
