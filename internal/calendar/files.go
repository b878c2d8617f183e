package calendar

import (
	"strconv"
	"time"
)

// Limits on the data. They are far above what the law and the decrees
// produce (about 15 holidays, a handful of transfers a year) and they
// guarantee that every year keeps most of its weekdays as working days, so
// that AddWorkingDays always ends, whatever file an operator loads.
const (
	minYear      = 1991 // independence: no Kazakh calendar before it
	maxYear      = 2200
	maxHolidays  = 40
	maxTransfers = 60
)

// yearlyKurbanAit is the one holiday whose date is not fixed: the first
// day of Kurban Ait follows the lunar calendar and is announced each year,
// so holidays.json names it and each year file gives its date.
const yearlyKurbanAit = "kurban_ait"

// holiday is one rule of holidays.json.
type holiday struct {
	month       time.Month // fixed date; zero when yearly is set
	day         int
	yearly      string // yearlyKurbanAit: the date is in each year file
	name        string
	reference   string
	weekendMove bool // the next working day is off when it falls on a weekend
	from, until int  // years in force; zero is unbounded
}

// inForce reports whether the rule applies in year.
func (h holiday) inForce(year int) bool {
	return (h.from == 0 || year >= h.from) && (h.until == 0 || year <= h.until)
}

// transfer is one day that the labour authority's order moves.
type transfer struct {
	day       int  // day number, see dayNumber
	working   bool // a weekend day made working; else a weekday made a day off
	reference string
	index     int // position in the file, to name it in errors
}

// yearFile is the parsed content of one NNNN.json.
type yearFile struct {
	name         string // the file name used in errors
	year         int
	kurbanAit    int // day number
	kurbanAitRef string
	transfers    []transfer
}

// parseHolidays reads holidays.json.
func parseHolidays(file string, data []byte) ([]holiday, error) {
	raw, err := document(file, data)
	if err != nil {
		return nil, err
	}
	top, err := object(file, "", raw, "note", "holidays")
	if err != nil {
		return nil, err
	}
	if _, err := optionalText(file, "note", top["note"]); err != nil {
		return nil, err
	}
	items, err := array(file, "holidays", top["holidays"], maxHolidays)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, bad(file, "holidays", "required", "at least one holiday is required")
	}
	var hs []holiday
	for i, item := range items {
		path := "holidays[" + strconv.Itoa(i) + "]"
		h, err := parseHoliday(file, path, item)
		if err != nil {
			return nil, err
		}
		for _, o := range hs {
			if o.month == h.month && o.day == h.day && o.yearly == h.yearly && overlap(o, h) {
				at := path + ".date"
				if h.yearly != "" {
					at = path + ".yearly"
				}
				return nil, bad(file, at, "date-duplicate", "the same date is already a holiday in some of these years")
			}
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// parseHoliday reads one entry of holidays.json.
func parseHoliday(file, path string, raw []byte) (holiday, error) {
	f, err := object(file, path, raw, "date", "yearly", "name", "reference", "weekend_move", "from", "until")
	if err != nil {
		return holiday{}, err
	}
	var h holiday
	if h.name, err = text(file, path+".name", f["name"]); err != nil {
		return h, err
	}
	if h.reference, err = text(file, path+".reference", f["reference"]); err != nil {
		return h, err
	}
	if h.weekendMove, err = boolean(file, path+".weekend_move", f["weekend_move"]); err != nil {
		return h, err
	}
	switch date, yearly := f["date"], f["yearly"]; {
	case date != nil && yearly != nil:
		return h, bad(file, path+".yearly", "date-or-yearly", "give either date or yearly, not both")
	case yearly != nil:
		if h.yearly, err = text(file, path+".yearly", yearly); err != nil {
			return h, err
		}
		if h.yearly != yearlyKurbanAit {
			return h, bad(file, path+".yearly", "yearly-unknown", "the only yearly date the year files carry is %q", yearlyKurbanAit)
		}
	default:
		s, err := text(file, path+".date", date)
		if err != nil {
			return h, err
		}
		// Parsed in a common year so that 02-29, which exists one year in
		// four, is refused: a holiday must exist every year.
		t, err := time.Parse("2006-01-02", "2001-"+s)
		if err != nil || t.Format("01-02") != s {
			return h, bad(file, path+".date", "date-format", "must be MM-DD, a day that exists every year")
		}
		h.month, h.day = t.Month(), t.Day()
	}
	if h.from, err = optionalYear(file, path+".from", f["from"]); err != nil {
		return h, err
	}
	if h.until, err = optionalYear(file, path+".until", f["until"]); err != nil {
		return h, err
	}
	if h.from != 0 && h.until != 0 && h.from > h.until {
		return h, bad(file, path+".until", "year-order", "until is before from")
	}
	return h, nil
}

// optionalYear reads a year that may be absent (zero).
func optionalYear(file, path string, raw []byte) (int, error) {
	if raw == nil {
		return 0, nil
	}
	y, err := integer(file, path, raw)
	if err != nil {
		return 0, err
	}
	if y < minYear || y > maxYear {
		return 0, bad(file, path, "year-range", "must be a year from %d to %d", minYear, maxYear)
	}
	return y, nil
}

// overlap reports whether two rules are in force in a common year.
func overlap(a, b holiday) bool {
	lo := func(y int) int {
		if y == 0 {
			return minYear
		}
		return y
	}
	hi := func(y int) int {
		if y == 0 {
			return maxYear
		}
		return y
	}
	return max(lo(a.from), lo(b.from)) <= min(hi(a.until), hi(b.until))
}

// parseYear reads one year file. year is the year its name says; the
// file repeats it, so that a file copied to next year's name and not yet
// edited is refused instead of shifting every date by a year.
func parseYear(file string, year int, data []byte) (yearFile, error) {
	y := yearFile{name: file, year: year}
	if year < minYear || year > maxYear {
		return y, bad(file, "", "year-range", "the year must be from %d to %d", minYear, maxYear)
	}
	raw, err := document(file, data)
	if err != nil {
		return y, err
	}
	top, err := object(file, "", raw, "year", "note", "kurban_ait", "transfers")
	if err != nil {
		return y, err
	}
	got, err := integer(file, "year", top["year"])
	if err != nil {
		return y, err
	}
	if got != year {
		return y, bad(file, "year", "year-mismatch", "the file is for %d but says %d", year, got)
	}
	if _, err := optionalText(file, "note", top["note"]); err != nil {
		return y, err
	}
	ka, err := object(file, "kurban_ait", top["kurban_ait"], "date", "reference")
	if err != nil {
		return y, err
	}
	if y.kurbanAit, err = dateIn(file, "kurban_ait.date", ka["date"], year); err != nil {
		return y, err
	}
	if y.kurbanAitRef, err = text(file, "kurban_ait.reference", ka["reference"]); err != nil {
		return y, err
	}
	items, err := array(file, "transfers", top["transfers"], maxTransfers)
	if err != nil {
		return y, err
	}
	seen := make(map[int]bool)
	for i, item := range items {
		tr, err := parseTransfer(file, i, item, year)
		if err != nil {
			return y, err
		}
		if seen[tr.day] {
			return y, bad(file, "transfers["+strconv.Itoa(i)+"].date", "date-duplicate", "the date is already transferred above")
		}
		seen[tr.day] = true
		y.transfers = append(y.transfers, tr)
	}
	return y, nil
}

// parseTransfer reads transfers[i]. Whether the day may be moved at all
// is checked later, against the holidays (see build).
func parseTransfer(file string, i int, raw []byte, year int) (transfer, error) {
	path := "transfers[" + strconv.Itoa(i) + "]"
	f, err := object(file, path, raw, "date", "kind", "reference")
	if err != nil {
		return transfer{}, err
	}
	tr := transfer{index: i}
	if tr.day, err = dateIn(file, path+".date", f["date"], year); err != nil {
		return tr, err
	}
	kind, err := text(file, path+".kind", f["kind"])
	if err != nil {
		return tr, err
	}
	switch kind {
	case "working-day":
		tr.working = true
	case "day-off":
	default:
		return tr, bad(file, path+".kind", "transfer-kind", `must be "day-off" or "working-day"`)
	}
	if tr.reference, err = text(file, path+".reference", f["reference"]); err != nil {
		return tr, err
	}
	return tr, nil
}

// dateIn reads a YYYY-MM-DD date that must lie in year.
func dateIn(file, path string, raw []byte, year int) (int, error) {
	s, err := text(file, path, raw)
	if err != nil {
		return 0, err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return 0, bad(file, path, "date-format", "must be a date YYYY-MM-DD")
	}
	if t.Year() != year {
		return 0, bad(file, path, "date-outside-year", "the date is not in %d", year)
	}
	return dayNumber(t.Date()), nil
}
