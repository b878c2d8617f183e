package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/service"
)

// errChainBroken makes "audit verify" exit non-zero on a broken chain.
var errChainBroken = errors.New("audit chain verification found problems")

// hashCeiling is how many entries per second SHA-256 alone chains, for an
// entry like a W create's (15 categories, a consent basis), measured for
// about half a second on this machine.
func hashCeiling() float64 {
	e := derbes.AuditEntry{Seq: 1, At: time.Now(), Actor: "token:0123456789abcdef", Action: "subject.create",
		SubjectID: "0123456789abcdef0123456789abcdef", Purpose: "p4.1b", Basis: "consent:0123456789abcdef0123456789abcdef", Outcome: "ok",
		Categories: []string{"academic_degree", "address", "citizenship", "education", "email", "full_name", "iin", "languages",
			"passport_details", "passport_number", "phone", "position", "professional_education_docs", "specialty", "work_experience"}}
	prev := make([]byte, 32)
	n := 0
	start := time.Now()
	for time.Since(start) < 500*time.Millisecond {
		for range 1000 {
			prev = derbes.ChainHash(prev, &e)
		}
		n += 1000
	}
	return float64(n) / time.Since(start).Seconds()
}

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: derbes audit verify [--json] [flags]")
	}
	fs := newFlagSet("audit verify", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	ceiling := fs.Bool("ceiling", false, "also measure how many entries per second SHA-256 alone chains (entries like W's), and report the verification as a ratio to it")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the verification to this file, for go tool pprof")
	svc, err := openForCLI(ctx, fs, args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	defer svc.Close(context.WithoutCancel(ctx))
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
	start := time.Now()
	rep, err := svc.VerifyAudit(derbes.WithPrincipal(ctx, service.System("cli")))
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "audit chain: %d entries, %d signed checkpoints\n", rep.Entries, rep.Checkpoints)
		for _, f := range rep.Findings {
			fmt.Fprintf(stdout, "  seq %d: %s: %s\n", f.Seq, f.Kind, f.Detail)
		}
		if rep.OK {
			fmt.Fprintln(stdout, "OK: every entry and checkpoint verifies")
		}
		rate := float64(rep.Entries) / elapsed.Seconds()
		fmt.Fprintf(stdout, "verified in %.2f s: %.0f entries/s\n", elapsed.Seconds(), rate)
		if *ceiling {
			c := hashCeiling()
			fmt.Fprintf(stdout, "SHA-256 alone chains %.0f entries/s: verification at %.0f%% of it\n", c, 100*rate/c)
		}
	}
	if !rep.OK {
		return errChainBroken
	}
	return nil
}
