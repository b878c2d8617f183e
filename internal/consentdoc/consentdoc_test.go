package consentdoc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/consentdoc"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
)

// The subject, the operator and the universities are invented.
const (
	subjectName = "Серікқызы Айгерім Нұрланқызы"
	subjectIIN  = "980514301233"
	repName     = "Серікова Гүлжан Бақытқызы"
	operator    = "«Үміт Білім» ЖШС"
	operatorBIN = "200840772041"
)

var kz = time.FixedZone("UTC+5", 5*60*60)

// names are the recipients' names by language.
var names = map[string]map[string]string{
	"kk": {"uni-kz-1": "Алатау мемлекеттік университеті", "uni-kz-2": "Сарыарқа техникалық университеті",
		"uni-ru-1": "Еділ гуманитарлық университеті"},
	"ru": {"uni-kz-1": "Алатауский государственный университет", "uni-kz-2": "Сарыаркинский технический университет",
		"uni-ru-1": "Приволжский гуманитарный университет"},
	"en": {"uni-kz-1": "Alatau State University", "uni-kz-2": "Saryarka Technical University",
		"uni-ru-1": "Volga Humanities University"},
}

// others are the operator's other terms (item 8) by language.
var others = map[string]string{
	"kk": "Деректер тек Қазақстан аумағындағы серверлерде сақталады",
	"ru": "Данные хранятся только на серверах на территории Казахстана",
	"en": "The data is stored on servers in Kazakhstan only",
}

// input is a consent to admission services (p4.1b) and the exchange with
// educational organisations (p4.2b1): two Kazakh universities and one
// Russian, so cross-border transfer to Russia.
func input(t *testing.T, lang string) consentdoc.Input {
	t.Helper()
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2027, 9, 1, 0, 0, 0, 0, kz)
	confirmed := time.Date(2026, 6, 10, 9, 31, 0, 0, time.UTC)
	return consentdoc.Input{
		Catalogue: cat,
		Terms: derbes.ConsentTerms{
			OperatorName: operator,
			OperatorBIN:  operatorBIN,
			Purposes:     []string{"p4.2b1", "p4.1b"},
			ExpiresAt:    &exp,
			ThirdParty:   true,
			Recipients: []derbes.Recipient{
				{ID: "uni-kz-1", Kind: "education-org", Country: "KZ"},
				{ID: "uni-kz-2", Kind: "education-org", Country: "KZ"},
				{ID: "uni-ru-1", Kind: "education-org", Country: "RU"},
			},
			CrossBorder: true,
			Countries:   []string{"RU"},
			Other:       others[lang],
			Language:    lang,
			Form:        derbes.FormCode,
			Evidence:    derbes.Evidence{ChallengeID: "ch-1", Channel: "sms", ConfirmedAt: &confirmed},
		},
		SubjectName:    subjectName,
		SubjectIIN:     subjectIIN,
		RecipientNames: names[lang],
		ConsentID:      "cns-0001",
		GivenAt:        time.Date(2026, 6, 10, 9, 30, 0, 0, time.UTC),
	}
}

// words collapses white space: pdftotext's layout changes line breaks.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// mustContain fails for every want that text (white space collapsed) lacks.
func mustContain(t *testing.T, text string, want ...string) {
	t.Helper()
	text = words(text)
	for _, w := range want {
		if !strings.Contains(text, words(w)) {
			t.Errorf("missing %q", w)
		}
	}
}

// covers R-BASIS-2
// covers R-BASIS-4
func TestFormStatesTheEightItems(t *testing.T) {
	cases := []struct {
		lang string
		want []string
	}{
		{"kk", []string{
			"Дербес деректерді жинауға және өңдеуге келісім",
			operator, "БСН " + operatorBIN, // 1
			subjectName, "ЖСН " + subjectIIN, // 2
			"31.08.2027 дейін (қоса алғанда)",                           // 3
			"үшінші тұлғаларға беру", "рұқсат етіледі, мына алушыларға", // 4
			"Алатау мемлекеттік университеті", "Еділ гуманитарлық университеті", // 4
			"трансшекаралық беру", "мына мемлекеттерге: Ресей", // 5
			"жалпыға бірдей қолжетімді дереккөздерде тарату", "рұқсат етілмейді", // 6
			"Жиналатын дербес деректердің тізбесі", "Жеке сәйкестендіру нөмірі (ЖСН)", "Фотосурет", // 7
			"өзге де мәліметтер", others["kk"], // 8
			"Өңдеу мақсаттары", "Оқуға түсу бойынша қызметтер", // purposes
			"кері қайтарып алуға құқылы", "он бес жұмыс күні", // withdrawal
			consentdoc.TextVersion, "(қолы)", "Оператордың өкілі",
		}},
		{"ru", []string{
			"Согласие на сбор и обработку персональных данных",
			operator, "БИН " + operatorBIN,
			subjectName, "ИИН " + subjectIIN,
			"по 31.08.2027 включительно",
			"третьим лицам", "допускается следующим получателям",
			"Алатауский государственный университет", "Приволжский гуманитарный университет",
			"Трансграничная передача", "в следующие государства: Россия",
			"в общедоступных источниках", "не допускается",
			"Перечень собираемых персональных данных", "Индивидуальный идентификационный номер (ИИН)", "Фотография",
			"Иные сведения", others["ru"],
			"Цели обработки", "Услуги по поступлению в учебные заведения",
			"вправе отозвать", "пятнадцати рабочих дней",
			consentdoc.TextVersion, "(подпись)", "Представитель оператора",
		}},
	}
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			in := input(t, c.lang)
			b, err := consentdoc.Form(in, c.lang)
			if err != nil {
				t.Fatal(err)
			}
			got := pdftest.ExtractText(t, b)
			mustContain(t, got, c.want...)
			text, err := consentdoc.Text(in, c.lang)
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, got, consentdoc.TextSHA256(text)[:16])
			if c.lang == "kk" {
				for _, r := range "әғқңөұүі" {
					if !strings.ContainsRune(got, r) {
						t.Errorf("Kazakh letter %q lost in the PDF", r)
					}
				}
			}
		})
	}
}

func TestFormEnglish(t *testing.T) {
	in := input(t, "en")
	b, err := consentdoc.Form(in, "en")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, pdftest.ExtractText(t, b),
		"Consent to the collection and processing of personal data", "BIN "+operatorBIN, subjectName,
		"until 31 August 2027 inclusive", "Volga Humanities University", "countries: Russia",
		"publicly available sources", "Photograph", others["en"], "Admission services")
}

// covers R-BASIS-4
func TestFormRepresentative(t *testing.T) {
	in := input(t, "kk")
	in.RepresentativeName = repName
	in.Relationship = "parent"
	b, err := consentdoc.Form(in, "kk")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, pdftest.ExtractText(t, b), subjectName, repName, "Ата-анасы", "Заңды өкілі:")
	text, err := consentdoc.Text(in, "kk")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, text, "заңды өкілі (ата-анасы) Субъектінің атынан")
	if strings.Contains(text, repName) {
		t.Error("the text names the representative")
	}
}

// covers R-BASIS-2
func TestTextDeterministicAndImpersonal(t *testing.T) {
	for _, lang := range []string{"kk", "ru", "en"} {
		in := input(t, lang)
		a, err := consentdoc.Text(in, lang)
		if err != nil {
			t.Fatal(err)
		}
		in.SubjectName, in.SubjectIIN, in.ConsentID = "Басқа Адам", "", "cns-other"
		in.GivenAt = in.GivenAt.Add(time.Hour)
		b, err := consentdoc.Text(in, lang)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("%s: the text depends on the subject:\n%s\n---\n%s", lang, a, b)
		}
		for _, p := range []string{subjectName, "Серікқызы", "Айгерім", subjectIIN, "Басқа Адам", "cns-0001"} {
			if strings.Contains(a, p) {
				t.Errorf("%s: the text holds %q", lang, p)
			}
		}
		mustContain(t, a, operator, operatorBIN, names[lang]["uni-ru-1"], others[lang], consentdoc.TextVersion)
		if h := consentdoc.TextSHA256(a); len(h) != 64 || h != consentdoc.TextSHA256(b) {
			t.Errorf("%s: hash %q", lang, h)
		}
	}
}

// covers R-BASIS-2
func TestTextChangesWithTerms(t *testing.T) {
	base := input(t, "ru")
	ref, err := consentdoc.Text(base, "ru")
	if err != nil {
		t.Fatal(err)
	}
	later := time.Date(2028, 9, 1, 0, 0, 0, 0, kz)
	changes := map[string]func(in *consentdoc.Input){
		"expiry":        func(in *consentdoc.Input) { in.Terms.ExpiresAt = &later },
		"no expiry":     func(in *consentdoc.Input) { in.Terms.ExpiresAt = nil },
		"publication":   func(in *consentdoc.Input) { in.Terms.Publication = true },
		"other":         func(in *consentdoc.Input) { in.Terms.Other = "" },
		"categories":    func(in *consentdoc.Input) { in.Terms.Categories = []string{"full_name", "iin"} },
		"purposes":      func(in *consentdoc.Input) { in.Terms.Purposes = []string{"p4.1b"} },
		"operator":      func(in *consentdoc.Input) { in.Terms.OperatorName = "ТОО «Другой»" },
		"recipient":     func(in *consentdoc.Input) { in.Terms.Recipients = in.Terms.Recipients[:2] },
		"recipientName": func(in *consentdoc.Input) { in.RecipientNames = nil },
		"country": func(in *consentdoc.Input) {
			in.Terms.Countries = append(in.Terms.Countries, "UZ")
		},
		"no transfers": func(in *consentdoc.Input) {
			in.Terms.ThirdParty, in.Terms.Recipients, in.Terms.CrossBorder, in.Terms.Countries = false, nil, false, nil
		},
		"representative": func(in *consentdoc.Input) { in.Terms.Relationship = "guardian" },
	}
	seen := map[string]string{consentdoc.TextSHA256(ref): "base"}
	for name, change := range changes {
		in := input(t, "ru")
		change(&in)
		text, err := consentdoc.Text(in, "ru")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		h := consentdoc.TextSHA256(text)
		if prev, ok := seen[h]; ok {
			t.Errorf("%s: same text as %s", name, prev)
		}
		seen[h] = name
	}
	// The order of purposes, categories and countries in the terms does not matter.
	in := input(t, "ru")
	in.Terms.Purposes = []string{"p4.1b", "p4.2b1", "p4.1b"}
	if text, err := consentdoc.Text(in, "ru"); err != nil || text != ref {
		t.Errorf("reordered purposes changed the text (err %v)", err)
	}
}

func TestTextPeriod(t *testing.T) {
	cases := []struct {
		exp  *time.Time
		lang string
		want string
	}{
		{nil, "kk", "өңдеу мақсаттарына қол жеткізілгенге дейін"},
		{nil, "ru", "до достижения целей обработки (пункт 6 статьи 8 Закона)"},
		{nil, "en", "until the purposes of processing are achieved"},
		{ptr(time.Date(2027, 1, 1, 0, 0, 0, 0, kz)), "ru", "по 31.12.2026 включительно"},
		{ptr(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)), "ru", "до 01.01.2027, 05:00 (UTC+5)"},
		{ptr(time.Date(2027, 3, 15, 9, 0, 0, 0, time.UTC)), "kk", "15.03.2027, сағат 14:00 (UTC+5) дейін"},
		{ptr(time.Date(2027, 3, 15, 9, 0, 0, 0, time.UTC)), "en", "until 15 March 2027, 14:00 (UTC+5)"},
	}
	for _, c := range cases {
		in := input(t, c.lang)
		in.Terms.ExpiresAt = c.exp
		text, err := consentdoc.Text(in, c.lang)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, text, c.want)
	}
}

func ptr[T any](v T) *T { return &v }
