package ident

import (
	"strings"
	"testing"
)

// covers R-CAT-2
func TestName(t *testing.T) {
	tests := []struct{ in, want, rule string }{
		{"Серікұлы Нұрлан Әлиұлы", "Серікұлы Нұрлан Әлиұлы", ""},
		{"Әлиева Гүлнұр Серікқызы", "Әлиева Гүлнұр Серікқызы", ""},
		{"ҚАСЫМОВ ІЛИЯС", "ҚАСЫМОВ ІЛИЯС", ""},
		{"Иванов Сергей Петрович", "Иванов Сергей Петрович", ""},
		{"Фёдорова Алёна", "Фёдорова Алёна", ""},
		{"Anna-Maria O'Neil", "Anna-Maria O'Neil", ""},
		{"Anna O’Neil", "Anna O'Neil", ""},
		{"J. R. R. Tolkien", "J. R. R. Tolkien", ""},
		{"  Нұрлан \t  Серікұлы \n", "Нұрлан Серікұлы", ""},
		{"Ли", "Ли", ""},
		{"李小龙", "李小龙", ""},
		{"Müller Jürgen", "Müller Jürgen", ""},
		{"a\u0308bc", "äbc", ""},                   // NFC composes
		{"\u04d9\u0301lem", "\u04d9\u0301lem", ""}, // mark after letter, no precomposed form
		{"O\u02bbzbek", "O\u02bbzbek", ""},         // modifier letter turned comma (Uzbek)
		{"", "", "name-format"},
		{"   ", "", "name-format"},
		{"А", "", "name-format"},
		{"..", "", "name-format"},
		{"- '", "", "name-format"},
		{"Иванов2", "", "name-format"},
		{"Иванов_Сергей", "", "name-format"},
		{"Иванов, Сергей", "", "name-format"},
		{"Robert'); DROP TABLE", "", "name-format"},
		{"Ана\u200dр", "", "name-format"}, // zero-width joiner
		{"\u0301Ана", "", "name-format"},  // mark without a letter
		{"Ана \u0301", "", "name-format"},
		{"😀 Смайл", "", "name-format"},
		{strings.Repeat("а", 200), strings.Repeat("а", 200), ""},
		{strings.Repeat("а", 201), "", "name-format"},
	}
	for _, tt := range tests {
		got, err := Name(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// covers R-CAT-2
func TestFoldName(t *testing.T) {
	equal := [][]string{
		{"СЕРІКҰЛЫ", "серикулы", "Серікұлы", "Серик-улы"},
		{"Әлиева Гүлнұр", "алиева гулнур", "АЛИЕВА  ГУЛНУР"},
		{"Қасымов Ілияс", "Касымов Илияс"},
		{"Ғалымжан Өмірбеков", "Галымжан Омирбеков"},
		{"Нұрлан Әлиұлы", "Нурлан Алиулы"},
		{"Һәкім Үсенов", "Хаким Усенов"},
		{"Фёдорова Алёна", "Федорова Алена"},
		{"Anna-Maria O'Neil", "annamaria oneil", "Anna-Maria O’Neil", "ANNA-MARIA OʼNEIL"},
		{"a\u0308bc", "äbc", "ÄBC"},
		{"Қожа - Ахмет", "Кожа Ахмет"},
	}
	for _, group := range equal {
		want := FoldName(group[0])
		for _, s := range group[1:] {
			if got := FoldName(s); got != want {
				t.Errorf("FoldName(%q) = %q, want %q (as %q)", s, got, want, group[0])
			}
		}
	}
	different := [][2]string{
		{"Иванов", "Иванова"},
		{"Ким", "Кім Ли"},
		{"Йогурт", "Иогурт"}, // й is not folded
	}
	for _, p := range different {
		if FoldName(p[0]) == FoldName(p[1]) {
			t.Errorf("FoldName(%q) == FoldName(%q)", p[0], p[1])
		}
	}
}

// covers R-CAT-2
func TestFoldNameIdempotent(t *testing.T) {
	for _, s := range []string{
		"СЕРІКҰЛЫ Нұрлан", "Фёдорова", "е'\u0308", "Е-\u0308а", "  - ' ", "О’Нил", "i̇stanbul İ",
		"\u0456\u0308", "ё\u0308", "a\u0301'\u0301",
	} {
		k := FoldName(s)
		if k2 := FoldName(k); k2 != k {
			t.Errorf("FoldName(%q) = %q but FoldName of that = %q", s, k, k2)
		}
	}
}
