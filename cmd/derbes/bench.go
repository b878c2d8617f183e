package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/bench"
	"github.com/derbes-kz/derbes/internal/service"
)

// errBenchFailed makes "bench" exit non-zero when an operation failed or
// an audit count was off, after the report is printed.
var errBenchFailed = errors.New("bench: some operations failed or the audit entries do not match them (see the report)")

// runBench drives workload W (internal/bench) against derbes on loopback:
// the server at --url, or, by default, a derbes of its own started in
// process on a temporary SQLite (or on --db, a fresh empty database the
// caller provides), removed afterwards.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	target := fs.String("url", "", "derbes to drive, on loopback only (default: start one in process on a temporary SQLite)")
	token := fs.String("token", getenv("DERBES_TOKEN"), "API token for --url, role responsible-person [DERBES_TOKEN]")
	db := fs.String("db", "", "with no --url: run the in-process derbes on this fresh, empty database (SQLite path or postgres:// URL) instead of a temporary SQLite")
	clients := fs.String("clients", "1,8", "comma-separated concurrent client counts")
	dur := fs.Duration("duration", 10*time.Second, "length of each phase (create, then read) per client count")
	seed := fs.Uint64("seed", 0, "seed of the synthetic applicants (default: from the clock)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	}
	counts, err := parseClients(*clients)
	if err != nil {
		return err
	}
	cfg := bench.Config{URL: *target, Token: *token, Clients: counts, Duration: *dur, Seed: *seed}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	server := ""
	if *target == "" {
		var stop func()
		cfg.URL, cfg.Token, server, stop, err = benchServer(ctx, *db, stderr)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		if *db != "" {
			return errors.New("bench: --db is for the in-process derbes; it cannot be combined with --url")
		}
		if err := bench.CheckLoopback(*target); err != nil {
			return err
		}
		if cfg.Token == "" {
			return errors.New("bench: --url needs an API token: --token or DERBES_TOKEN (derbes token issue --role responsible-person)")
		}
	}
	rep, err := bench.Run(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	rep.Server = server
	if server == "" {
		rep.Server = "derbes at " + rep.URL
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.Table(stdout)
	}
	if !rep.OK() {
		return errBenchFailed
	}
	return nil
}

// benchServer starts derbes in process on 127.0.0.1:0 with a temporary data
// directory (and its own development master key), on dsn or a temporary
// SQLite, and issues the bench a responsible-person token. stop shuts it
// down and removes the directory.
func benchServer(ctx context.Context, dsn string, stderr io.Writer) (url, token, server string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "derbes-bench-")
	if err != nil {
		return "", "", "", nil, err
	}
	cfg := app.Config{DataDir: dir, DB: dsn, Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "derbes bench", OperatorBIN: app.ExampleBIN}
	// The generated master key's warning is noise: the key lives and dies
	// with the temporary directory.
	a, err := app.Start(ctx, cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err != nil {
		os.RemoveAll(dir)
		if dsn != "" {
			// A database derbes used before was sealed under another master
			// key than the bench's fresh one, and does not open.
			err = fmt.Errorf("bench: --db must be a fresh, empty database: %w", err)
		}
		return "", "", "", nil, err
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := a.Shutdown(sctx); err != nil {
			fmt.Fprintln(stderr, "derbes bench: shutting down:", err)
		}
		os.RemoveAll(dir)
	}
	fail := func(err error) (string, string, string, func(), error) {
		stop()
		return "", "", "", nil, err
	}
	if dsn != "" {
		// W writes synthetic people: never into a database that holds anyone.
		n, err := a.Service.SubjectCount(ctx)
		if err != nil {
			return fail(err)
		}
		if n > 0 {
			return fail(fmt.Errorf("bench: --db holds %d subjects: the bench needs a fresh, empty database", n))
		}
	}
	sys := derbes.WithPrincipal(ctx, service.System("bench"))
	token, err = a.Service.IssueToken(sys, "bench "+time.Now().UTC().Format(time.RFC3339), service.RoleResponsible)
	if err != nil {
		return fail(err)
	}
	server = fmt.Sprintf("in-process derbes %s on %s", version, engineOf(cfg.DSN()))
	if dsn == "" {
		server = fmt.Sprintf("in-process derbes %s on a temporary SQLite", version)
	}
	return a.URL(), token, server, stop, nil
}

// parseClients parses "1,8" into client counts.
func parseClients(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1024 {
			return nil, fmt.Errorf("bench: --clients %q: want a comma-separated list of counts from 1 to 1024", s)
		}
		out = append(out, n)
	}
	return out, nil
}
