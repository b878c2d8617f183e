package calendar

import (
	"embed"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
)

//go:embed data/*.json
var embedded embed.FS

// holidaysFile is the name of the rules file, in data/ and in errors.
const holidaysFile = "holidays.json"

// maxFileSize bounds a data file read from an operator's directory: the
// real ones are a few kilobytes, and a huge file there is a mistake.
const maxFileSize = 1 << 20

// yearName matches the name of a year file.
var yearName = regexp.MustCompile(`^[0-9]{4}\.json$`)

// Calendar answers which days are worked in Kazakhstan. It is immutable
// once loaded and safe for concurrent use.
type Calendar struct {
	holidays    []holiday
	years       map[int]yearFile
	tables      map[int]*table // one per year with a file, computed at load
	first, last int
}

// Day is one exception to "Monday to Friday work" in a year: a weekday
// that is off or a weekend day that is worked.
type Day struct {
	Date    string // YYYY-MM-DD
	Working bool
	Reason  string // the holiday's name, the moved holiday, or the transfer's reference
}

// Default returns the calendar of the data embedded in the binary.
// Errors: none in a released binary (the embedded files are tested); an
// *derbes.Error as for Load if they were edited badly before a build.
func Default() (*Calendar, error) {
	hol, years, err := embeddedData()
	if err != nil {
		return nil, err
	}
	return load(hol, years, yearFileName)
}

// Load returns the calendar of a holidays file and year files (keyed by
// year) given as bytes; see the package documentation for their format.
// Parsing is strict so that an operator's mistake is refused, not guessed
// at. Errors: *derbes.Error with code EInvalid; Field names the file and
// the JSON path ("2026.json:transfers[1].date") and Rule the rule broken:
// json-utf8, json-syntax, json-type, unknown-field, duplicate-field,
// required, too-long, too-many, date-format, date-or-yearly,
// yearly-unknown, year-range, year-order, year-mismatch,
// date-outside-year, date-duplicate, transfer-kind, transfer-working-day
// (a working-day transfer not on an ordinary weekend day) or
// transfer-day-off (a day-off transfer on a day already off).
func Load(holidays []byte, years map[int][]byte) (*Calendar, error) {
	return load(holidays, years, yearFileName)
}

// LoadDir returns the calendar of the embedded holidays and year files,
// with the year files in dir (named NNNN.json) replacing the embedded
// ones of the same year and adding new years. This is how an operator
// applies a new transfer order or next year's data without a release.
// Other files in dir are ignored, except *.json files with another name,
// which are refused so that a misnamed year file is not silently skipped.
// Errors: *derbes.Error with code EInvalid: rule dir-read when dir cannot
// be read, dir-empty when it holds no year file, file-name, file-read,
// too-large, and the rules of Load, with Field naming the file's path.
func LoadDir(dir string) (*Calendar, error) {
	hol, years, err := embeddedData()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, derbes.Invalid(dir, "dir-read", "cannot read the calendar directory: "+err.Error())
	}
	fromDir := make(map[int]string)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(filepath.Ext(name), ".json") {
			continue
		}
		path := filepath.Join(dir, name)
		if !yearName.MatchString(name) {
			return nil, derbes.Invalid(path, "file-name", "a calendar file must be named after its year, as 2027.json")
		}
		y, _ := strconv.Atoi(strings.TrimSuffix(name, ".json"))
		if years[y], err = readFile(path); err != nil {
			return nil, err
		}
		fromDir[y] = path
	}
	if len(fromDir) == 0 {
		return nil, derbes.Invalid(dir, "dir-empty", "the calendar directory holds no year file (NNNN.json)")
	}
	return load(hol, years, func(y int) string {
		if p, ok := fromDir[y]; ok {
			return p
		}
		return yearFileName(y)
	})
}

// readFile reads an operator's file, refusing one too large to be real.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, derbes.Invalid(path, "file-read", "cannot read the file: "+err.Error())
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, derbes.Invalid(path, "file-read", "cannot read the file: "+err.Error())
	}
	if len(data) > maxFileSize {
		return nil, derbes.Invalid(path, "too-large", fmt.Sprintf("the file is over %d bytes", maxFileSize))
	}
	return data, nil
}

// embeddedData returns the embedded holidays file and year files.
func embeddedData() ([]byte, map[int][]byte, error) {
	hol, err := embedded.ReadFile("data/" + holidaysFile)
	if err != nil {
		return nil, nil, derbes.Errorf(derbes.EInternal, "calendar-embed", "embedded %s: %v", holidaysFile, err)
	}
	entries, err := embedded.ReadDir("data")
	if err != nil {
		return nil, nil, derbes.Errorf(derbes.EInternal, "calendar-embed", "embedded data: %v", err)
	}
	years := make(map[int][]byte)
	for _, e := range entries {
		if !yearName.MatchString(e.Name()) {
			continue
		}
		y, _ := strconv.Atoi(strings.TrimSuffix(e.Name(), ".json"))
		if years[y], err = embedded.ReadFile("data/" + e.Name()); err != nil {
			return nil, nil, derbes.Errorf(derbes.EInternal, "calendar-embed", "embedded %s: %v", e.Name(), err)
		}
	}
	return hol, years, nil
}

// yearFileName is the name of year y's file in errors.
func yearFileName(y int) string { return fmt.Sprintf("%04d.json", y) }

// load parses and checks everything, and computes the tables of the years
// with a file, so that a bad transfer is refused at load, not at the
// first deadline that crosses it. name gives a year file's name in errors.
func load(holidays []byte, years map[int][]byte, name func(int) string) (*Calendar, error) {
	hs, err := parseHolidays(holidaysFile, holidays)
	if err != nil {
		return nil, err
	}
	c := &Calendar{holidays: hs, years: make(map[int]yearFile), tables: make(map[int]*table)}
	// Sorted so that of several bad files the same one is always reported.
	for _, y := range slices.Sorted(maps.Keys(years)) {
		yf, err := parseYear(name(y), y, years[y])
		if err != nil {
			return nil, err
		}
		c.years[y] = yf
	}
	covered := slices.Sorted(maps.Keys(c.years))
	for _, y := range covered {
		if c.tables[y], err = build(hs, c.years, y); err != nil {
			return nil, err
		}
	}
	if len(covered) > 0 {
		c.first, c.last = covered[0], covered[len(covered)-1]
	}
	return c, nil
}

// table returns year y's table: precomputed for a year with a file,
// computed from the holidays alone otherwise.
func (c *Calendar) table(y int) *table {
	if t, ok := c.tables[y]; ok {
		return t
	}
	t, _ := build(c.holidays, c.years, y) // cannot fail: y has no transfers
	return t
}

// IsWorkingDay reports whether d's date, read in Almaty time, is a
// working day: not a weekend, holiday or day off moved or transferred, or
// a weekend day made working by a transfer.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	n := dayOf(d)
	return c.table(dateOf(n).Year()).working(n)
}

// AddWorkingDays returns the deadline of a term of n working days that
// starts at from: the end (23:59:59.999999999 Almaty time) of the n-th
// working day after the day of from. The day of from never counts, as
// for legal terms, whether or not it is a working day. The result is in
// Almaty time. It takes time proportional to n. It panics if n < 1: a
// term of no working days is a programming error, not an input.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	if n < 1 {
		panic(fmt.Sprintf("calendar: AddWorkingDays with n = %d, want n >= 1", n))
	}
	d := dayOf(from)
	var t *table
	for n > 0 {
		d++
		if y := dateOf(d).Year(); t == nil || t.year != y {
			t = c.table(y)
		}
		if t.working(d) {
			n--
		}
	}
	y, m, day := dateOf(d).Date()
	return time.Date(y, m, day, 23, 59, 59, 999999999, almaty)
}

// Years returns the first and last years that have a year file; both are
// zero when none has. Years between them may lack one: see Covered.
func (c *Calendar) Years() (first, last int) { return c.first, c.last }

// Covered reports whether the year of d (in Almaty time) has a year file.
// Outside the covered years only the fixed holidays and the weekend-move
// rule are known: not Kurban Ait, not the transfers. Callers computing a
// deadline there may warn that it is provisional.
func (c *Calendar) Covered(d time.Time) bool {
	_, ok := c.years[d.In(almaty).Year()]
	return ok
}

// DaysOff returns, in date order, every weekday of year that is not
// worked and every weekend day that is, with the reason, for a page that
// lists the year. A holiday that falls on a weekend is not listed itself;
// the weekday it moves is, with a reason that names it.
func (c *Calendar) DaysOff(year int) []Day {
	t := c.table(year)
	keys := slices.Sorted(maps.Keys(t.days))
	out := make([]Day, len(keys))
	for i, k := range keys {
		out[i] = t.days[k]
	}
	return out
}
