package ident

import "testing"

// covers R-CAT-2
func TestPhone(t *testing.T) {
	tests := []struct{ in, e164, region, rule string }{
		{"+7 701 234 56 78", "+77012345678", "KZ", ""},
		{"8 (701) 234-56-78", "+77012345678", "KZ", ""},
		{"87012345678", "+77012345678", "KZ", ""},
		{"7012345678", "+77012345678", "KZ", ""},
		{"+77471234567", "+77471234567", "KZ", ""},
		{"+77771234567", "+77771234567", "KZ", ""},
		{"+77851234567", "+77851234567", "KZ", ""},
		{"+7 7172 12 34 56", "+77172123456", "KZ", ""}, // Astana landline
		{"+7 727 212 34 56", "+77272123456", "KZ", ""}, // Almaty landline
		{"+79161234567", "+79161234567", "RU", ""},
		{"8 916 123-45-67", "+79161234567", "RU", ""},
		{"+7 495 123 45 67", "+74951234567", "RU", ""},
		{"+44 20 7946 0958", "+442079460958", "GB", ""},
		{"+998 90 123 45 67", "+998901234567", "UZ", ""},
		{"+996 555 123 456", "+996555123456", "KG", ""},
		{"+86 138 0013 8000", "+8613800138000", "CN", ""},
		{"+90 532 123 45 67", "+905321234567", "TR", ""},
		{"", "", "", "phone-format"},
		{"   ", "", "", "phone-format"},
		{"+", "", "", "phone-format"},
		{"12345", "", "", "phone-format"},
		{"+7 701 234 56 7", "", "", "phone-format"},
		{"+7 701 234 56 789", "", "", "phone-format"},
		{"+7 601 234 56 78", "", "", "phone-format"},
		{"+7 701 CALL ME", "", "", "phone-format"},
		{"+7 701 234 56 78 ext. 12", "", "", "phone-format"},
		{"+7 701 234 56 78;ext=12", "", "", "phone-format"},
		{"tel:+77012345678", "", "", "phone-format"},
		{"+4972000000000000", "", "", "phone-format"}, // 16 digits: found by FuzzPhone
		{"7+7012345678", "", "", "phone-format"},
		{"+٧٧٠١٢٣٤٥٦٧٨", "", "", "phone-format"},
		{"+７７０１２３４５６７８", "", "", "phone-format"},
		{"+7 (701) 234-56-78                          ", "", "", "phone-format"},
	}
	for _, tt := range tests {
		e, region, err := Phone(tt.in)
		wantRule(t, tt.in, err, tt.rule)
		if e != tt.e164 || region != tt.region {
			t.Errorf("Phone(%q) = %q, %q; want %q, %q", tt.in, e, region, tt.e164, tt.region)
		}
	}
}

// covers R-CAT-2
func TestPhonePlus7Split(t *testing.T) {
	// After +7, Kazakhstan has the ranges starting 6 and 7, Russia the
	// rest. Check every Kazakh mobile prefix and a spread of Russian ones.
	for _, p := range []string{"700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778"} {
		e, region, err := Phone("+7" + p + "1234567")
		if err != nil || region != "KZ" {
			t.Errorf("+7 %s: %s %q %v, want KZ", p, e, region, err)
		}
	}
	for _, p := range []string{"900", "903", "916", "926", "950", "977", "985", "999"} {
		e, region, err := Phone("+7" + p + "1234567")
		if err != nil || region != "RU" {
			t.Errorf("+7 %s: %s %q %v, want RU", p, e, region, err)
		}
	}
}
