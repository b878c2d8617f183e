// Package app wires derbes together: configuration, master key, database,
// service and HTTP server. The binary's commands and the end-to-end tests
// both start derbes through Start, so what is tested is what runs.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/derbes-kz/derbes/internal/api"
	"github.com/derbes-kz/derbes/internal/calendar"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/metrics"
	"github.com/derbes-kz/derbes/internal/portal"
	"github.com/derbes-kz/derbes/internal/server"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/sms"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
	"github.com/derbes-kz/derbes/internal/web"
)

// Config is derbes's configuration. Every field is settable by a flag and
// an environment variable (see Options).
type Config struct {
	DataDir              string
	DB                   string // SQLite path or PostgreSQL URL; DataDir/derbes.db when empty
	Addr                 string
	TrustedProxies       string // comma-separated addresses/prefixes whose X-Forwarded-For is believed
	MasterKey            string // base64 key (DERBES_MASTER_KEY); a key file is used when empty
	MasterKeyFile        string // DataDir/master.key when empty
	OperatorName         string
	OperatorBIN          string
	Location             string // ISO country where the data is stored (Art. 12 p.2)
	AllowForeignLocation bool
	Demo                 bool
	LogLevel             string
	CalendarDir          string        // an operator's per-year calendar files, overriding the embedded ones
	BackupDir            string        // scheduled backups; DataDir/backups when empty
	BackupEvery          time.Duration // 0: no scheduled backups
	BackupKeep           int           // generations kept in BackupDir
	backupDelay          time.Duration // before a due first backup; a minute when 0 (tests shorten it)
	StatsK               int           // k of the scheduled statistics extract (R-RETAIN-2); 5 when 0
	webhookEvery         time.Duration // how often due webhook deliveries are sent; 5 s when 0 (tests shorten it)
	readTimeout          time.Duration // a client's whole request (headers: a third of it); 30 s when 0 (tests shorten it)
	DraftTTL             time.Duration // how long an online application draft lives; service.DraftTTL when 0
	SMTP                 mail.Config
	SMS                  sms.Config
}

// ExampleBIN is a synthetic but valid BIN for demos, benches and tests.
// Consents carry the operator's BIN (Law 94-V Art. 8 p.4 item 1), so a
// real installation must configure its own.
const ExampleBIN = "180340021791"

// backupDir is where scheduled backups go.
func (c Config) backupDir() string {
	if c.BackupDir != "" {
		return c.BackupDir
	}
	return filepath.Join(c.DataDir, "backups")
}

// DSN returns the database to open.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "derbes.db")
}

// checkLocation refuses to start on storage declared outside Kazakhstan
// unless explicitly overridden (R-VAULT-7, Art. 12 p.2).
func (c Config) checkLocation(log *slog.Logger) error {
	loc := strings.ToUpper(strings.TrimSpace(c.Location))
	if loc == "KZ" {
		return nil
	}
	if !c.AllowForeignLocation {
		return fmt.Errorf("config: data location %q is outside Kazakhstan: Law 94-V Art. 12 p.2 requires storage in Kazakhstan (override with --allow-foreign-location only for testing)", c.Location)
	}
	log.Warn("data location outside Kazakhstan allowed by override", "location", loc)
	return nil
}

// master returns the master key: DERBES_MASTER_KEY, or the key file,
// generated on first use with a loud warning (development only).
func (c Config) master(stderr io.Writer) (vault.Master, error) {
	if c.MasterKey != "" {
		return vault.ParseMasterKey(c.MasterKey)
	}
	path := c.MasterKeyFile
	if path == "" {
		path = filepath.Join(c.DataDir, "master.key")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("config: key directory: %w", err)
	}
	m, created, err := vault.LoadOrCreateKeyFile(path)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(stderr, "WARNING: generated a DEVELOPMENT master key at %s.\n"+
			"         Anyone with this file and the database can read every personal value.\n"+
			"         In production, supply the key from a KMS or DERBES_MASTER_KEY and keep it off this disk.\n", path)
	}
	return m, nil
}

// OpenService opens the database and the service under cfg.
func OpenService(ctx context.Context, cfg Config, log *slog.Logger, stderr io.Writer) (*service.Service, error) {
	svc, _, err := openService(ctx, cfg, log, stderr)
	return svc, err
}

// openService is OpenService that also returns the master key, which the
// scheduled backups wrap each backup's key under.
func openService(ctx context.Context, cfg Config, log *slog.Logger, stderr io.Writer) (*service.Service, vault.Master, error) {
	if err := cfg.checkLocation(log); err != nil {
		return nil, nil, err
	}
	if cfg.OperatorBIN == "" {
		log.Warn("no operator BIN configured (--operator-bin): consents cannot be recorded, as Law 94-V Art. 8 p.4 requires it in each")
	} else if err := ident.BIN(cfg.OperatorBIN); err != nil {
		return nil, nil, fmt.Errorf("config: --operator-bin: %w", err)
	}
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("config: data directory: %w", err)
		}
	}
	master, err := cfg.master(stderr)
	if err != nil {
		return nil, nil, err
	}
	cat, err := catalogue.Default()
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, nil, err
	}
	opt, err := cfg.senders()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if cfg.CalendarDir != "" {
		if opt.Calendar, err = calendar.LoadDir(cfg.CalendarDir); err != nil {
			db.Close()
			return nil, nil, err
		}
	}
	opt.Operator = service.Operator{Name: cfg.OperatorName, BIN: cfg.OperatorBIN, Location: strings.ToUpper(cfg.Location)}
	opt.Logger = log
	if cfg.StatsK != 0 && (cfg.StatsK < 2 || cfg.StatsK > 1000) {
		db.Close()
		return nil, nil, fmt.Errorf("config: --stats-k: k is between 2 and 1000 (got %d)", cfg.StatsK)
	}
	opt.StatsK = cfg.StatsK
	if cfg.DraftTTL < 0 || cfg.DraftTTL > 7*24*time.Hour {
		db.Close()
		return nil, nil, fmt.Errorf("config: --apply-draft-ttl: between 0 and 168h (got %s)", cfg.DraftTTL)
	}
	opt.DraftTTL = cfg.DraftTTL
	svc, err := service.New(ctx, db, master, cat, opt)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, master, nil
}

// senders builds the mail and SMS senders that are configured.
func (c Config) senders() (service.Options, error) {
	var opt service.Options
	if c.SMTP.Host != "" {
		m, err := mail.NewSMTP(c.SMTP)
		if err != nil {
			return opt, fmt.Errorf("config: smtp: %w", err)
		}
		opt.Mail = m
	}
	if c.SMS.URL != "" {
		s, err := sms.NewHTTP(c.SMS, nil)
		if err != nil {
			return opt, fmt.Errorf("config: sms: %w", err)
		}
		opt.SMS = s
	}
	return opt, nil
}

// App is a running derbes server.
type App struct {
	Service *service.Service
	ln      net.Listener
	srv     *http.Server
	served  chan error
	// stopJobs ends the scheduler; jobs is done when its goroutines are.
	stopJobs context.CancelFunc
	jobs     sync.WaitGroup
}

// Start opens derbes and serves HTTP on cfg.Addr (":0" picks a port).
func Start(ctx context.Context, cfg Config, log *slog.Logger, stderr io.Writer) (*App, error) {
	if cfg.BackupEvery > 0 && cfg.BackupKeep < 1 {
		return nil, fmt.Errorf("config: --backup-keep: keep at least 1 generation (got %d)", cfg.BackupKeep)
	}
	svc, master, err := openService(ctx, cfg, log, stderr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		svc.Close(ctx)
		return nil, fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	proxies, err := server.ParseProxies(cfg.TrustedProxies)
	if err != nil {
		ln.Close()
		svc.Close(ctx)
		return nil, fmt.Errorf("config: --trusted-proxies: %w", err)
	}
	console, err := web.New(svc, log)
	if err != nil {
		ln.Close()
		svc.Close(ctx)
		return nil, err
	}
	m := metrics.New(svc.AuditLength)
	m.WatchBackups(svc.LastBackup)
	svc.SetObserver(m)
	restAPI := api.New(svc, log)
	restAPI.SetMetrics(m)
	subjects, err := portal.New(svc, log, portal.Config{})
	if err != nil {
		ln.Close()
		svc.Close(ctx)
		return nil, err
	}
	a := &App{Service: svc, ln: ln, served: make(chan error, 1)}
	a.srv = &http.Server{
		Handler: server.Handler(restAPI, console, subjects, log, proxies),
		// A slow client (headers or body dribbled in) is cut off rather
		// than holding a connection and its goroutine indefinitely.
		ReadHeaderTimeout: cmp.Or(cfg.readTimeout, 30*time.Second) / 3,
		ReadTimeout:       cmp.Or(cfg.readTimeout, 30*time.Second),
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { a.served <- a.srv.Serve(ln) }()
	jobs, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	a.stopJobs = stopJobs
	a.jobs.Add(1)
	go func() { defer a.jobs.Done(); a.schedule(jobs, log) }()
	a.jobs.Add(1)
	go func() { defer a.jobs.Done(); a.deliverWebhooks(jobs, log, cmp.Or(cfg.webhookEvery, 5*time.Second)) }()
	if cfg.BackupEvery > 0 {
		b := &backups{svc: svc, master: master, dir: cfg.backupDir(), every: cfg.BackupEvery, keep: cfg.BackupKeep, log: log, observe: m.JobRun}
		a.jobs.Add(1)
		go func() { defer a.jobs.Done(); b.loop(jobs, cmp.Or(cfg.backupDelay, time.Minute)) }()
	}
	return a, nil
}

// schedule runs the periodic jobs (control report, escalations, notices)
// every quarter of an hour; leases in the database keep nodes from running
// a job twice.
func (a *App) schedule(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(15 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if ran, err := a.Service.RunScheduled(ctx); err != nil {
				log.ErrorContext(ctx, "scheduled jobs", "err", err)
			} else if len(ran) > 0 {
				log.InfoContext(ctx, "scheduled jobs ran", "jobs", ran)
			}
		}
	}
}

// deliverWebhooks sends due webhook deliveries every interval.
func (a *App) deliverWebhooks(ctx context.Context, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.Service.DeliverWebhooks(ctx); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "webhook deliveries", "err", err)
			}
		}
	}
}

// Addr is the address the server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the server's base URL.
func (a *App) URL() string { return "http://" + a.Addr() }

// Wait blocks until the server stops serving.
func (a *App) Wait() error {
	if err := <-a.served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting requests, lets those in flight finish, then
// checkpoints the audit chain and closes the database.
func (a *App) Shutdown(ctx context.Context) error {
	a.stopJobs()
	err := a.srv.Shutdown(ctx)
	a.jobs.Wait() // a backup in progress ends (cancelled) before the database closes
	return errors.Join(err, a.Service.Close(ctx))
}
