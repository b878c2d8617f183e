package main

import (
	"context"
	"fmt"
	"io"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "issue" {
		return fmt.Errorf("usage: derbes token issue --name NAME --role ROLE [flags]")
	}
	fs := newFlagSet("token issue", stderr)
	name := fs.String("name", "", "what the token is for (e.g. \"website form\")")
	role := fs.String("role", service.RoleIntegration, "the role the token acts with")
	svc, err := openForCLI(ctx, fs, args[1:], getenv, stderr)
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
