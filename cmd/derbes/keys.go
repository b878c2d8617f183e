package main

import (
	"context"
	"fmt"
	"io"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/vault"
)

// runKeys rotates keys (R-VAULT-6): "keys rotate --purpose P" makes a new
// purpose key version, re-wraps every subject key with progress and retires
// the old versions; "keys rotate-master --new-key-file F" re-wraps the
// keyring under a new master key (then restart derbes with it).
func runKeys(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "rotate-master") {
		return fmt.Errorf("usage: derbes keys rotate --purpose CODE | derbes keys rotate-master --new-key-file FILE")
	}
	fs := newFlagSet("keys "+args[0], stderr)
	purpose := fs.String("purpose", "", "the purpose whose key to rotate (keys rotate)")
	newKey := fs.String("new-key-file", "", "the new master key file (keys rotate-master); created when absent")
	svc, err := openForCLI(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	sys := derbes.WithPrincipal(ctx, service.System("cli"))
	if args[0] == "rotate-master" {
		m, _, err := vault.LoadOrCreateKeyFile(*newKey)
		if err != nil {
			return err
		}
		if err := svc.RotateMaster(sys, m); err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "master key rotated to %s: restart derbes with this key file; the old key opens nothing any more\n", m.ID())
		return err
	}
	v, err := svc.RotatePurposeKey(sys, *purpose)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "purpose %s: key version %d\n", *purpose, v)
	n, err := svc.RewrapPurpose(sys, *purpose, func(done, left int) {
		fmt.Fprintf(stderr, "\rre-wrapped %d subject keys, %d left", done, left)
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return err
	}
	retired, err := svc.RetireOldPurposeKeys(sys, *purpose)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "re-wrapped %d subject keys; retired versions %v\n", n, retired)
	return err
}
