package i18n

import (
	"math"
	"testing"
	"time"
)

func TestFormatDate(t *testing.T) {
	// 09:05 UTC is 14:05 in Almaty; 21:30 UTC on 24 November is already
	// 25 November there.
	at := time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)
	late := time.Date(2026, 11, 24, 21, 30, 0, 0, time.UTC)
	jan := time.Date(2027, 1, 7, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		lang           Lang
		t              time.Time
		date, dateTime string
	}{
		{KK, at, "2026 ж. 25 қараша", "2026 ж. 25 қараша 14:05"},
		{RU, at, "25 ноября 2026 г.", "25 ноября 2026 г. 14:05"},
		{EN, at, "25 November 2026", "25 November 2026 14:05"},
		{KK, late, "2026 ж. 25 қараша", "2026 ж. 25 қараша 02:30"},
		{RU, jan, "7 января 2027 г.", "7 января 2027 г. 05:00"},
		{KK, jan, "2027 ж. 7 қаңтар", "2027 ж. 7 қаңтар 05:00"},
		{EN, jan, "7 January 2027", "7 January 2027 05:00"},
		{"fr", at, "2026 ж. 25 қараша", "2026 ж. 25 қараша 14:05"},
		{RU, time.Time{}, "", ""},
	}
	for _, tt := range tests {
		if got := FormatDate(tt.lang, tt.t); got != tt.date {
			t.Errorf("FormatDate(%s, %v) = %q, want %q", tt.lang, tt.t, got, tt.date)
		}
		if got := FormatDateTime(tt.lang, tt.t); got != tt.dateTime {
			t.Errorf("FormatDateTime(%s, %v) = %q, want %q", tt.lang, tt.t, got, tt.dateTime)
		}
	}
}

func TestFormatDateEveryMonth(t *testing.T) {
	for m := time.January; m <= time.December; m++ {
		d := time.Date(2026, m, 15, 12, 0, 0, 0, time.UTC)
		for _, l := range Langs {
			if got := FormatDate(l, d); len(got) < len("15 May 2026") {
				t.Errorf("FormatDate(%s, %v) = %q", l, d, got)
			}
		}
	}
}

func TestFormatNumber(t *testing.T) {
	const nb = "\u00a0"
	tests := []struct {
		n      int64
		kk, en string
	}{
		{0, "0", "0"},
		{7, "7", "7"},
		{999, "999", "999"},
		{1000, "1" + nb + "000", "1,000"},
		{1234567, "1" + nb + "234" + nb + "567", "1,234,567"},
		{123456, "123" + nb + "456", "123,456"},
		{-1234, "-1" + nb + "234", "-1,234"},
		{-999, "-999", "-999"},
		{math.MaxInt64, "9" + nb + "223" + nb + "372" + nb + "036" + nb + "854" + nb + "775" + nb + "807",
			"9,223,372,036,854,775,807"},
		{math.MinInt64, "-9" + nb + "223" + nb + "372" + nb + "036" + nb + "854" + nb + "775" + nb + "808",
			"-9,223,372,036,854,775,808"},
	}
	for _, tt := range tests {
		for l, want := range map[Lang]string{KK: tt.kk, RU: tt.kk, EN: tt.en, "xx": tt.kk} {
			if got := FormatNumber(l, tt.n); got != want {
				t.Errorf("FormatNumber(%s, %d) = %q, want %q", l, tt.n, got, want)
			}
		}
	}
}
