package calendar

import (
	"fmt"
	"strings"
	"time"
)

// almaty is Kazakhstan's single time zone, UTC+5 since 1 March 2024. A
// fixed zone is used instead of time.LoadLocation so that deadlines do not
// depend on the tzdata installed on the server (a stale tzdata still has
// Almaty at UTC+6). Dates before March 2024 are read at UTC+5 too: no
// deadline computed now starts before then.
var almaty = time.FixedZone("Asia/Almaty", 5*3600)

// Location returns the zone the calendar reads dates in: Asia/Almaty, a
// fixed UTC+5. It is for callers that show a deadline in local time.
func Location() *time.Location { return almaty }

// Days are numbered from 1970-01-01 so that "the next day" is n+1 and a
// table can be a map of ints, whatever the time of day of the input.

// dayNumber returns the number of a civil date.
func dayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// dateOf returns midnight UTC of day n, for its civil fields only.
func dateOf(n int) time.Time { return time.Unix(int64(n)*86400, 0).UTC() }

// dayOf returns the number of t's date in Almaty.
func dayOf(t time.Time) int { return dayNumber(t.In(almaty).Date()) }

// weekend reports whether day n is a Saturday or a Sunday.
func weekend(n int) bool {
	wd := dateOf(n).Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// table is one year's exceptions to "Monday to Friday work": weekdays
// that are off and weekend days that are working, with their reasons.
type table struct {
	year int
	days map[int]Day
}

// working reports whether day n, which must be in t's year, is worked.
func (t *table) working(n int) bool {
	if d, ok := t.days[n]; ok {
		return d.Working
	}
	return !weekend(n)
}

// statutoryDay is what the law alone makes of a day: a holiday, or a
// weekday off because a holiday fell on the weekend before it.
type statutoryDay struct {
	reason  string
	holiday bool
}

// build computes year y from the holiday rules and the year files. It
// fails only when a transfer in y's file moves a day that may not be
// moved; for a year without a file it cannot fail.
//
// The layers are applied in the order the law works: holidays, then the
// weekend-move rule on them (a statute), then the labour authority's
// transfers, which are decided knowing the first two and override them.
func build(hs []holiday, years map[int]yearFile, y int) (*table, error) {
	law := statutory(hs, years, y)
	t := &table{year: y, days: make(map[int]Day)}
	for n, s := range law {
		if !weekend(n) {
			t.days[n] = Day{Date: dateOf(n).Format(time.DateOnly), Reason: s.reason}
		}
	}
	yf, ok := years[y]
	if !ok {
		return t, nil
	}
	for _, tr := range yf.transfers {
		_, fixed := law[tr.day]
		path := fmt.Sprintf("transfers[%d].date", tr.index)
		day := Day{Date: dateOf(tr.day).Format(time.DateOnly), Working: tr.working}
		switch {
		case tr.working && (fixed || !weekend(tr.day)):
			// Holidays are days off by law; only ordinary weekend days
			// can be traded.
			return nil, bad(yf.name, path, "transfer-working-day", "a working-day transfer must be a Saturday or Sunday that is not a holiday")
		case !tr.working && (fixed || weekend(tr.day)):
			return nil, bad(yf.name, path, "transfer-day-off", "a day-off transfer must be a weekday that is not already off")
		case tr.working:
			day.Reason = "working day by transfer: " + tr.reference
		default:
			day.Reason = "day off by transfer: " + tr.reference
		}
		t.days[tr.day] = day
	}
	return t, nil
}

// statutory returns the holidays and moved days off of year y. It walks
// from the start of the year before, so that a holiday on the last
// weekend of December moves its day off into January.
func statutory(hs []holiday, years map[int]yearFile, y int) map[int]statutoryDay {
	on := make(map[int][]holiday)
	for _, yy := range []int{y - 1, y} {
		for _, h := range hs {
			if !h.inForce(yy) {
				continue
			}
			switch yf, ok := years[yy]; {
			case h.yearly == "":
				n := dayNumber(yy, h.month, h.day)
				on[n] = append(on[n], h)
			case ok:
				on[yf.kurbanAit] = append(on[yf.kurbanAit], h)
			}
			// A yearly holiday in a year without a file has no known
			// date: it is left out, and Covered tells callers.
		}
	}
	out := make(map[int]statutoryDay)
	start, end := dayNumber(y-1, time.January, 1), dayNumber(y, time.December, 31)
	inYear := dayNumber(y, time.January, 1)
	var pending []string // reasons of the moved days not yet placed, oldest first
	for n := start; n <= end; n++ {
		switch list := on[n]; {
		case len(list) > 0:
			names := make([]string, len(list))
			moves := false
			for i, h := range list {
				names[i] = h.name
				moves = moves || h.weekendMove
			}
			name := strings.Join(names, " / ")
			if n >= inYear {
				out[n] = statutoryDay{reason: name, holiday: true}
			}
			// One day off is owed per holiday date on a weekend, even
			// when two holidays share the date.
			if moves && weekend(n) {
				pending = append(pending, fmt.Sprintf("day off for %s, which fell on %s", name, dateOf(n).Format("Monday 2 January 2006")))
			}
		case weekend(n):
		case len(pending) > 0:
			// The next working day after the holiday: consecutive
			// holidays are passed over, so the moved days of a run such
			// as Nauryz come after the whole run.
			if n >= inYear {
				out[n] = statutoryDay{reason: pending[0]}
			}
			pending = pending[1:]
		}
	}
	return out
}
