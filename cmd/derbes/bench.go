package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/bench"
	"github.com/derbes-kz/derbes/internal/ceiling"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
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
	clients := fs.String("clients", "1,8,32", "comma-separated concurrent client counts")
	ceil := fs.Bool("ceiling", false, "also measure, in the same run, the bare storage's rate for the same rows (one transaction per create, no crypto, HTTP or audit chain) and report each phase as a ratio to it; in-process derbes only")
	dur := fs.Duration("duration", 10*time.Second, "length of each phase (create, then read) per client count")
	seed := fs.Uint64("seed", 0, "seed of the synthetic applicants (default: from the clock)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run (the in-process derbes and the clients) to this file, for go tool pprof")
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
	server, dsn := "", ""
	if *target == "" {
		var stop func()
		cfg.URL, cfg.Token, server, dsn, stop, err = benchServer(ctx, *db, stderr)
		if err != nil {
			return err
		}
		defer stop()
	} else {
		if *db != "" || *ceil {
			return errors.New("bench: --db and --ceiling are for the in-process derbes; they cannot be combined with --url")
		}
		if err := bench.CheckLoopback(*target); err != nil {
			return err
		}
		if cfg.Token == "" {
			return errors.New("bench: --url needs an API token: --token or DERBES_TOKEN (derbes token issue --role responsible-person)")
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	rep, err := bench.Run(ctx, cfg, stderr)
	if *cpuProfile != "" {
		pprof.StopCPUProfile() // the ceiling, if any, is not profiled
	}
	if err != nil {
		return err
	}
	rep.Server = server
	if server == "" {
		rep.Server = "derbes at " + rep.URL
	}
	if *ceil {
		c, err := measureCeiling(ctx, dsn, counts, *dur, stderr)
		if err != nil {
			return err
		}
		rep.SetCeiling(c)
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
func benchServer(ctx context.Context, dsn string, stderr io.Writer) (url, token, server, usedDSN string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "derbes-bench-")
	if err != nil {
		return "", "", "", "", nil, err
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
		return "", "", "", "", nil, err
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := a.Shutdown(sctx); err != nil {
			fmt.Fprintln(stderr, "derbes bench: shutting down:", err)
		}
		os.RemoveAll(dir)
	}
	fail := func(err error) (string, string, string, string, func(), error) {
		stop()
		return "", "", "", "", nil, err
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
	return a.URL(), token, server, cfg.DSN(), stop, nil
}

// measureCeiling copies one subject the bench created, byte for byte, into
// a scratch database of the same engine and settings (a temporary SQLite
// file beside derbes's, or a schema of its own in the PostgreSQL database)
// and measures bare creates and lookups at each client count.
func measureCeiling(ctx context.Context, dsn string, counts []int, dur time.Duration, progress io.Writer) (*bench.Ceiling, error) {
	src, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	var id string
	err = src.RawReader().QueryRowContext(ctx, `SELECT s.id FROM subjects s WHERE s.kind = 'applicant'
		AND EXISTS (SELECT 1 FROM blind_index b WHERE b.subject_id = s.id AND b.category = 'iin') ORDER BY s.created_at DESC LIMIT 1`).Scan(&id)
	var tpl *ceiling.Template
	if err == nil {
		tpl, err = ceiling.Capture(ctx, src.RawReader(), id)
	}
	src.Close()
	if err != nil {
		return nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	scratchDSN, drop, err := scratchDatabase(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer drop()
	scratch, err := store.Open(ctx, scratchDSN)
	if err != nil {
		return nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	defer scratch.Close()
	st := ceiling.Store{W: scratch.Raw(), R: scratch.RawReader()}
	out := &bench.Ceiling{Method: "the same rows (copied from a created subject) written with one durable transaction per create; " +
		"lookup by the IIN's blind index, then the current values; same engine, schema and durability, no crypto, JSON, HTTP or audit chain",
		RowsPerCopy: tpl.Rows(), BytesPerCopy: tpl.Bytes()}
	copies := &ceiling.Copies{}
	for _, c := range counts {
		cr, err := st.Creates(ctx, tpl, c, dur, copies)
		if err != nil {
			return nil, err
		}
		rr, err := st.Reads(ctx, c, dur, copies)
		if err != nil {
			return nil, err
		}
		for _, r := range []ceiling.Result{cr, rr} {
			out.Results = append(out.Results, bench.CeilingResult{Clients: c, Phase: r.Phase, Ops: r.Ops, OpsPerSec: r.OpsPerSec, P50Ms: r.P50Ms, P99Ms: r.P99Ms})
			fmt.Fprintf(progress, "bench: ceiling, %d client(s), %s: %d in %.0fs (%.1f/s)\n", c, r.Phase, r.Ops, dur.Seconds(), r.OpsPerSec)
		}
	}
	return out, nil
}

// scratchDatabase is where the ceiling writes: a new SQLite file beside a
// SQLite database, or a new schema in a PostgreSQL one (search_path set in
// its URL). drop removes it.
func scratchDatabase(ctx context.Context, dsn string) (string, func(), error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		path := filepath.Join(filepath.Dir(dsn), "ceiling.db")
		return path, func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}, nil
	}
	u, err := neturl.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	const schema = "derbes_ceiling"
	if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), func() {
		admin.ExecContext(context.WithoutCancel(ctx), `DROP SCHEMA IF EXISTS `+schema+` CASCADE`)
		admin.Close()
	}, nil
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
