package service

import (
	"context"
	"fmt"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/store"
)

// lastBackupKey is the setting holding the last verified backup, read by
// the control report and the dashboard (R-OPS-1).
const lastBackupKey = "last-backup-verified"

// BackupDB gives the scheduled backup job the database it snapshots. Only
// the job in internal/app calls it; the service never writes a backup
// itself, since the backup package restores through the service.
func (s *Service) BackupDB() *store.DB { return s.db }

// ClaimJob takes the named job's lease for every: among several nodes on
// one database, one runs the job (see store.ClaimLease).
func (s *Service) ClaimJob(ctx context.Context, name string, every time.Duration) (bool, error) {
	var mine bool
	now := s.now().UnixMicro()
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var err error
		mine, err = c.ClaimLease(ctx, name, now, every.Microseconds())
		return nil, err
	})
	return mine, err
}

// BackupRecord is a backup that was written and then read back and
// authenticated in full.
type BackupRecord struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Rows    int64     `json:"rows"`
	Bytes   int64     `json:"bytes"`
}

// RecordBackup notes a verified backup: the setting the dashboard and the
// control report read, and an audit entry naming the backup (never a path
// or a row's content).
func (s *Service) RecordBackup(ctx context.Context, b BackupRecord) error {
	if b.ID == "" || b.Created.IsZero() {
		return derbes.Invalid("backup", "required", "a backup record needs its id and time")
	}
	return s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		if err := c.PutSetting(ctx, lastBackupKey, b.Created.UTC().Format(time.RFC3339)); err != nil {
			return nil, err
		}
		return []derbes.AuditEntry{s.entry(ctx, "backup.verified", "", "", nil, derbes.OutcomeOK,
			fmt.Sprintf("backup:%s rows:%d", b.ID, b.Rows))}, nil
	})
}

// LastBackup returns when the last verified backup was made; ok is false
// when none has been.
func (s *Service) LastBackup(ctx context.Context) (at time.Time, ok bool, err error) {
	v, ok, err := s.db.Read().Setting(ctx, lastBackupKey)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	at, err = time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("service: setting %s: %w", lastBackupKey, err)
	}
	return at, true, nil
}
