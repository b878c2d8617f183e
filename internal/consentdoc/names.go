package consentdoc

import "github.com/derbes-kz/derbes"

// countries names the countries applicants' files most often go to, in the
// three languages (short names, as in the operator's correspondence). Any
// other country is shown by its ISO 3166-1 alpha-2 code.
var countries = map[string]derbes.Text{
	"KZ": {KK: "Қазақстан", RU: "Казахстан", EN: "Kazakhstan"},
	"RU": {KK: "Ресей", RU: "Россия", EN: "Russia"},
	"UZ": {KK: "Өзбекстан", RU: "Узбекистан", EN: "Uzbekistan"},
	"KG": {KK: "Қырғызстан", RU: "Кыргызстан", EN: "Kyrgyzstan"},
	"CN": {KK: "Қытай", RU: "Китай", EN: "China"},
	"TR": {KK: "Түркия", RU: "Турция", EN: "Türkiye"},
	"DE": {KK: "Германия", RU: "Германия", EN: "Germany"},
	"US": {KK: "Америка Құрама Штаттары", RU: "Соединённые Штаты Америки", EN: "United States"},
	"GB": {KK: "Ұлыбритания", RU: "Великобритания", EN: "United Kingdom"},
	"KR": {KK: "Корея Республикасы", RU: "Республика Корея", EN: "Republic of Korea"},
	"FR": {KK: "Франция", RU: "Франция", EN: "France"},
	"IT": {KK: "Италия", RU: "Италия", EN: "Italy"},
	"PL": {KK: "Польша", RU: "Польша", EN: "Poland"},
	"CZ": {KK: "Чехия", RU: "Чехия", EN: "Czechia"},
	"HU": {KK: "Венгрия", RU: "Венгрия", EN: "Hungary"},
	"MY": {KK: "Малайзия", RU: "Малайзия", EN: "Malaysia"},
	"LV": {KK: "Латвия", RU: "Латвия", EN: "Latvia"},
	"LT": {KK: "Литва", RU: "Литва", EN: "Lithuania"},
	"EE": {KK: "Эстония", RU: "Эстония", EN: "Estonia"},
	"BY": {KK: "Беларусь", RU: "Беларусь", EN: "Belarus"},
	"AZ": {KK: "Әзірбайжан", RU: "Азербайджан", EN: "Azerbaijan"},
	"GE": {KK: "Грузия", RU: "Грузия", EN: "Georgia"},
	"AM": {KK: "Армения", RU: "Армения", EN: "Armenia"},
	"TJ": {KK: "Тәжікстан", RU: "Таджикистан", EN: "Tajikistan"},
	"TM": {KK: "Түрікменстан", RU: "Туркменистан", EN: "Turkmenistan"},
	"MN": {KK: "Моңғолия", RU: "Монголия", EN: "Mongolia"},
	"JP": {KK: "Жапония", RU: "Япония", EN: "Japan"},
	"IN": {KK: "Үндістан", RU: "Индия", EN: "India"},
	"AE": {KK: "Біріккен Араб Әмірліктері", RU: "Объединённые Арабские Эмираты", EN: "United Arab Emirates"},
}

// countryName returns the name of the country with ISO code code in lang,
// or the code itself when the table above does not have it.
func countryName(code, lang string) string {
	if t, ok := countries[code]; ok {
		return t.In(lang)
	}
	return code
}

// recipientKinds labels the recipient kinds of the catalogue (package
// catalogue's RecipientKinds), in the singular: a label names the kind of
// one recipient. An unknown kind is shown by its key.
var recipientKinds = map[string]derbes.Text{
	"ministry-education": {KK: "білім беру саласындағы уәкілетті орган", RU: "уполномоченный орган в области образования", EN: "authorised body in education"},
	"education-org":      {KK: "білім беру ұйымы", RU: "организация образования", EN: "educational organisation"},
	"migration-service":  {KK: "көші-қон қызметі", RU: "миграционная служба", EN: "migration service"},
	"foreign-ministry":   {KK: "сыртқы істер министрлігі", RU: "министерство иностранных дел", EN: "ministry of foreign affairs"},
	"consulate": {KK: "шет мемлекеттің дипломатиялық өкілдігі немесе консулдық мекемесі",
		RU: "дипломатическое представительство или консульское учреждение иностранного государства",
		EN: "diplomatic mission or consular office of a foreign state"},
	"foreign-state-body": {KK: "шет мемлекеттің мемлекеттік органы", RU: "государственный орган иностранного государства", EN: "state body of a foreign state"},
	"insurer":            {KK: "сақтандыру ұйымы", RU: "страховая организация", EN: "insurance company"},
	"court":              {KK: "сот", RU: "суд", EN: "court"},
	"national-security":  {KK: "ұлттық қауіпсіздік органы", RU: "орган национальной безопасности", EN: "national security body"},
	"prosecutor":         {KK: "прокуратура органы", RU: "орган прокуратуры", EN: "prosecutor's office"},
	"police":             {KK: "ішкі істер органы", RU: "орган внутренних дел", EN: "internal affairs body (police)"},
	"investigator":       {KK: "сотқа дейінгі тергеп-тексеру органы", RU: "орган досудебного расследования", EN: "pre-trial investigation body"},
	"other-authority":    {KK: "өзге уәкілетті мемлекеттік орган", RU: "иной уполномоченный государственный орган", EN: "other authorised state body"},
}

// kindLabel returns the label of recipient kind in lang, or kind itself.
func kindLabel(kind, lang string) string {
	if t, ok := recipientKinds[kind]; ok {
		return t.In(lang)
	}
	return kind
}
