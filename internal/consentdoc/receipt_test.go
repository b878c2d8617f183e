package consentdoc_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/consentdoc"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// covers R-BASIS-2
func TestReceipt(t *testing.T) {
	in := input(t, "kk")
	in.RepresentativeName, in.Relationship = repName, "parent"
	text, err := consentdoc.Text(in, "kk")
	if err != nil {
		t.Fatal(err)
	}
	in.Terms.TextVersion, in.Terms.TextSHA256 = consentdoc.TextVersion, consentdoc.TextSHA256(text)

	for _, lang := range []string{"kk", "ru"} {
		p, j, err := consentdoc.Receipt(in, lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for _, pd := range []string{subjectName, "Серікқызы", "Айгерім", subjectIIN, repName, "Гүлжан"} {
			if strings.Contains(string(j), pd) {
				t.Errorf("%s: the receipt JSON holds %q", lang, pd)
			}
		}
		var r struct {
			ConsentID  string `json:"consentId"`
			GivenAt    string `json:"givenAt"`
			Operator   struct{ Name, BIN string }
			Purposes   []struct{ Code, Title string }
			Categories []struct{ Key, Label string }
			Recipients []struct{ ID, Kind, Name, Country string }
			Countries  []struct{ Code, Name string }
			ThirdParty bool `json:"thirdParty"`
			Cross      bool `json:"crossBorder"`
			Pub        bool `json:"publication"`
			ExpiresAt  *string
			Version    string `json:"textVersion"`
			TextLang   string `json:"textLanguage"`
			Hash       string `json:"textSha256"`
			Form       string
			Evidence   struct{ Channel, ConfirmedAt string }
		}
		if err := json.Unmarshal(j, &r); err != nil {
			t.Fatal(err)
		}
		switch {
		case r.ConsentID != "cns-0001", r.GivenAt != "2026-06-10T09:30:00Z":
			t.Errorf("%s: id/time %q %q", lang, r.ConsentID, r.GivenAt)
		case r.Operator.Name != operator || r.Operator.BIN != operatorBIN:
			t.Errorf("%s: operator %+v", lang, r.Operator)
		case len(r.Purposes) != 2 || r.Purposes[0].Code != "p4.1b" || r.Purposes[0].Title == "":
			t.Errorf("%s: purposes %+v", lang, r.Purposes)
		case len(r.Categories) == 0 || r.Categories[0].Key != "full_name" || r.Categories[0].Label == "":
			t.Errorf("%s: categories %+v", lang, r.Categories)
		case len(r.Recipients) != 3 || r.Recipients[2].Name != names["kk"]["uni-ru-1"] || r.Recipients[2].Country != "RU":
			t.Errorf("%s: recipients %+v", lang, r.Recipients)
		case len(r.Countries) != 1 || r.Countries[0].Code != "RU":
			t.Errorf("%s: countries %+v", lang, r.Countries)
		case !r.ThirdParty || !r.Cross || r.Pub || r.ExpiresAt == nil:
			t.Errorf("%s: flags %v %v %v %v", lang, r.ThirdParty, r.Cross, r.Pub, r.ExpiresAt)
		case r.Version != consentdoc.TextVersion || r.Hash != in.Terms.TextSHA256 || r.TextLang != "kk":
			t.Errorf("%s: text %q %q %q", lang, r.Version, r.TextLang, r.Hash)
		case r.Form != "electronic-code" || r.Evidence.Channel != "sms" || r.Evidence.ConfirmedAt != "2026-06-10T09:31:00Z":
			t.Errorf("%s: form/evidence %q %+v", lang, r.Form, r.Evidence)
		}
		got := pdftest.ExtractText(t, p)
		mustContain(t, got, "cns-0001", operatorBIN, subjectName, "10.06.2026 14:30 (UTC+5)", "SMS",
			in.Terms.TextSHA256[:16])
		if strings.Contains(got, subjectIIN) {
			t.Errorf("%s: the receipt PDF shows the IIN", lang)
		}
		if lang == "ru" {
			mustContain(t, got, "Согласие дано на казахском языке", "Россия")
		}
	}
}

// covers R-BASIS-2
func TestReceiptTextMismatch(t *testing.T) {
	in := input(t, "ru")
	text, err := consentdoc.Text(in, "ru")
	if err != nil {
		t.Fatal(err)
	}
	in.Terms.TextSHA256 = consentdoc.TextSHA256(text)
	in.Terms.Publication = true // the terms no longer give the text that was shown
	_, _, err = consentdoc.Receipt(in, "ru")
	if e := derbes.AsError(err); e == nil || e.Code != derbes.EConflict || e.Rule != "consent-text-mismatch" {
		t.Fatalf("got %v", err)
	}
}

// covers R-BASIS-2
func TestBadInputs(t *testing.T) {
	type fn func(in consentdoc.Input, lang string) error
	text := func(in consentdoc.Input, lang string) error { _, err := consentdoc.Text(in, lang); return err }
	form := func(in consentdoc.Input, lang string) error { _, err := consentdoc.Form(in, lang); return err }
	receipt := func(in consentdoc.Input, lang string) error { _, _, err := consentdoc.Receipt(in, lang); return err }
	cases := []struct {
		name  string
		do    fn
		lang  string
		edit  func(in *consentdoc.Input)
		rule  string
		names string // what the message must name
	}{
		{"language", text, "de", nil, "consent-language", "de"},
		{"terms language", text, "", func(in *consentdoc.Input) { in.Terms.Language = "fr" }, "consent-language", "fr"},
		{"catalogue", text, "ru", func(in *consentdoc.Input) { in.Catalogue = nil }, "consent-catalogue", ""},
		{"operator", form, "kk", func(in *consentdoc.Input) { in.Terms.OperatorName = "  " }, "consent-operator-name", ""},
		{"bin", text, "kk", func(in *consentdoc.Input) { in.Terms.OperatorBIN = "200840772042" }, "bin-checksum", ""},
		{"no purpose", text, "kk", func(in *consentdoc.Input) { in.Terms.Purposes = nil }, "consent-purposes-required", ""},
		{"purpose", form, "ru", func(in *consentdoc.Input) { in.Terms.Purposes = []string{"p4.1b", "p9.9"} },
			"consent-purpose-unknown", "p9.9"},
		{"art9 purpose", text, "ru", func(in *consentdoc.Input) { in.Terms.Purposes = []string{"p5.2"} },
			"consent-purpose-basis", "p5.2"},
		{"category", form, "kk", func(in *consentdoc.Input) { in.Terms.Categories = []string{"iin", "blood_type"} },
			"consent-category-unknown", "blood_type"},
		{"category outside", text, "kk", func(in *consentdoc.Input) { in.Terms.Categories = []string{"income"} },
			"consent-category-outside-purposes", "income"},
		{"recipients without third party", text, "ru", func(in *consentdoc.Input) { in.Terms.ThirdParty = false },
			"consent-recipients-without-third-party", ""},
		{"third party without recipients", text, "ru", func(in *consentdoc.Input) {
			in.Terms.Recipients, in.Terms.CrossBorder, in.Terms.Countries = nil, false, nil
		}, "consent-recipients-required", ""},
		{"countries without cross-border", text, "ru", func(in *consentdoc.Input) { in.Terms.CrossBorder = false },
			"consent-countries-without-cross-border", ""},
		{"cross-border without countries", text, "ru", func(in *consentdoc.Input) { in.Terms.Countries = nil },
			"consent-countries-required", ""},
		{"recipient abroad", text, "ru", func(in *consentdoc.Input) { in.Terms.Countries = []string{"UZ"} },
			"consent-recipient-country", "uni-ru-1"},
		{"country code", text, "ru", func(in *consentdoc.Input) { in.Terms.Countries = []string{"RU", "XX"} },
			"country-code", ""},
		{"empty recipient", text, "ru", func(in *consentdoc.Input) {
			in.Terms.Recipients = append(in.Terms.Recipients, derbes.Recipient{})
		}, "consent-recipient-empty", ""},
		{"relationship", text, "kk", func(in *consentdoc.Input) { in.Relationship = "uncle" },
			"consent-relationship-unknown", "uncle"},
		{"representative without relationship", text, "kk", func(in *consentdoc.Input) { in.RepresentativeName = repName },
			"consent-relationship-required", ""},
		{"subject name", form, "kk", func(in *consentdoc.Input) { in.SubjectName = "" }, "consent-subject-name", ""},
		{"iin", form, "ru", func(in *consentdoc.Input) { in.SubjectIIN = "980514301234" }, "iin-checksum", ""},
		{"representative name", form, "ru", func(in *consentdoc.Input) { in.Terms.Relationship = "guardian" },
			"consent-representative-name", ""},
		{"consent id", receipt, "kk", func(in *consentdoc.Input) { in.ConsentID = "" }, "consent-id-required", ""},
		{"given at", receipt, "kk", func(in *consentdoc.Input) { in.GivenAt = time.Time{} }, "consent-given-at-required", ""},
		{"form", receipt, "kk", func(in *consentdoc.Input) { in.Terms.Form = "oral" }, "consent-form", "oral"},
		{"text version", receipt, "kk", func(in *consentdoc.Input) { in.Terms.TextVersion = "consent-text/v0" },
			"consent-text-version", "consent-text/v0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := input(t, c.lang)
			if c.edit != nil {
				c.edit(&in)
			}
			err := c.do(in, c.lang)
			e := derbes.AsError(err)
			if e == nil || e.Code != derbes.EInvalid || e.Rule != c.rule {
				t.Fatalf("want %s, got %v", c.rule, err)
			}
			if !strings.Contains(err.Error(), c.names) {
				t.Errorf("the error does not name %q: %v", c.names, err)
			}
			for _, pd := range []string{subjectName, subjectIIN, "980514301234", repName} {
				if strings.Contains(err.Error(), pd) {
					t.Errorf("the error holds a personal value: %v", err)
				}
			}
		})
	}
}
