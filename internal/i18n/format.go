package i18n

import (
	"strconv"
	"time"
)

// almaty is the zone in which dates are shown: Kazakhstan has kept a single
// time zone, UTC+5 without daylight saving, since 1 March 2024. A fixed zone
// needs no tzdata on the host.
var almaty = time.FixedZone("Asia/Almaty", 5*60*60)

// Month names: Kazakh in the nominative ("2026 ж. 25 қараша"), Russian in
// the genitive ("25 ноября 2026 г.").
var (
	monthsKK = [12]string{"қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
		"шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан"}
	monthsRU = [12]string{"января", "февраля", "марта", "апреля", "мая", "июня",
		"июля", "августа", "сентября", "октября", "ноября", "декабря"}
)

// FormatDate returns the calendar date of t in Asia/Almaty (UTC+5) as l
// writes it: kk "2026 ж. 25 қараша", ru "25 ноября 2026 г.", en
// "25 November 2026". An unsupported l is treated as KK. The zero time
// formats as "" so a template can show an absent date as blank. FormatDate
// has no error.
func FormatDate(l Lang, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(almaty)
	year, day := strconv.Itoa(t.Year()), strconv.Itoa(t.Day())
	switch l.orDefault() {
	case RU:
		return day + " " + monthsRU[t.Month()-1] + " " + year + " г."
	case EN:
		return day + " " + t.Month().String() + " " + year
	default:
		return year + " ж. " + day + " " + monthsKK[t.Month()-1]
	}
}

// FormatDateTime returns [FormatDate] followed by the 24-hour time in
// Asia/Almaty: kk "2026 ж. 25 қараша 14:05", ru "25 ноября 2026 г. 14:05",
// en "25 November 2026 14:05". The zero time formats as "". FormatDateTime
// has no error.
func FormatDateTime(l Lang, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatDate(l, t) + " " + t.In(almaty).Format("15:04")
}

// Thousands separators: a no-break space (U+00A0) in Kazakh and Russian, as
// CLDR has it, so that a number never breaks across lines; a comma in
// English.
const (
	groupKKRU = "\u00a0"
	groupEN   = ","
)

// FormatNumber returns n with its digits grouped in thousands as l writes
// them: kk and ru "1 234 567" (no-break spaces), en "1,234,567"; negative
// numbers start with "-". Four-digit numbers are grouped too ("1 234"), so
// years and identifiers should be passed to [Catalog.T] as strings. An
// unsupported l is treated as KK. FormatNumber has no error.
func FormatNumber(l Lang, n int64) string {
	sep := groupKKRU
	if l == EN {
		sep = groupEN
	}
	digits := strconv.FormatInt(n, 10)
	sign := ""
	if digits[0] == '-' {
		sign, digits = "-", digits[1:]
	}
	head := len(digits) % 3
	if head == 0 {
		head = 3
	}
	out := sign + digits[:head]
	for i := head; i < len(digits); i += 3 {
		out += sep + digits[i:i+3]
	}
	return out
}
