// Command derbes is the personal-data processing system: the server, and
// the commands that operate it. Run "derbes --help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "derbes:", err)
		os.Exit(1)
	}
}

// command is one subcommand of derbes.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (--demo loads a synthetic population)", runServe},
		{"audit", "audit trail tools: 'audit verify' checks the hash chain and signed checkpoints", runAudit},
		{"token", "API tokens: 'token issue --name N --role R' prints a new token", runToken},
		{"backup", "an online, encrypted backup: 'backup [--out FILE]'; 'backup verify FILE' checks one", runBackup},
		{"restore", "'restore FILE --ledger LEDGER' restores a backup into an empty installation", runRestore},
		{"keys", "key rotation: 'keys rotate --purpose P', 'keys rotate-master --new-key-file F'", runKeys},
		{"import", "'import FILE --mapping MAP.json' loads applicants from CSV (UTF-8 or Windows-1251) or XLSX; resumable", runImport},
		{"export", "'export --purpose P --categories a,b --out FILE' writes CSV or XLSX, every subject audited", runExport},
		{"retention", "storage periods: 'retention preview [--at DATE]', 'retention run', 'retention approve ACT'", runRetention},
		{"stats", "'stats export [--k N] [--out FILE]' writes a depersonalised, k-anonymous extract as CSV", runStats},
		{"generate", "'generate --applicants N' creates N synthetic applicants of workload W (scale measurements)", runGenerate},
		{"bench", "drive workload W against a running derbes and report throughput and latency", runBench},
		{"config-reference", "print the configuration reference (every flag and DERBES_* variable) as Markdown", runConfigReference},
		{"version", "print the version", runVersion},
	}
}

// run is the whole program; main and the tests call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], getenv, stdout, stderr)
			if errors.Is(err, flag.ErrHelp) {
				return nil // --help printed the flags: not a failure
			}
			return err
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "derbes: personal-data processing system (Law 94-V of the Republic of Kazakhstan)")
	fmt.Fprintln(w, "\nUsage: derbes COMMAND [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'derbes COMMAND --help' for a command's flags. Every flag can also be set by its DERBES_* environment variable.")
}

func runVersion(_ context.Context, _ []string, _ func(string) string, stdout, _ io.Writer) error {
	_, err := fmt.Fprintln(stdout, "derbes", version)
	return err
}
