package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// runBackup is "derbes backup [--out FILE]" and "derbes backup verify FILE".
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return runBackupVerify(ctx, args[1:], getenv, stdout, stderr)
	}
	fs := newFlagSet("backup", stderr)
	out := fs.String("out", "", "the backup file to write (default derbes-ENGINE-TIME.backup here; - for standard output)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	config := configFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("usage: derbes backup [--out FILE] [flags] | derbes backup verify FILE [flags]")
	}
	cfg, master, err := cliMaster(config)
	if err != nil {
		return err
	}
	db, err := openExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	path := *out
	if path == "" {
		path = backup.FileName(db.Engine(), start)
	}
	report := stdout
	var info *backup.Info
	opt := backup.Options{Generator: "derbes " + version}
	if path == "-" {
		report = stderr // the backup itself goes to standard output
		info, err = backup.Write(ctx, db, master, stdout, opt)
	} else {
		info, err = backup.WriteFile(ctx, db, master, path, opt)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(report, map[string]any{"file": path, "seconds": time.Since(start).Seconds(), "backup": info})
	}
	fmt.Fprintf(report, "backup %s of %s (schema %d) written to %s in %.1f s\n", info.ID, info.Engine, info.Schema, path, time.Since(start).Seconds())
	fmt.Fprintf(report, "  %d rows in %d tables; audit chain %d entries; %d bytes (%d before compression)\n",
		info.Rows, len(info.Tables), info.AuditSeq, info.Bytes, info.Plain)
	fmt.Fprintf(report, "  encrypted under a data key wrapped by master key %s (the master key is not in the file)\n", info.MasterID)
	return nil
}

func runBackupVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup verify", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	config := configFlags(fs, getenv)
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("usage: derbes backup verify FILE [flags]")
	}
	_, master, err := cliMaster(config)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := backup.Verify(ctx, master, f)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, info)
	}
	printInfo(stdout, info)
	fmt.Fprintln(stdout, "OK: every chunk authenticates; row counts and the SHA-256 trailer match")
	return nil
}

// runRestore is "derbes restore FILE (--ledger FILE | --no-ledger)".
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", stderr)
	ledgerFile := fs.String("ledger", "", "the erasure ledger exported from the installation (GET /api/v1/erasures), re-applied after the restore")
	noLedger := fs.Bool("no-ledger", false, "restore without a ledger: subjects destroyed after the backup was made come back (only when no ledger survives)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	config := configFlags(fs, getenv)
	file, err := parseWithFile(fs, args)
	if err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("usage: derbes restore FILE (--ledger FILE | --no-ledger) [flags]")
	}
	if (*ledgerFile == "") == !*noLedger {
		return fmt.Errorf("restore: give the erasure ledger with --ledger FILE (so that destructions made after the backup stay effective), or --no-ledger when none survives")
	}
	cfg, master, err := cliMaster(config)
	if err != nil {
		return err
	}
	var ledger []store.Erasure
	if *ledgerFile != "" {
		lf, err := os.Open(*ledgerFile)
		if err != nil {
			return err
		}
		ledger, err = backup.ParseLedger(lf)
		lf.Close()
		if err != nil {
			return err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return fmt.Errorf("restore: data directory: %w", err)
		}
	}
	start := time.Now()
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		return err
	}
	info, err := backup.Restore(ctx, db, master, f)
	db.Close()
	if err != nil {
		return err
	}
	restored := time.Since(start)
	svc, err := app.OpenService(ctx, cfg, slog.New(slog.DiscardHandler), stderr)
	if err != nil {
		return fmt.Errorf("restore: the data is restored, but the service does not open on it: %w", err)
	}
	defer svc.Close(context.WithoutCancel(ctx))
	res, err := backup.Finish(ctx, svc, ledger)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdout, map[string]any{"backup": info, "finish": res, "seconds": time.Since(start).Seconds()}); err != nil {
			return err
		}
	} else {
		printInfo(stdout, info)
		fmt.Fprintf(stdout, "restored into %s in %.1f s\n", dsnEngine(cfg.DSN()), restored.Seconds())
		if ledger == nil {
			fmt.Fprintln(stdout, "erasure ledger: NONE given (--no-ledger): subjects destroyed after this backup was made are back")
		} else {
			fmt.Fprintf(stdout, "erasure ledger: %d lines applied, %d subjects destroyed again\n", res.LedgerLines, res.Reapplied)
		}
		fmt.Fprintf(stdout, "audit chain: %d entries, %d signed checkpoints\n", res.Audit.Entries, res.Audit.Checkpoints)
		for _, f := range res.Audit.Findings {
			fmt.Fprintf(stdout, "  seq %d: %s: %s\n", f.Seq, f.Kind, f.Detail)
		}
		if res.Audit.OK {
			fmt.Fprintln(stdout, "OK: every entry and checkpoint verifies")
		}
	}
	if !res.Audit.OK {
		return errChainBroken
	}
	return nil
}

// parseWithFile parses flags placed before or after one positional FILE.
func parseWithFile(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() == 0 {
		return "", nil
	}
	file := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return file, nil
}

// cliMaster loads the master key as serve does, but never creates one: a
// backup or restore under a new key would be useless.
func cliMaster(config func() (app.Config, error)) (app.Config, vault.Master, error) {
	cfg, err := config()
	if err != nil {
		return cfg, nil, err
	}
	if cfg.MasterKey != "" {
		m, err := vault.ParseMasterKey(cfg.MasterKey)
		return cfg, m, err
	}
	path := cfg.MasterKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, "master.key")
	}
	if _, err := os.Stat(path); err != nil {
		return cfg, nil, fmt.Errorf("the master key: %w (set DERBES_MASTER_KEY or --master-key-file)", err)
	}
	m, _, err := vault.LoadOrCreateKeyFile(path)
	return cfg, m, err
}

// openExisting opens the installation's database, refusing to create one.
func openExisting(ctx context.Context, cfg app.Config) (*store.DB, error) {
	dsn := cfg.DSN()
	if dsnEngine(dsn) == store.SQLite {
		if _, err := os.Stat(dsn); err != nil {
			return nil, fmt.Errorf("no database to back up: %w", err)
		}
	}
	return store.Open(ctx, dsn)
}

func dsnEngine(dsn string) store.Engine {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return store.Postgres
	}
	return store.SQLite
}

func printInfo(w io.Writer, info *backup.Info) {
	fmt.Fprintf(w, "backup %s: %s schema %d, made %s under master key %s\n", info.ID, info.Engine, info.Schema,
		info.Created.Format(time.RFC3339), info.MasterID)
	for _, t := range info.Tables {
		if t.Rows > 0 {
			fmt.Fprintf(w, "  %-20s %10d\n", t.Name, t.Rows)
		}
	}
	fmt.Fprintf(w, "  %-20s %10d rows (%d tables; audit chain %d, consent chain %d)\n", "total", info.Rows, len(info.Tables), info.AuditSeq, info.ConsentSeq)
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
