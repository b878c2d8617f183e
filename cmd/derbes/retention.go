package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

// runRetention is "derbes retention preview [--at DATE]", "derbes
// retention run" and "derbes retention approve ACT" (R-RETAIN-1).
func runRetention(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	const use = "usage: derbes retention preview [--at YYYY-MM-DD] | run | approve ACT-ID [--json] [flags]"
	if len(args) == 0 {
		return errors.New(use)
	}
	sub := args[0]
	fs := newFlagSet("retention "+sub, stderr)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	at := fs.String("at", "", "preview: the date to plan for (default now), e.g. 2027-09-01")
	svc, err := openForCLI(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	ctx = derbes.WithPrincipal(ctx, service.System("cli"))
	var result any
	switch {
	case sub == "preview" && fs.NArg() == 0:
		var when time.Time
		if *at != "" {
			if when, err = time.Parse(time.DateOnly, *at); err != nil {
				return fmt.Errorf("--at: a date like 2027-09-01: %w", err)
			}
		}
		p, err := svc.RetentionPreview(ctx, when)
		if err != nil {
			return err
		}
		result = p
		if !*asJSON {
			printPlan(stdout, p)
		}
	case sub == "run" && fs.NArg() == 0:
		act, n, err := svc.RunRetention(ctx)
		if err != nil {
			return err
		}
		result = map[string]any{"act": act, "carriedOut": n}
		if !*asJSON {
			if act == nil {
				fmt.Fprintln(stdout, "nothing newly due")
			} else {
				fmt.Fprintf(stdout, "act %s: %d items, %s\n", act.ID, len(act.Items), act.Status)
			}
			fmt.Fprintf(stdout, "%d items carried out\n", n)
		}
	case sub == "approve" && fs.NArg() == 1:
		act, err := svc.ApproveRetentionAct(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		result = act
		if !*asJSON {
			fmt.Fprintf(stdout, "act %s: %s\n", act.ID, act.Status)
		}
	default:
		return errors.New(use)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(result)
	}
	return nil
}

func printPlan(w io.Writer, p *service.RetentionPlan) {
	fmt.Fprintf(w, "retention plan at %s: %d subjects examined, %d with data due, %d already awaiting approval\n",
		p.At.Format(time.DateOnly), p.Subjects, len(p.Items), p.Pending)
	fmt.Fprintf(w, "periods ending within 30 days: %d, within 90 days: %d\n", p.Upcoming30, p.Upcoming90)
	for _, it := range p.Items {
		fmt.Fprintf(w, "  %s  %-15s due since %s  purposes %s  categories %s\n", it.SubjectID, it.Action,
			it.DueSince.Format(time.DateOnly), strings.Join(it.Purposes, ","), strings.Join(it.Categories, ","))
	}
}

// runStats is "derbes stats export [--k N] [--out FILE]": a fresh
// depersonalised extract (R-RETAIN-2), written as CSV.
func runStats(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		return fmt.Errorf("usage: derbes stats export [--k N] [--out FILE] [flags]")
	}
	fs := newFlagSet("stats export", stderr)
	k := fs.Int("k", 5, "every released combination of quasi-identifiers covers at least k subjects")
	out := fs.String("out", "-", "the CSV file to write (- for standard output)")
	svc, err := openForCLI(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
	x, err := svc.MakeStatsExtract(derbes.WithPrincipal(ctx, service.System("cli")), *k)
	if err != nil {
		return err
	}
	w := stdout
	if *out != "-" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := x.WriteCSV(w); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "extract %s: %d rows released (k=%d), %d withheld, digest %s\n", x.ID, len(x.Applicants().Rows), x.Spec.K, x.Applicants().Suppressed, x.Digest)
	return nil
}
