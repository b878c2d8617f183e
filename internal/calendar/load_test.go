package calendar

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
)

// year2026 is a valid year file for 2026 whose parts the tests replace.
func year2026(transfers string) string {
	return `{"year": 2026, "kurban_ait": {"date": "2026-05-27", "reference": "DUMK"}, "transfers": [` + transfers + `]}`
}

func holidaysData(t *testing.T) []byte {
	t.Helper()
	data, err := embedded.ReadFile("data/" + holidaysFile)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// holidaysWith is a holidays file with the given entries.
func holidaysWith(entries ...string) []byte {
	return []byte(`{"holidays": [` + strings.Join(entries, ",") + `]}`)
}

const newYear = `{"date": "01-01", "name": "New Year", "reference": "Law", "weekend_move": true}`

// wantError checks that err is the *derbes.Error of a refused file.
func wantError(t *testing.T, err error, field, rule string) {
	t.Helper()
	e := derbes.AsError(err)
	switch {
	case err == nil:
		t.Errorf("accepted, want %s at %s", rule, field)
	case e == nil:
		t.Errorf("error %v (%T) is not a *derbes.Error", err, err)
	case e.Code != derbes.EInvalid || e.Field != field || e.Rule != rule:
		t.Errorf("error %q: code %s field %q rule %q; want invalid %q %q", err, e.Code, e.Field, e.Rule, field, rule)
	}
}

// covers R-RIGHTS-3: an operator's year file is refused, with the field
// to fix, when it breaks any rule.
func TestLoadRefusesBadYearFiles(t *testing.T) {
	tr := func(date, kind string) string {
		return fmt.Sprintf(`{"date": %q, "kind": %q, "reference": "order"}`, date, kind)
	}
	many := strings.Repeat(tr("2026-01-05", "day-off")+",", maxTransfers) + tr("2026-01-06", "day-off")
	tests := []struct {
		name, file  string
		year        int
		field, rule string
	}{
		{"not UTF-8", "{\"year\": \"\xff\"}", 2026, "2026.json", "json-utf8"},
		{"cut short", `{"year": 2026,`, 2026, "2026.json", "json-syntax"},
		{"trailing data", year2026("") + ` {}`, 2026, "2026.json", "json-syntax"},
		{"empty", ``, 2026, "2026.json", "json-syntax"},
		{"not an object", `[]`, 2026, "2026.json", "json-type"},
		{"unknown field", `{"year": 2026, "extra": 1}`, 2026, "2026.json:extra", "unknown-field"},
		{"unknown field in a transfer", year2026(`{"date": "2026-01-05", "kind": "day-off", "reference": "x", "why": "y"}`), 2026, "2026.json:transfers[0].why", "unknown-field"},
		{"field twice", `{"year": 2026, "year": 2026}`, 2026, "2026.json:year", "duplicate-field"},
		{"year missing", `{"kurban_ait": {}}`, 2026, "2026.json:year", "required"},
		{"year a string", `{"year": "2026"}`, 2026, "2026.json:year", "json-type"},
		{"year a fraction", `{"year": 2026.0}`, 2026, "2026.json:year", "json-type"},
		{"year of another file", strings.Replace(year2026(""), "2026,", "2025,", 1), 2026, "2026.json:year", "year-mismatch"},
		{"year out of range", `{}`, 1900, "1900.json", "year-range"},
		{"kurban ait missing", `{"year": 2026, "transfers": []}`, 2026, "2026.json:kurban_ait", "required"},
		{"kurban ait not a date", strings.Replace(year2026(""), "2026-05-27", "2026-02-30", 1), 2026, "2026.json:kurban_ait.date", "date-format"},
		{"date without zeros", strings.Replace(year2026(""), "2026-05-27", "2026-5-27", 1), 2026, "2026.json:kurban_ait.date", "date-format"},
		{"kurban ait in another year", strings.Replace(year2026(""), "2026-05-27", "2025-06-06", 1), 2026, "2026.json:kurban_ait.date", "date-outside-year"},
		{"reference blank", strings.Replace(year2026(""), `"DUMK"`, `"  "`, 1), 2026, "2026.json:kurban_ait.reference", "required"},
		{"reference too long", strings.Replace(year2026(""), `"DUMK"`, `"`+strings.Repeat("x", maxString+1)+`"`, 1), 2026, "2026.json:kurban_ait.reference", "too-long"},
		{"transfers missing", `{"year": 2026, "kurban_ait": {"date": "2026-05-27", "reference": "DUMK"}}`, 2026, "2026.json:transfers", "required"},
		{"transfers not a list", strings.Replace(year2026(""), "[]", "{}", 1), 2026, "2026.json:transfers", "json-type"},
		{"too many transfers", year2026(many), 2026, "2026.json:transfers", "too-many"},
		{"transfer outside the year", year2026(tr("2027-01-04", "day-off")), 2026, "2026.json:transfers[0].date", "date-outside-year"},
		{"transfer kind unknown", year2026(tr("2026-01-05", "holiday")), 2026, "2026.json:transfers[0].kind", "transfer-kind"},
		{"transfer twice", year2026(tr("2026-01-05", "day-off") + "," + tr("2026-01-05", "day-off")), 2026, "2026.json:transfers[1].date", "date-duplicate"},
		{"working day on a Wednesday", year2026(tr("2026-01-14", "working-day")), 2026, "2026.json:transfers[0].date", "transfer-working-day"},
		{"working day on a weekend holiday", year2026(tr("2026-03-21", "working-day")), 2026, "2026.json:transfers[0].date", "transfer-working-day"},
		{"day off on a Saturday", year2026(tr("2026-01-10", "day-off")), 2026, "2026.json:transfers[0].date", "transfer-day-off"},
		{"day off on a holiday", year2026(tr("2026-03-23", "day-off")), 2026, "2026.json:transfers[0].date", "transfer-day-off"},
		{"day off on a moved day", year2026(tr("2026-03-24", "day-off")), 2026, "2026.json:transfers[0].date", "transfer-day-off"},
		{"day off on Kurban Ait", year2026(tr("2026-05-27", "day-off")), 2026, "2026.json:transfers[0].date", "transfer-day-off"},
	}
	hol := holidaysData(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(hol, map[int][]byte{tt.year: []byte(tt.file)})
			wantError(t, err, tt.field, tt.rule)
		})
	}
}

// covers R-RIGHTS-3: the holiday rules are refused when they break a rule.
func TestLoadRefusesBadHolidays(t *testing.T) {
	h := func(fields string) string { return `{"name": "H", "reference": "Law", ` + fields + `}` }
	many := make([]string, maxHolidays+1)
	for i := range many {
		many[i] = h(fmt.Sprintf(`"date": "01-%02d", "weekend_move": true`, i%28+1))
	}
	tests := []struct {
		name        string
		file        []byte
		field, rule string
	}{
		{"empty list", holidaysWith(), "holidays.json:holidays", "required"},
		{"too many", holidaysWith(many...), "holidays.json:holidays", "too-many"},
		{"29 February", holidaysWith(h(`"date": "02-29", "weekend_move": true`)), "holidays.json:holidays[0].date", "date-format"},
		{"month 13", holidaysWith(h(`"date": "13-01", "weekend_move": true`)), "holidays.json:holidays[0].date", "date-format"},
		{"date and yearly", holidaysWith(h(`"date": "01-01", "yearly": "kurban_ait", "weekend_move": false`)), "holidays.json:holidays[0].yearly", "date-or-yearly"},
		{"neither date nor yearly", holidaysWith(h(`"weekend_move": false`)), "holidays.json:holidays[0].date", "required"},
		{"unknown yearly", holidaysWith(h(`"yearly": "oraza_ait", "weekend_move": false`)), "holidays.json:holidays[0].yearly", "yearly-unknown"},
		{"weekend_move missing", holidaysWith(h(`"date": "01-01"`)), "holidays.json:holidays[0].weekend_move", "required"},
		{"weekend_move a string", holidaysWith(h(`"date": "01-01", "weekend_move": "yes"`)), "holidays.json:holidays[0].weekend_move", "json-type"},
		{"until before from", holidaysWith(h(`"date": "01-01", "weekend_move": true, "from": 2022, "until": 2021`)), "holidays.json:holidays[0].until", "year-order"},
		{"from out of range", holidaysWith(h(`"date": "01-01", "weekend_move": true, "from": 1066`)), "holidays.json:holidays[0].from", "year-range"},
		{"same date twice", holidaysWith(newYear, newYear), "holidays.json:holidays[1].date", "date-duplicate"},
		{"Kurban Ait twice", holidaysWith(h(`"yearly": "kurban_ait", "weekend_move": false`), h(`"yearly": "kurban_ait", "weekend_move": false`)), "holidays.json:holidays[1].yearly", "date-duplicate"},
		{"name missing", holidaysWith(`{"date": "01-01", "reference": "Law", "weekend_move": true}`), "holidays.json:holidays[0].name", "required"},
		{"unknown field", holidaysWith(h(`"date": "01-01", "weekend_move": true, "moved": true`)), "holidays.json:holidays[0].moved", "unknown-field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.file, nil)
			wantError(t, err, tt.field, tt.rule)
		})
	}
}

func TestLoadAccepts(t *testing.T) {
	// The same date may be a holiday under two rules in force in
	// different years, as 25 October was before and after a reform.
	hol := holidaysWith(
		`{"date": "10-25", "name": "Old", "reference": "Law", "weekend_move": false, "until": 2008}`,
		`{"date": "10-25", "name": "Republic Day", "reference": "Law", "weekend_move": true, "from": 2022}`,
	)
	// A byte-order mark, as some editors write, is not an error.
	year := "\xEF\xBB\xBF" + year2026(`{"date": "2026-01-05", "kind": "day-off", "reference": "order"}`)
	c, err := Load(hol, map[int][]byte{2026: []byte(year)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.IsWorkingDay(at(t, "2026-01-05")) || c.IsWorkingDay(at(t, "2026-10-26")) {
		t.Error("the transfer or the moved Republic Day is a working day")
	}
	// Without a year file there is no Kurban Ait, and no years.
	c, err = Load(hol, nil)
	if err != nil {
		t.Fatalf("Load without years: %v", err)
	}
	if first, last := c.Years(); first != 0 || last != 0 {
		t.Errorf("Years() = %d, %d without year files; want 0, 0", first, last)
	}
}

// covers R-RIGHTS-3: an operator adds a transfer order and next year's
// file without a release.
func TestLoadDirOverridesAYear(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "2026.json", year2026(`
		{"date": "2026-05-08", "kind": "day-off", "reference": "order (example)"},
		{"date": "2026-05-16", "kind": "working-day", "reference": "order (example)"}`))
	write(t, dir, "2028.json", `{"year": 2028, "kurban_ait": {"date": "2028-05-05", "reference": "estimate [check]"}, "transfers": []}`)
	write(t, dir, "README.md", "not a year file: ignored")
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-05-08", false}, // the operator's transfer
		{"2026-05-16", true},
		{"2026-05-27", false}, // the rest of 2026 is the operator's file too
		{"2025-01-03", false}, // 2025 is still the embedded file
		{"2028-05-05", false}, // the added year
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(at(t, tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	if first, last := c.Years(); first != 2025 || last != 2028 {
		t.Errorf("Years() = %d, %d; want 2025, 2028", first, last)
	}
	if got := c.AddWorkingDays(at(t, "2026-05-07"), 1).Format(time.DateOnly); got != "2026-05-12" {
		t.Errorf("AddWorkingDays(7 May 2026, 1) = %s, want 2026-05-12", got)
	}
}

func TestLoadDirRefuses(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none")
	empty := t.TempDir()
	misnamed := t.TempDir()
	write(t, misnamed, "holidays.json", `{}`)
	badYear := t.TempDir()
	write(t, badYear, "2026.json", strings.Replace(year2026(""), "2026,", "2027,", 1))
	large := t.TempDir()
	write(t, large, "2026.json", strings.Repeat(" ", maxFileSize+1))
	tests := []struct {
		dir, field, rule string
	}{
		{missing, missing, "dir-read"},
		{empty, empty, "dir-empty"},
		{misnamed, filepath.Join(misnamed, "holidays.json"), "file-name"},
		{badYear, filepath.Join(badYear, "2026.json") + ":year", "year-mismatch"},
		{large, filepath.Join(large, "2026.json"), "too-large"},
	}
	for _, tt := range tests {
		_, err := LoadDir(tt.dir)
		wantError(t, err, tt.field, tt.rule)
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
