package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/importer"
	"github.com/derbes-kz/derbes/internal/service"
)

// runImport is "derbes import FILE --mapping MAP [--report FILE]" (R-OPS-5).
func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr)
	mapping := fs.String("mapping", "", "the column-mapping file (JSON: purpose, kind, citizenship, columns, optional consent)")
	sheet := fs.String("sheet", "", "the XLSX sheet (default the first)")
	report := fs.String("report", "", "where to write the rejected rows as CSV (default FILE.rejected.csv when any)")
	lang := fs.String("lang", "ru", "the report's language: kk, ru or en")
	workers := fs.Int("workers", 8, "rows written concurrently (group-committed together)")
	var file string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	svc, err := openForCLI(ctx, fs, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *mapping == "" {
		return fmt.Errorf("usage: derbes import FILE --mapping MAP.json [--report REJECTED.csv] [flags]")
	}
	m, err := importer.ReadMapping(*mapping)
	if err != nil {
		return err
	}
	t, err := importer.ReadFile(file, *sheet)
	if err != nil {
		return err
	}
	bar := progressbar.NewOptions(len(t.Rows), progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("import"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	start := time.Now()
	res, err := importer.Run(derbes.WithPrincipal(ctx, service.System("import")), svc, t, m,
		importer.Options{Workers: *workers, Lang: i18n.Lang(*lang), Progress: func(int) { bar.Add(1) }})
	bar.Finish()
	if res != nil {
		secs := time.Since(start).Seconds()
		fmt.Fprintf(stdout, "%d rows: %d imported, %d already there, %d rejected in %.1f s (%.0f rows/s)\n",
			len(t.Rows), res.Imported, res.Existing, res.Rejected, secs, float64(res.Imported+res.Existing+res.Rejected)/max(secs, 1e-9))
		if res.Rejected > 0 {
			path := *report
			if path == "" {
				path = file + ".rejected.csv"
			}
			f, ferr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if ferr != nil {
				return ferr
			}
			defer f.Close()
			if werr := importer.WriteReport(f, t.Header, res.Rejections); werr != nil {
				return werr
			}
			fmt.Fprintf(stdout, "rejected rows with line, column and reason: %s (fix them there and import that file again)\n", path)
		}
	}
	if err != nil {
		return fmt.Errorf("%w (the import can be run again: rows already imported are skipped)", err)
	}
	return nil
}

// runExport is "derbes export --purpose P --categories a,b [--format csv|xlsx] --out FILE" (R-OPS-5).
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	purpose := fs.String("purpose", "", "the purpose the data is exported under (its basis is checked per subject)")
	cats := fs.String("categories", "", "category keys, comma-separated")
	format := fs.String("format", "csv", "csv or xlsx")
	out := fs.String("out", "", "the file to write (must not exist)")
	lang := fs.String("lang", "ru", "the header's language: kk, ru or en")
	svc, err := openForCLI(ctx, fs, args, getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	if *out == "" || (*format != "csv" && *format != "xlsx") {
		return fmt.Errorf("usage: derbes export --purpose P --categories a,b [--format csv|xlsx] --out FILE")
	}
	x, err := svc.ExportSubjects(derbes.WithPrincipal(ctx, service.System("export")), *purpose, strings.Split(*cats, ","), *lang)
	if err != nil {
		return err
	}
	var data []byte
	if *format == "xlsx" {
		data, err = x.XLSX()
	} else {
		data, err = x.CSV()
	}
	if err != nil {
		return err
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(stdout, "%d subjects exported under %s (each recorded in the audit trail): %s\n", len(x.Rows), x.Purpose, *out)
	return f.Close()
}
