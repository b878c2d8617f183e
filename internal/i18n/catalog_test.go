package i18n

import (
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

func mustDefault(t *testing.T) *Catalog {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

// covers N-3
func TestCataloguesComplete(t *testing.T) {
	c := mustDefault(t)
	for l, keys := range c.Missing() {
		t.Errorf("%s lacks %d messages: %s", l, len(keys), strings.Join(keys, ", "))
	}
}

func TestTPlaceholders(t *testing.T) {
	c := mustDefault(t)
	date := time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)
	tests := []struct {
		lang Lang
		key  string
		args []any
		want string
	}{
		{EN, "common.page", []any{"n", 2, "m", 10}, "Page 2 of 10"},
		{RU, "common.page", []any{"n", 2, "m", 10}, "Страница 2 из 10"},
		{KK, "common.page", []any{"n", 2, "m", 10}, "2-бет, барлығы 10"},
		{EN, "common.page", []any{"m", 1500, "n", 3}, "Page 3 of 1,500"},
		{RU, "common.page", []any{"n", 3, "m", 1500}, "Страница 3 из 1\u00a0500"},
		{EN, "instructions.acknowledged_on", []any{"date", date}, "Acknowledged on 25 November 2026"},
		{RU, "instructions.acknowledged_on", []any{"date", date}, "Ознакомлен(а) 25 ноября 2026 г."},
		{KK, "instructions.acknowledged_on", []any{"date", date}, "Танысқан күні: 2026 ж. 25 қараша"},
		{EN, "instructions.version", []any{"version", "2026-1"}, "Version 2026-1"},
		{EN, "subjects.refused", []any{"rule", c.T(EN, "errors.no-basis")},
			"Refused: There is no legal basis to process this data for the chosen purpose."},
		// A placeholder without an argument stays visible; extra and odd
		// arguments are ignored.
		{EN, "common.page", []any{"n", 2}, "Page 2 of {m}"},
		{EN, "common.page", nil, "Page {n} of {m}"},
		{EN, "common.page", []any{"n", 2, "m", 3, "extra", 4, "dangling"}, "Page 2 of 3"},
		{EN, "common.yes", []any{"n", 1}, "Yes"},
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %q, %v) = %q, want %q", tt.lang, tt.key, tt.args, got, tt.want)
		}
	}
}

func TestTPlurals(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		lang  Lang
		key   string
		count any
		want  string
	}{
		{RU, "common.records", 1, "1 запись"},
		{RU, "common.records", 2, "2 записи"},
		{RU, "common.records", 4, "4 записи"},
		{RU, "common.records", 5, "5 записей"},
		{RU, "common.records", 0, "0 записей"},
		{RU, "common.records", 11, "11 записей"},
		{RU, "common.records", 12, "12 записей"},
		{RU, "common.records", 14, "14 записей"},
		{RU, "common.records", 21, "21 запись"},
		{RU, "common.records", 22, "22 записи"},
		{RU, "common.records", 111, "111 записей"},
		{RU, "common.records", int64(1001), "1\u00a0001 запись"},
		{RU, "common.records", uint8(3), "3 записи"},
		{RU, "common.records", -2, "-2 записи"},
		{RU, "common.records", 1.5, "1.5 записи"}, // fractions take "other"
		{RU, "subjects.found", 1, "Найден 1 субъект"},
		{RU, "subjects.found", 3, "Найдено 3 субъекта"},
		{RU, "subjects.found", 25, "Найдено 25 субъектов"},
		{KK, "common.records", 1, "1 жазба"},
		{KK, "common.records", 5, "5 жазба"},
		{KK, "common.days", 21, "21 күн"},
		{KK, "subjects.found", 3, "3 субъект табылды"},
		{EN, "common.records", 1, "1 record"},
		{EN, "common.records", 0, "0 records"},
		{EN, "common.records", 21, "21 records"},
		{EN, "common.days", 1, "1 day"},
		{EN, "subjects.found", 1234, "1,234 subjects found"},
		{EN, "common.records", "many", "many records"}, // not a number: "other"
	}
	for _, tt := range tests {
		if got := c.T(tt.lang, tt.key, "count", tt.count); got != tt.want {
			t.Errorf("T(%s, %q, count=%v) = %q, want %q", tt.lang, tt.key, tt.count, got, tt.want)
		}
	}
	// Without a count, a plural message falls back to its "other" form.
	if got, want := c.T(EN, "common.records"), "{count} records"; got != want {
		t.Errorf("T without count = %q, want %q", got, want)
	}
}

func TestTMissingKey(t *testing.T) {
	c := mustDefault(t)
	for _, l := range append(Langs, "de", "") {
		if got, want := c.T(l, "no.such.key", "count", 2), "[no.such.key]"; got != want {
			t.Errorf("T(%q, missing) = %q, want %q", l, got, want)
		}
	}
	// An unsupported language is served in Kazakh.
	if got, want := c.T("de", "common.yes"), c.T(KK, "common.yes"); got != want {
		t.Errorf("T(de) = %q, want the Kazakh %q", got, want)
	}
	if !c.Has(RU, "common.records") || !c.Has(EN, "errors.iin-checksum") || c.Has(EN, "errors.no-such-rule") {
		t.Error("Has answers wrongly")
	}
}

func TestMissingFindsGaps(t *testing.T) {
	fsys := fstest.MapFS{
		"kk.json": {Data: []byte(`{"a": "а", "n.one": "{count} жазба", "n.other": "{count} жазба"}`)},
		"ru.json": {Data: []byte(`{"a": "а", "b": "б", "n.one": "{count} запись", "n.few": "", "n.other": "{count} записи"}`)},
		"en.json": {Data: []byte(`{"a": "a", "b": "", "n.one": "{count} record", "n.other": "{count} records"}`)},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Missing()
	want := map[Lang]string{KK: "b", RU: "n.few n.many", EN: "b"}
	if len(got) != len(want) {
		t.Errorf("Missing() = %v, want %v", got, want)
	}
	for l, keys := range want {
		if g := strings.Join(got[l], " "); g != keys {
			t.Errorf("Missing()[%s] = %q, want %q", l, g, keys)
		}
	}
	// A missing plural form falls back to "other"; a missing message shows
	// as its bracketed key.
	if got := c.T(RU, "n", "count", 3); got != "3 записи" {
		t.Errorf("T(ru, n, 3) = %q, want the other form as a fallback", got)
	}
	if got := c.T(EN, "b"); got != "[b]" {
		t.Errorf("T(en, empty b) = %q, want [b]", got)
	}
}

func TestLoadErrors(t *testing.T) {
	good := []byte(`{"a": "x"}`)
	tests := map[string]string{
		"not an object":   `["a"]`,
		"not a string":    `{"a": 1}`,
		"repeated key":    `{"a": "x", "a": "y"}`,
		"empty key":       `{"": "x"}`,
		"trailing data":   `{"a": "x"} {}`,
		"truncated":       `{"a": "x"`,
		"nested object":   `{"a": {"b": "c"}}`,
		"not json at all": `a = x`,
	}
	for name, ru := range tests {
		fsys := fstest.MapFS{"kk.json": {Data: good}, "ru.json": {Data: []byte(ru)}, "en.json": {Data: good}}
		_, err := Load(fsys)
		if err == nil || !strings.Contains(err.Error(), "ru.json") {
			t.Errorf("%s: Load error = %v, want one naming ru.json", name, err)
		}
	}
	_, err := Load(fstest.MapFS{"kk.json": {Data: good}, "ru.json": {Data: good}})
	if err == nil || !strings.Contains(err.Error(), "en.json") {
		t.Errorf("missing file: Load error = %v, want one naming en.json", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	c := mustDefault(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for n := range 200 {
				l := Langs[(i+n)%len(Langs)]
				if got := c.T(l, "common.records", "count", n); strings.HasPrefix(got, "[") {
					t.Errorf("T(%s, common.records, %d) = %q", l, n, got)
					return
				}
			}
		})
	}
	wg.Wait()
}
