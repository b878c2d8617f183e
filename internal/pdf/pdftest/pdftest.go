// Package pdftest reads PDFs back in tests, with the tools of Debian's
// poppler-utils (pdftotext, pdfinfo), which ./scripts/test.sh installs.
// A test that needs them fails when they are missing; it is never skipped.
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ExtractText returns the text of pdf as pdftotext lays it out
// (`pdftotext -layout -enc UTF-8`), pages separated by form feeds. It calls
// t.Fatal when pdftotext is missing or fails on pdf.
func ExtractText(t testing.TB, pdf []byte) string {
	t.Helper()
	return run(t, pdf, "pdftotext", "-layout", "-enc", "UTF-8", "{}", "-")
}

// Info returns what pdfinfo prints about pdf: its metadata (Title, Author,
// Creator, Producer, dates), page count and page size. It calls t.Fatal
// when pdfinfo is missing or fails on pdf.
func Info(t testing.TB, pdf []byte) string {
	t.Helper()
	return run(t, pdf, "pdfinfo", "-enc", "UTF-8", "{}")
}

// run writes pdf to a temporary file and runs tool with args, "{}" standing
// for the file's path, and returns its standard output.
func run(t testing.TB, pdf []byte, tool string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils (./scripts/test.sh does)", tool)
	}
	file := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, a := range args {
		if a == "{}" {
			args[i] = file
		}
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, stderr.Bytes())
	}
	return stdout.String()
}
