package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/bench"
	"github.com/derbes-kz/derbes/internal/store"
)

// runGenerate is "derbes generate --applicants N": synthetic applicants of
// workload W loaded through the service for the scale measurements of the
// performance issue; it reports the rate and the disk used per applicant.
func runGenerate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr)
	n := fs.Int("applicants", 10000, "how many synthetic applicants to create")
	workers := fs.Int("workers", 32, "concurrent creates (group-committed together)")
	seed := fs.Uint64("seed", 0, "seed of the synthetic applicants (default: from the clock)")
	config := configFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("generate: unexpected argument %q", fs.Arg(0))
	}
	if *n < 1 || *n > 10_000_000 || *workers < 1 || *workers > 256 {
		return fmt.Errorf("generate: --applicants is 1 to 10,000,000 and --workers 1 to 256")
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	svc, err := app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), stderr)
	if err != nil {
		return err
	}
	before, err := svc.SubjectCount(ctx)
	if err != nil {
		svc.Close(context.WithoutCancel(ctx))
		return err
	}
	bar := progressbar.NewOptions(*n, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("generate"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("applicants"),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(500*time.Millisecond), progressbar.OptionClearOnFinish())
	res, err := bench.Load(ctx, svc, *n, *workers, *seed, func(c int64) { bar.Set64(c) })
	bar.Finish()
	svc.Close(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d applicants created in %.1f s (%.0f/s), %d workers; the database held %d subjects before\n",
		res.Created, res.Elapsed.Seconds(), float64(res.Created)/res.Elapsed.Seconds(), *workers, before)
	size, err := databaseSize(ctx, cfg.DSN())
	if err != nil {
		return err
	}
	total := before + res.Created
	fmt.Fprintf(stdout, "database size %d bytes: %.0f bytes per subject (%d subjects, audit trail included)\n", size, float64(size)/float64(total), total)
	return nil
}

// databaseSize is the on-disk size of the database: the SQLite file after
// its write-ahead log is checkpointed into it, or PostgreSQL's
// pg_database_size.
func databaseSize(ctx context.Context, dsn string) (int64, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if db.Engine() == store.Postgres {
		var n int64
		err := db.Raw().QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&n)
		return n, err
	}
	if _, err := db.Raw().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, fmt.Errorf("generate: checkpoint: %w", err)
	}
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(dsn + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n, nil
}
