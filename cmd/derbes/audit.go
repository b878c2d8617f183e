package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

// errChainBroken makes "audit verify" exit non-zero on a broken chain.
var errChainBroken = errors.New("audit chain verification found problems")

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: derbes audit verify [--json] [flags]")
	}
	fs := newFlagSet("audit verify", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	svc, err := openForCLI(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	rep, err := svc.VerifyAudit(derbes.WithPrincipal(ctx, service.System("cli")))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "audit chain: %d entries, %d signed checkpoints\n", rep.Entries, rep.Checkpoints)
		for _, f := range rep.Findings {
			fmt.Fprintf(stdout, "  seq %d: %s: %s\n", f.Seq, f.Kind, f.Detail)
		}
		if rep.OK {
			fmt.Fprintln(stdout, "OK: every entry and checkpoint verifies")
		}
	}
	if !rep.OK {
		return errChainBroken
	}
	return nil
}
