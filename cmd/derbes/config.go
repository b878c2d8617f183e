package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/service"
)

// option is one configuration setting: a flag and its environment variable.
// The table is the single source of the configuration reference.
type option struct {
	flag, env, def, help string
	set                  func(c *app.Config, v string) error
}

func options() []option {
	str := func(f func(c *app.Config) *string) func(*app.Config, string) error {
		return func(c *app.Config, v string) error { *f(c) = v; return nil }
	}
	boolean := func(f func(c *app.Config) *bool) func(*app.Config, string) error {
		return func(c *app.Config, v string) error {
			b, err := strconv.ParseBool(v)
			*f(c) = b
			return err
		}
	}
	integer := func(f func(c *app.Config) *int) func(*app.Config, string) error {
		return func(c *app.Config, v string) error {
			n, err := strconv.Atoi(v)
			*f(c) = n
			return err
		}
	}
	duration := func(f func(c *app.Config) *time.Duration) func(*app.Config, string) error {
		return func(c *app.Config, v string) error {
			d, err := time.ParseDuration(v)
			if err == nil && d < 0 {
				err = fmt.Errorf("a duration of 0 or more")
			}
			*f(c) = d
			return err
		}
	}
	return []option{
		{"data", "DERBES_DATA", "derbes-data", "data directory (SQLite database, development key)", str(func(c *app.Config) *string { return &c.DataDir })},
		{"db", "DERBES_DB", "", "database: a SQLite file path or a postgres:// URL (default DATA/derbes.db)", str(func(c *app.Config) *string { return &c.DB })},
		{"addr", "DERBES_ADDR", "127.0.0.1:8080", "address to listen on", str(func(c *app.Config) *string { return &c.Addr })},
		{"trusted-proxies", "DERBES_TRUSTED_PROXIES", "127.0.0.1,::1", "reverse proxies (addresses or CIDR prefixes, comma-separated) whose X-Forwarded-For names the client; sign-in and application limits count per client", str(func(c *app.Config) *string { return &c.TrustedProxies })},
		{"master-key-file", "DERBES_MASTER_KEY_FILE", "", "master key file (default DATA/master.key, generated for development when absent); DERBES_MASTER_KEY (base64) takes precedence", str(func(c *app.Config) *string { return &c.MasterKeyFile })},
		{"operator-name", "DERBES_OPERATOR_NAME", `ТОО «ELECTRONIC SERVICE CENTRE FOR APPLICANTS ECSA.ME»`, "the operator's name, shown in consents and reports", str(func(c *app.Config) *string { return &c.OperatorName })},
		{"operator-bin", "DERBES_OPERATOR_BIN", "", "the operator's BIN (business identification number)", str(func(c *app.Config) *string { return &c.OperatorBIN })},
		{"location", "DERBES_LOCATION", "KZ", "ISO country where the data is stored (Law 94-V Art. 12 p.2)", str(func(c *app.Config) *string { return &c.Location })},
		{"allow-foreign-location", "DERBES_ALLOW_FOREIGN_LOCATION", "false", "start even though --location is outside Kazakhstan (testing only)", boolean(func(c *app.Config) *bool { return &c.AllowForeignLocation })},
		{"log-level", "DERBES_LOG_LEVEL", "info", "debug, info, warn or error", str(func(c *app.Config) *string { return &c.LogLevel })},
		{"calendar-dir", "DERBES_CALENDAR_DIR", "", "directory of per-year working-day calendar files (NNNN.json) overriding the built-in ones", str(func(c *app.Config) *string { return &c.CalendarDir })},
		{"backup-dir", "DERBES_BACKUP_DIR", "", "directory of the scheduled backups (default DATA/backups)", str(func(c *app.Config) *string { return &c.BackupDir })},
		{"backup-every", "DERBES_BACKUP_EVERY", "24h", "how often serve makes, verifies and records a backup; 0 turns scheduled backups off", duration(func(c *app.Config) *time.Duration { return &c.BackupEvery })},
		{"backup-keep", "DERBES_BACKUP_KEEP", "7", "how many backup generations to keep in --backup-dir (the oldest are removed after a new one verifies)", integer(func(c *app.Config) *int { return &c.BackupKeep })},
		{"apply-draft-ttl", "DERBES_APPLY_DRAFT_TTL", "6h", "how long an unfinished online application is kept before it is destroyed", duration(func(c *app.Config) *time.Duration { return &c.DraftTTL })},
		{"stats-k", "DERBES_STATS_K", "5", "every group the daily statistics extract releases covers at least k subjects (R-RETAIN-2)", integer(func(c *app.Config) *int { return &c.StatsK })},
		{"smtp-host", "DERBES_SMTP_HOST", "", "SMTP server for one-time codes and notices (none: e-mail off)", str(func(c *app.Config) *string { return &c.SMTP.Host })},
		{"smtp-port", "DERBES_SMTP_PORT", "587", "SMTP port", integer(func(c *app.Config) *int { return &c.SMTP.Port })},
		{"smtp-tls", "DERBES_SMTP_TLS", "starttls", "starttls, tls (implicit, port 465) or none (loopback only)", str(func(c *app.Config) *string { return &c.SMTP.TLS })},
		{"smtp-user", "DERBES_SMTP_USER", "", "SMTP user name (the password comes from DERBES_SMTP_PASSWORD only)", str(func(c *app.Config) *string { return &c.SMTP.Username })},
		{"smtp-from", "DERBES_SMTP_FROM", "", "sender address of derbes's mail", str(func(c *app.Config) *string { return &c.SMTP.From })},
		{"sms-url", "DERBES_SMS_URL", "", "SMS gateway URL template with {to} and {text} (none: SMS off)", str(func(c *app.Config) *string { return &c.SMS.URL })},
		{"sms-method", "DERBES_SMS_METHOD", "POST", "GET or POST", str(func(c *app.Config) *string { return &c.SMS.Method })},
		{"sms-body", "DERBES_SMS_BODY", "", "POST body template with {to} and {text}", str(func(c *app.Config) *string { return &c.SMS.Body })},
		{"sms-content-type", "DERBES_SMS_CONTENT_TYPE", "application/json", "content type of the POST body", str(func(c *app.Config) *string { return &c.SMS.ContentType })},
	}
}

// configFlags registers the options on fs, with defaults taken from the
// environment, and returns a function that fills the Config after parsing.
func configFlags(fs *flag.FlagSet, getenv func(string) string) func() (app.Config, error) {
	vals := map[string]*string{}
	for _, o := range options() {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		vals[o.flag] = fs.String(o.flag, def, fmt.Sprintf("%s [%s]", o.help, o.env))
	}
	return func() (app.Config, error) {
		// Secrets come from the environment only: a flag would show in ps.
		cfg := app.Config{MasterKey: getenv("DERBES_MASTER_KEY")}
		cfg.SMTP.Password = getenv("DERBES_SMTP_PASSWORD")
		cfg.SMS.Token = getenv("DERBES_SMS_TOKEN")
		for _, o := range options() {
			if err := o.set(&cfg, *vals[o.flag]); err != nil {
				return cfg, fmt.Errorf("--%s: %w", o.flag, err)
			}
		}
		return cfg, nil
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("derbes "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// openForCLI adds the configuration flags to fs, parses args and opens the
// service for a command that runs beside (or instead of) the server.
func openForCLI(ctx context.Context, fs *flag.FlagSet, args []string, getenv func(string) string, stderr io.Writer) (*service.Service, error) {
	config := configFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg, err := config()
	if err != nil {
		return nil, err
	}
	return app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), stderr)
}
