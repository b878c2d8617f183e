package ident

import (
	"strings"
	"testing"
)

// covers R-CAT-2
func TestEmail(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61)
	tests := []struct{ in, want, rule string }{
		{"aigul@example.kz", "aigul@example.kz", ""},
		{"  Aigul.Nurlanova@Example.KZ ", "aigul.nurlanova@example.kz", ""},
		{"a+tag@mail.example.com", "a+tag@mail.example.com", ""},
		{"айгүл@мысал.қаз", "айгүл@мысал.қаз", ""},
		{long, long, ""},
		{long + "d", "", "email-format"},
		{strings.Repeat("a", 65) + "@example.kz", "", "email-format"},
		{"", "", "email-format"},
		{"aigul", "", "email-format"},
		{"aigul@localhost", "", "email-format"},
		{"aigul@@example.kz", "", "email-format"},
		{"a@b@example.kz", "", "email-format"},
		{"Aigul <aigul@example.kz>", "", "email-format"},
		{"<aigul@example.kz>", "", "email-format"},
		{"aigul@example.kz (home)", "", "email-format"},
		{`"aigul n"@example.kz`, "", "email-format"},
		{"aigul@[10.0.0.1]", "", "email-format"},
		{"aigul@10.0.0.1", "", "email-format"},
		{"0@00.0", "", "email-format"}, // accepted until FuzzEmail showed it
		{"aigul@example.k2", "aigul@example.k2", ""},
		{"aigul@example..kz", "", "email-format"},
		{"aigul@.example.kz", "", "email-format"},
		{"aigul@-example.kz", "", "email-format"},
		{"aigul@example-.kz", "", "email-format"},
		{".aigul@example.kz", "", "email-format"},
		{"ai gul@example.kz", "", "email-format"},
		{"aigul@example.kz\n", "aigul@example.kz", ""},
		{"aigul@exa\x00mple.kz", "", "email-format"},
	}
	for _, tt := range tests {
		got, err := Email(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if got != tt.want {
			t.Errorf("Email(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
