package app

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// policyClauses are the clauses of the seed policy (policy.en.md), each of
// which docs/compliance.md must map to a feature and tests.
var policyClauses = strings.Fields(`P-1.1 P-1.2 P-2.1 P-2.2 P-2.3a P-2.3b P-2.3c P-2.3d P-2.3e P-3.1 P-3.2 P-3.2.1 P-3.2.2
	P-4.1a P-4.1b P-4.1c P-4.1d P-4.2a P-4.2b1 P-4.2b2 P-4.2b3 P-4.2c P-4.2d P-4.2e
	P-5.1 P-5.2 P-5.2a P-5.2b P-5.2c P-5.2d P-5.2e P-5.2f P-5.3
	P-6.1.1a P-6.1.1b P-6.1.1c P-6.1.1d P-6.1.2 P-6.2.1a P-6.2.1b P-6.2.1c P-6.2.1d P-6.2.1e P-6.2.1f
	P-7.1 P-7.2 P-7.2.1 P-7.2.2 P-7.2.3 P-7.2.4 P-7.2.5 P-7.2.6 P-7.2.7 P-7.2.8 P-7.2.8a P-7.2.8b P-7.2.8c
	P-8.1 P-8.2 P-8.3`)

// covers the import/export/documents issue (done-when: docs/compliance.md
// has a row for every clause of the policy and names a test for each):
// every clause has a row, every row names at least one test, and every
// test it names exists in the repository.
func TestComplianceMapCoversThePolicy(t *testing.T) {
	doc, err := os.ReadFile("../../docs/compliance.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := repoTests(t)
	rows := map[string][]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "P-") && !strings.HasPrefix(strings.TrimSpace(cells[1]), "Art.") {
			continue
		}
		clause := strings.TrimSpace(cells[1])
		for _, name := range strings.Split(cells[4], ",") {
			if name = strings.TrimSpace(name); name != "" {
				rows[clause] = append(rows[clause], name)
			}
		}
	}
	for _, c := range policyClauses {
		if len(rows[c]) == 0 {
			t.Errorf("docs/compliance.md has no row (or no test) for %s", c)
		}
	}
	for clause, names := range rows {
		for _, n := range names {
			if !tests[n] {
				t.Errorf("%s names %s, which is not a test of the repository", clause, n)
			}
		}
	}
}

// covers the reliability issue's threat model (it names a test for every
// control it claims): every test docs/threat-model.md names exists.
func TestThreatModelNamesRealTests(t *testing.T) {
	doc, err := os.ReadFile("../../docs/threat-model.md")
	if err != nil {
		t.Fatal(err)
	}
	tests := repoTests(t)
	rows := 0
	_, attacks, _ := strings.Cut(string(doc), "## Attacks, controls, tests")
	for _, line := range strings.Split(attacks, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || strings.TrimSpace(cells[1]) == "attack" || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") {
			continue
		}
		rows++
		names := strings.Split(cells[3], ",")
		if strings.TrimSpace(cells[3]) == "" {
			t.Errorf("the control for %q names no test", strings.TrimSpace(cells[1]))
		}
		for _, n := range names {
			if n = strings.TrimSpace(n); n != "" && !tests[n] {
				t.Errorf("%q names %s, which is not a test of the repository", strings.TrimSpace(cells[1]), n)
			}
		}
	}
	if rows < 20 {
		t.Errorf("only %d rows read from the threat model: the table's form changed", rows)
	}
}

// repoTests are the names of every test, fuzz target and benchmark.
func repoTests(t *testing.T) map[string]bool {
	t.Helper()
	tests := map[string]bool{}
	funcRE := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz|Benchmark)\w+)\(`)
	filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && path != "../.." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "test-output") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			b, _ := os.ReadFile(path)
			for _, m := range funcRE.FindAllStringSubmatch(string(b), -1) {
				tests[m[1]] = true
			}
		}
		return nil
	})
	return tests
}
