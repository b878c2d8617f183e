package calendar

import (
	"strings"
	"testing"
	"time"
)

// at reads a test time: a bare date is noon in Almaty, anything else is
// RFC 3339, for the cases where the hour and the zone matter.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	if len(s) == len(time.DateOnly) {
		d, err := time.ParseInLocation(time.DateOnly, s, Location())
		if err != nil {
			t.Fatal(err)
		}
		return d.Add(12 * time.Hour)
	}
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func defaultCalendar(t testing.TB) *Calendar {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

// covers R-RIGHTS-3, R-BASIS-3: the days the deadlines count.
func TestIsWorkingDay(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		day  string
		want bool
		why  string
	}{
		{"2025-01-02", false, "New Year, Thursday"},
		{"2025-01-03", false, "Friday made a day off by the 2025 transfer"},
		{"2025-01-04", false, "Saturday"},
		{"2025-01-05", true, "Sunday made a working day by the 2025 transfer"},
		{"2025-01-06", true, "ordinary Monday"},
		{"2025-01-07", false, "Orthodox Christmas, Tuesday"},
		{"2025-03-10", false, "8 March 2025 was a Saturday"},
		{"2025-06-06", false, "Kurban Ait 2025, Friday"},
		{"2025-07-07", false, "Capital Day 6 July 2025 was a Sunday"},
		{"2025-07-08", true, "the day after the moved day"},
		{"2025-08-29", true, "Friday before Constitution Day"},
		{"2025-09-01", false, "Constitution Day 30 August 2025 was a Saturday"},
		{"2025-09-02", true, "Tuesday after the moved day"},
		{"2025-10-27", false, "Republic Day 25 October 2025 was a Saturday"},
		{"2025-12-16", false, "Independence Day, Tuesday"},
		{"2025-12-17", true, "17 December is no longer a holiday"},
		{"2026-03-20", true, "Friday before Nauryz (Oraza Ait is not a day off)"},
		{"2026-03-21", false, "Nauryz, Saturday"},
		{"2026-03-23", false, "Nauryz, Monday"},
		{"2026-03-24", false, "moved for Nauryz on Saturday 21 March"},
		{"2026-03-25", false, "moved for Nauryz on Sunday 22 March"},
		{"2026-03-26", true, "first working day after Nauryz 2026"},
		{"2026-05-11", false, "Victory Day 9 May 2026 was a Saturday"},
		{"2026-05-27", false, "Kurban Ait 2026, Wednesday"},
		{"2026-10-26", false, "Republic Day 25 October 2026 was a Sunday"},
		{"2026-12-16", false, "Independence Day, Wednesday"},
		{"2027-01-04", false, "New Year 2 January 2027 was a Saturday"},
		{"2027-05-17", true, "Kurban Ait on Sunday 16 May 2027 is not moved"},
		{"2027-10-25", false, "Republic Day, Monday"},
		// Outside the year files the fixed holidays still apply.
		{"2029-01-08", true, "7 January 2029 is a Sunday and is not moved"},
		{"2023-01-09", true, "7 January 2023 was a Saturday and was not moved"},
		{"2021-10-25", true, "Republic Day is a holiday from 2022 only"},
		{"2021-12-17", false, "17 December was a holiday until 2021"},
		{"2028-12-18", false, "Independence Day 16 December 2028 is a Saturday"},
		// The date is Almaty's, not UTC's.
		{"2026-03-25T19:00:00Z", true, "already Thursday 26 March in Almaty"},
		{"2026-03-23T18:59:59Z", false, "still Monday 23 March in Almaty"},
		{"2025-08-31T19:30:00Z", false, "Monday 1 September in Almaty, Sunday in UTC"},
		{"2025-12-16T19:00:00Z", true, "Wednesday 17 December in Almaty"},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(at(t, tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v: %s", tt.day, got, tt.want, tt.why)
		}
	}
}

// covers R-RIGHTS-3, R-BASIS-3: deadlines of 1, 3 and 15 working days.
func TestAddWorkingDays(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		from string
		n    int
		want string // the deadline's date; it ends at 23:59:59.999999999 +05:00
		why  string
	}{
		{"2025-11-14T10:00:00+05:00", 1, "2025-11-17", "received on a Friday: Monday"},
		{"2026-03-20T09:00:00+05:00", 1, "2026-03-26", "received the working day before Nauryz 2026"},
		{"2026-03-21T15:00:00+05:00", 1, "2026-03-26", "received on the Saturday of Nauryz"},
		{"2025-11-15T15:00:00+05:00", 1, "2025-11-17", "received on a Saturday: Monday"},
		{"2025-01-05T11:00:00+05:00", 1, "2025-01-06", "received on a working Sunday: that day does not count"},
		{"2025-06-05T17:00:00+05:00", 1, "2025-06-09", "breach notice across Kurban Ait"},
		{"2026-05-06T12:00:00+05:00", 3, "2026-05-13", "information request across 7 and 11 May"},
		{"2025-12-19T12:00:00+05:00", 15, "2026-01-14", "refusal of a withdrawal across New Year 2026"},
		{"2024-12-20T12:00:00+05:00", 15, "2025-01-15", "across New Year 2025: Friday 3 January off, Sunday 5 January counts"},
		{"2026-03-19T20:30:00Z", 1, "2026-03-26", "late Thursday in UTC is Friday 20 March in Almaty"},
		{"2025-11-13T19:00:00Z", 1, "2025-11-17", "midnight Friday in Almaty, Thursday in UTC"},
		{"2025-11-13T18:59:59Z", 1, "2025-11-14", "one second earlier it is still Thursday in Almaty"},
		{"2027-12-30T12:00:00+05:00", 2, "2028-01-05", "into a year without a file: fixed holidays only"},
	}
	for _, tt := range tests {
		got := c.AddWorkingDays(at(t, tt.from), tt.n)
		want, _ := time.ParseInLocation(time.DateOnly, tt.want, Location())
		want = want.Add(24*time.Hour - time.Nanosecond)
		if !got.Equal(want) {
			t.Errorf("AddWorkingDays(%s, %d) = %v, want %v: %s", tt.from, tt.n, got, want, tt.why)
		}
		if _, off := got.Zone(); off != 5*3600 {
			t.Errorf("AddWorkingDays(%s, %d) is in zone offset %d, want +5h", tt.from, tt.n, off)
		}
	}
}

func TestAddWorkingDaysPanicsBelowOne(t *testing.T) {
	c := defaultCalendar(t)
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddWorkingDays(_, %d) did not panic", n)
				}
			}()
			c.AddWorkingDays(time.Now(), n)
		}()
	}
}

func TestYearsAndCovered(t *testing.T) {
	c := defaultCalendar(t)
	if first, last := c.Years(); first != 2025 || last != 2027 {
		t.Errorf("Years() = %d, %d; want 2025, 2027", first, last)
	}
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-06-01", true},
		{"2028-01-01", false},
		{"2024-12-31", false},
		{"2024-12-31T19:00:00Z", true},  // 1 January 2025 in Almaty
		{"2027-12-31T19:00:00Z", false}, // 1 January 2028 in Almaty
	}
	for _, tt := range tests {
		if got := c.Covered(at(t, tt.day)); got != tt.want {
			t.Errorf("Covered(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}

// covers R-RIGHTS-3: the list a page shows, which must agree with
// IsWorkingDay day by day.
func TestDaysOff(t *testing.T) {
	c := defaultCalendar(t)
	var march []string
	for _, d := range c.DaysOff(2026) {
		if strings.HasPrefix(d.Date, "2026-03") {
			march = append(march, d.Date)
			if d.Working || d.Reason == "" {
				t.Errorf("%s: %+v, want a day off with a reason", d.Date, d)
			}
		}
	}
	want := "2026-03-09 2026-03-23 2026-03-24 2026-03-25"
	if got := strings.Join(march, " "); got != want {
		t.Errorf("March 2026 days off = %s, want %s", got, want)
	}
	for _, d := range c.DaysOff(2026) {
		if d.Date == "2026-03-24" && !strings.Contains(d.Reason, "Nauryz") {
			t.Errorf("24 March 2026 reason %q does not name Nauryz", d.Reason)
		}
	}

	for _, year := range []int{2025, 2026, 2027, 2028} {
		listed := make(map[string]Day)
		prev := ""
		for _, d := range c.DaysOff(year) {
			if d.Date <= prev {
				t.Errorf("DaysOff(%d): %s after %s", year, d.Date, prev)
			}
			prev = d.Date
			listed[d.Date] = d
		}
		for day := at(t, time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)); day.Year() == year; day = day.AddDate(0, 0, 1) {
			weekend := day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
			d, ok := listed[day.Format(time.DateOnly)]
			if ok != (c.IsWorkingDay(day) == weekend) || ok && d.Working != c.IsWorkingDay(day) {
				t.Errorf("DaysOff(%d) and IsWorkingDay disagree on %s", year, day.Format(time.DateOnly))
			}
		}
	}
	if d := c.DaysOff(2025); len(d) < 4 || d[3].Date != "2025-01-05" || !d[3].Working {
		t.Errorf("DaysOff(2025) does not list the working Sunday 5 January: %+v", d[:min(len(d), 4)])
	}
}

// The embedded data must keep its uncertain entries marked, so that a
// reader of the page or the file knows what to confirm.
func TestEmbeddedDataMarksUncertainty(t *testing.T) {
	data, err := embedded.ReadFile("data/2027.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "[check]") {
		t.Error("2027.json: the approximate Kurban Ait date is not marked [check]")
	}
}

// The calendar is shared by every request: concurrent reads, including of
// years without a file (computed on demand), must not race.
func TestConcurrentUse(t *testing.T) {
	c := defaultCalendar(t)
	done := make(chan bool)
	for i := range 4 {
		go func() {
			from := time.Date(2026+i, 12, 1, 0, 0, 0, 0, time.UTC)
			c.AddWorkingDays(from, 40)
			c.IsWorkingDay(from.AddDate(1, 0, 0))
			c.DaysOff(2030 + i)
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}
