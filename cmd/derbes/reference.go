package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// configReference is the configuration reference, generated from the
// options table so that it cannot drift from the code (docs/configuration.md
// is this text; a test compares them).
func configReference() string {
	var b strings.Builder
	b.WriteString("# Configuration reference\n\n")
	b.WriteString("Generated from the code by `derbes config-reference` (a test keeps this file equal to its output).\n")
	b.WriteString("Every setting is a flag of `derbes serve` (and of the commands that open the database) and an environment\n")
	b.WriteString("variable; a flag wins over its variable. Secrets come from the environment only: `DERBES_MASTER_KEY` (base64,\n")
	b.WriteString("32 bytes), `DERBES_SMTP_PASSWORD`, `DERBES_SMS_TOKEN`.\n\n")
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	for _, o := range options() {
		def := o.def
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", o.flag, o.env, def, strings.ReplaceAll(o.help, "|", "\\|"))
	}
	return b.String()
}

// runConfigReference prints the configuration reference (Markdown).
func runConfigReference(_ context.Context, _ []string, _ func(string) string, stdout, _ io.Writer) error {
	_, err := io.WriteString(stdout, configReference())
	return err
}
