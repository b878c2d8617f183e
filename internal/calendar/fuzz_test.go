package calendar

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
)

// loadRules are the rules Load may report for a year file.
var loadRules = []string{
	"json-utf8", "json-syntax", "json-type", "unknown-field", "duplicate-field",
	"required", "too-long", "too-many", "date-format", "year-range",
	"year-mismatch", "date-outside-year", "date-duplicate", "transfer-kind",
	"transfer-working-day", "transfer-day-off",
}

// FuzzLoadYear feeds arbitrary bytes as the 2026 year file. Whatever the
// bytes, Load must not panic; a refusal must be a *derbes.Error naming
// the file and one of Load's rules; an accepted file must give a calendar
// whose deadlines always move forward, land on working days, and agree
// with DaysOff. Seeds are in testdata/fuzz, so a plain "go test" replays
// them.
//
// covers R-RIGHTS-3
func FuzzLoadYear(f *testing.F) {
	hol, err := embedded.ReadFile("data/" + holidaysFile)
	if err != nil {
		f.Fatal(err)
	}
	// Receipt times around and inside the fuzzed year, at hours that are
	// a different date in UTC and in Almaty.
	var starts []time.Time
	for d := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC); d.Year() < 2027; d = d.AddDate(0, 0, 5) {
		starts = append(starts, d.Add(3*time.Hour), d.Add(21*time.Hour))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Load(hol, map[int][]byte{2026: data})
		if err != nil {
			e := derbes.AsError(err)
			if e == nil || e.Code != derbes.EInvalid || !strings.HasPrefix(e.Field, "2026.json") || !slices.Contains(loadRules, e.Rule) {
				t.Fatalf("refusal %v is not an invalid *derbes.Error of 2026.json with a known rule", err)
			}
			return
		}
		for _, from := range starts {
			prev := from
			for _, n := range []int{1, 2, 3, 15} {
				due := c.AddWorkingDays(from, n)
				if !due.After(prev) {
					t.Fatalf("AddWorkingDays(%v, %d) = %v, not after %v", from, n, due, prev)
				}
				if !c.IsWorkingDay(due) {
					t.Fatalf("AddWorkingDays(%v, %d) = %v, not a working day", from, n, due)
				}
				prev = due
			}
		}
		for _, d := range c.DaysOff(2026) {
			day, err := time.ParseInLocation(time.DateOnly, d.Date, Location())
			if err != nil || day.Year() != 2026 || c.IsWorkingDay(day) != d.Working || d.Reason == "" {
				t.Fatalf("DaysOff(2026) lists %+v, which IsWorkingDay contradicts", d)
			}
		}
	})
}
