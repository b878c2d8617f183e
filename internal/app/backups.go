package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/vault"
)

// backups is the scheduled backup job (R-OPS-1): every interval it writes
// a backup into dir, reads it back and verifies it, records it for the
// dashboard and the control report, and keeps the newest keep generations.
type backups struct {
	svc    *service.Service
	master vault.Master
	dir    string
	every  time.Duration
	keep   int
	log    *slog.Logger
	// observe counts runs in the metrics; nil in tests that need none.
	observe func(job string, err error)
}

// loop runs until ctx ends. The first backup comes after delay when the
// last verified one is older than the interval (or there is none), so that
// an installation which was down over its backup time catches up without
// slowing its start.
func (b *backups) loop(ctx context.Context, delay time.Duration) {
	wait := b.every
	if at, ok, err := b.svc.LastBackup(ctx); err == nil && (!ok || time.Since(at) >= b.every) {
		wait = delay
	} else if err == nil {
		wait = b.every - time.Since(at)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			next := b.every
			g, err := b.run(ctx)
			if b.observe != nil && (g != nil || err != nil) {
				b.observe("backup", err)
			}
			if err != nil {
				if ctx.Err() == nil {
					b.log.ErrorContext(ctx, "scheduled backup failed", "err", err)
				}
				// Try again within the hour rather than a whole interval
				// later: the dashboard turns red after two days.
				next = min(b.every, time.Hour)
			} else if g != nil {
				b.log.InfoContext(ctx, "scheduled backup verified", "backup", g.Info.ID, "rows", g.Info.Rows,
					"bytes", g.Info.Bytes, "pruned", len(g.Pruned))
			}
			t.Reset(next)
		}
	}
}

// run makes one generation when this node holds the job's lease; it
// returns nil, nil when another node does.
func (b *backups) run(ctx context.Context) (*backup.Generation, error) {
	ctx = derbes.WithPrincipal(ctx, service.System("backup"))
	// Another node may have made this interval's backup already. The lease
	// only keeps two nodes from running at once; it goes stale within the
	// hour, so that a failed run is retried (nothing was recorded).
	due := b.every * 9 / 10
	if at, ok, err := b.svc.LastBackup(ctx); err != nil || (ok && time.Since(at) < due) {
		return nil, err
	}
	mine, err := b.svc.ClaimJob(ctx, "backup", min(due, 50*time.Minute))
	if err != nil || !mine {
		return nil, err
	}
	g, err := backup.MakeGeneration(ctx, b.svc.BackupDB(), b.master, b.dir, b.keep, backup.Options{Generator: "derbes serve (scheduled)"})
	if err != nil {
		return nil, fmt.Errorf("backup into %s: %w", b.dir, err)
	}
	err = b.svc.RecordBackup(ctx, service.BackupRecord{ID: g.Info.ID, Created: g.Info.Created, Rows: g.Info.Rows, Bytes: g.Info.Bytes})
	return g, err
}
