package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/derbes-kz/derbes/internal/ident"
)

// documents fills passport_number and passport_details.
func (g *gen) documents(s subject, v map[string]string) {
	var number, authority string
	switch s.country {
	case "KZ":
		number, authority = "N"+g.digits(8), "МВД РК"
	case "":
		// A stateless person resident in Kazakhstan holds its certificate.
		number, authority = g.digits(9), "МВД РК, удостоверение лица без гражданства"
	case "RU":
		number, authority = g.digits(10), "МВД России"
	case "UZ":
		number, authority = "AD"+g.digits(7), "МВД Республики Узбекистан"
	case "KG":
		number, authority = "AC"+g.digits(7), "ГРС при Кабинете Министров КР"
	case "CN":
		number, authority = "E"+g.digits(8), "Ministry of Public Security of the PRC"
	default:
		number, authority = "U"+g.digits(8), "T.C. İçişleri Bakanlığı"
	}
	v["passport_number"] = number
	// Issued at 16 (or later, on renewal), valid for ten years.
	from := s.birth.AddDate(16, 0, 0)
	if span := int(asOf().Sub(from).Hours()/24) - 1; span > 0 {
		from = from.AddDate(0, 0, g.r.IntN(min(span, 9*365)))
	}
	until := from.AddDate(10, 0, -1)
	v["passport_details"] = fmt.Sprintf("%s, %s – %s", authority, day(from), day(until))
}

// contacts fills phone, email and address.
func (g *gen) contacts(s subject, v map[string]string) {
	v["phone"] = g.phone(s.country)
	domain := "example.kz"
	switch s.country {
	case "KZ", "":
	case "RU":
		domain = "example.ru"
	default:
		domain = "example.com"
	}
	local := translit(s.given) + "." + translit(s.surname)
	for n := 0; ; n++ {
		addr := local + "@" + domain
		if n > 0 {
			addr = fmt.Sprintf("%s%d@%s", local, s.birth.Year()%100*100+n, domain)
		}
		if !g.emails[addr] {
			g.emails[addr] = true
			v["email"] = addr
			break
		}
	}
	v["address"] = g.address()
}

// phone draws a mobile number of the person's country (Kazakh for
// Kazakhs and stateless residents) until libphonenumber calls it valid, so
// that no unallocated range slips into the demo.
func (g *gen) phone(country string) string {
	var prefixes []string
	switch country {
	case "KZ", "":
		prefixes = strings.Fields("+7700 +7701 +7702 +7705 +7707 +7708 +7747 +7771 +7775 +7776 +7777 +7778")
	case "RU":
		prefixes = strings.Fields("+7903 +7905 +7912 +7916 +7921 +7926 +7950 +7960 +7977 +7985 +7999")
	case "UZ":
		prefixes = strings.Fields("+99890 +99891 +99893 +99894 +99897")
	case "KG":
		prefixes = strings.Fields("+996555 +996700 +996770 +996500")
	case "CN":
		prefixes = strings.Fields("+86138 +86139 +86135 +86186")
	default:
		prefixes = strings.Fields("+90532 +90533 +90542 +90505")
	}
	for range 1000 {
		p := prefixes[g.r.IntN(len(prefixes))]
		e, _, err := ident.Phone(p + g.digits(subscriberLen(p)))
		if err == nil {
			return e
		}
	}
	panic("demo: no valid phone number in 1000 draws: the prefix list is wrong")
}

// subscriberLen is how many digits follow each prefix in E.164.
func subscriberLen(prefix string) int {
	total := map[string]int{"+7": 11, "+998": 12, "+996": 12, "+86": 13, "+90": 12}
	for cc, n := range total {
		if strings.HasPrefix(prefix, cc) {
			return n - (len(prefix) - 1)
		}
	}
	panic("demo: unknown country code in " + prefix)
}

// address invents a town and a street from Kazakh roots in a real region,
// so that no address in the demo is a real one.
func (g *gen) address() string {
	a := strings.Fields("Жаңа Ақ Қара Көк Сары Алтын Күміс Таң Жасыл Шың")
	b := strings.Fields("тоғай бұлақ өзен дала қайың жайлау арна шоқы көл сай")
	street := strings.Fields("Жасыл Бірлік Достық Шұғыла Көктем Наурыз Бәйтерек Самал Жұлдыз Арай Шапағат Бейбітшілік")
	kind := strings.Fields("ул. пр. мкр.")
	// The region is real (statistics group by it); the town and street are
	// not. Weighted roughly by population: the three cities first.
	region := pick(g.r, []string{"г. Алматы", "г. Алматы", "г. Астана", "г. Астана", "г. Шымкент",
		"Карагандинская обл.", "Туркестанская обл.", "Алматинская обл.", "Жамбылская обл.", "Восточно-Казахстанская обл.",
		"Актюбинская обл.", "Костанайская обл.", "Павлодарская обл.", "Атырауская обл.", "Мангистауская обл.",
		"Акмолинская обл.", "Западно-Казахстанская обл.", "Кызылординская обл.", "Северо-Казахстанская обл."})
	if strings.HasPrefix(region, "г. ") {
		return fmt.Sprintf("%s, %s %s%s, д. %d, кв. %d", region, pick(g.r, kind), pick(g.r, a), strings.ToLower(pick(g.r, b)), 1+g.r.IntN(150), 1+g.r.IntN(300))
	}
	return fmt.Sprintf("%s, г. %s%s, %s %s, д. %d, кв. %d",
		region, pick(g.r, a), pick(g.r, b), pick(g.r, kind), pick(g.r, street), 1+g.r.IntN(150), 1+g.r.IntN(300))
}

// career fills education, languages and the work-related categories.
func (g *gen) career(s subject, v map[string]string) {
	age := s.age()
	school := s.birth.Year() + 18
	edu := fmt.Sprintf("Школа-лицей №%d, %d", 1+g.r.IntN(90), school)
	if school > asOf().Year()-1 {
		edu = fmt.Sprintf("Школа №%d, 11 класс", 1+g.r.IntN(90))
	}
	degree, docs := "нет", "нет"
	if age >= 22 && g.r.IntN(10) < 7 {
		uni := "Университет «" + strings.Fields("Алтынбұлақ Шапағат Самал Көкжиек Ақжол")[g.r.IntN(5)] + "»"
		edu += fmt.Sprintf("; %s, бакалавр, %d", uni, school+4)
		degree = "бакалавр"
		docs = fmt.Sprintf("Диплом бакалавра ЖБ-Б №%s", g.digits(7))
		if age >= 25 && g.r.IntN(4) == 0 {
			edu += fmt.Sprintf("; %s, магистратура, %d", uni, school+6)
			degree, docs = "магистр", docs+fmt.Sprintf("; диплом магистра ЖОО-М №%s", g.digits(7))
		}
	}
	v["education"], v["academic_degree"], v["professional_education_docs"] = edu, degree, docs
	v["languages"] = g.languages(s)
	g.work(s, v)
	v["military_registration"] = military(s)
	v["other"] = g.other()
}

func (g *gen) languages(s subject) string {
	switch s.country {
	case "KZ", "":
		return pick(g.r, []string{"казахский, русский", "казахский, русский, английский (B1)",
			"русский, казахский (A2)", "казахский, русский, английский (C1), турецкий (A2)"})
	case "RU":
		return "русский, английский (A2)"
	case "UZ":
		return "узбекский, русский"
	case "KG":
		return "кыргызский, русский, казахский (B1)"
	case "CN":
		return "китайский, русский (B1)"
	}
	return "турецкий, английский (B2), русский (A2)"
}

// work fills specialty, workplace, position, work_experience, income and
// tax_status. Those under 20 are still studying.
func (g *gen) work(s subject, v map[string]string) {
	years := max(0, s.age()-20-g.r.IntN(3))
	v["tax_status"] = "resident"
	if s.status == "foreign-citizen" && g.r.IntN(10) < 3 {
		v["tax_status"] = "non-resident"
	}
	if years == 0 {
		v["specialty"], v["workplace"], v["position"] = "нет", "не работает (учится)", "студент"
		v["work_experience"], v["income"] = "нет", "0 KZT"
		return
	}
	jobs := [][2]string{{"программист", "разработчик"}, {"бухгалтер", "бухгалтер"},
		{"маркетолог", "менеджер по маркетингу"}, {"инженер-строитель", "инженер ПТО"},
		{"юрист", "юрисконсульт"}, {"логист", "специалист по логистике"},
		{"учитель", "учитель математики"}, {"экономист", "аналитик"}}
	job := jobs[g.r.IntN(len(jobs))]
	v["specialty"], v["position"] = job[0], job[1]
	v["workplace"] = pick(g.r, []string{"ТОО «Ақжол Трейд»", "АО «Самал Логистикс»",
		"ТОО «Көкжиек Строй»", "ТОО «Алтынбұлақ Софт»", "КГУ «Школа-лицей №7»",
		"ТОО «Шапағат Консалтинг»", "ИП «Арай»"})
	v["work_experience"] = fmt.Sprintf("%d %s", years, russianYears(years))
	income := fmt.Sprintf("%d KZT", 150000+5000*g.r.IntN(250))
	if s.country != "KZ" && s.country != "" && g.r.IntN(2) == 0 {
		income = fmt.Sprintf("%d.%02d USD", 400+g.r.IntN(3000), g.r.IntN(100))
	}
	// Money normalises "1200.00 USD" to "1200 USD"; the demo stores the
	// canonical form like a real import would.
	m, err := ident.Money(income)
	if err != nil {
		panic("demo: generated an invalid amount: " + err.Error())
	}
	v["income"] = m
}

func military(s subject) string {
	switch {
	case !s.male:
		return "не состоит"
	case s.country != "KZ":
		return "не состоит (не гражданин РК)"
	case s.age() < 18:
		return "приписное свидетельство"
	}
	return "состоит на воинском учёте, военный билет"
}

func (g *gen) other() string {
	o := map[string]string{"hobby": pick(g.r, []string{"chess", "football", "dombra", "reading", "hiking", "photography"})}
	if g.r.IntN(3) == 0 {
		o["driving_licence"] = "B"
	}
	b, err := json.Marshal(o) // map keys come out sorted: deterministic
	if err != nil {
		panic(err)
	}
	return string(b)
}

// russianYears picks the Russian plural of "year": 1 год, 3 года, 5 лет.
func russianYears(n int) string {
	switch {
	case n%100 >= 11 && n%100 <= 14:
		return "лет"
	case n%10 == 1:
		return "год"
	case n%10 >= 2 && n%10 <= 4:
		return "года"
	}
	return "лет"
}

// digits returns n random ASCII digits.
func (g *gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func day(t time.Time) string { return t.Format(time.DateOnly) }
