package anon

import (
	"strings"
	"unicode"
)

// Free text is matched by phrases: space-separated words, each matching a
// word of the text that starts with it, or equals it when it starts with
// "=". The text is first folded: lower case, punctuation as spaces, and the
// Kazakh letters and ё, й as the nearest Russian ones (қ→к, ә→а, і→и, …),
// so that "Ақмола облысы" and "Акмолинская обл." share their words.

var fold = strings.NewReplacer(
	"ә", "а", "ғ", "г", "қ", "к", "ң", "н", "ө", "о", "ұ", "у", "ү", "у",
	"һ", "х", "і", "и", "ё", "е", "й", "и",
)

// words returns the folded words of s.
func words(s string) []string {
	return strings.FieldsFunc(fold.Replace(strings.ToLower(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// matches reports whether the words of a phrase occur in text, in order and
// next to each other.
func matches(text []string, phrase string) bool {
	ph := strings.Fields(phrase)
	for start := 0; start+len(ph) <= len(text); start++ {
		ok := true
		for j, p := range ph {
			w := text[start+j]
			if exact, isExact := strings.CutPrefix(p, "="); isExact && w != exact || !isExact && !strings.HasPrefix(w, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// place describes how an address names one region key.
type place struct {
	key string
	// names match next to a region word: "Павлодарская обл.",
	// "Павлодар облысы", "Pavlodar region", "область Абай".
	names []string
	// explicit match anywhere, before the cities of republican significance.
	explicit []string
	// cities match anywhere, after the cities of republican significance:
	// they may also be street names ("ул. Павлодарская, г. Астана").
	cities []string
}

var regionWords = []string{"обл", "region", "oblast", "province"}

var places = []place{
	{key: "almaty-region", names: []string{"алматинск", "алматы", "almaty"},
		cities: []string{"конаев", "qonaev", "konaev", "капчагаи", "kapchagay", "kapshagay", "талгар", "talgar", "каскелен", "kaskelen"}},
	{key: "akmola", names: []string{"акмола", "akmola", "aqmola"}, explicit: []string{"акмолинск"},
		cities: []string{"кокшетау", "kokshetau", "степногорск", "stepnogorsk", "щучинск", "косшы", "kosshy"}},
	{key: "aktobe", names: []string{"актюбинск", "актобе", "aktobe", "aqtobe"},
		cities: []string{"актобе", "aktobe", "aqtobe", "актюбинск"}},
	{key: "atyrau", names: []string{"атырау", "atyrau"}, cities: []string{"атырау", "atyrau"}},
	{key: "east-kazakhstan", explicit: []string{"восточно казахстанск", "шыгыс казакстан", "east kazakhstan", "=вко"},
		cities: []string{"усть каменогорск", "оскемен", "ust kamenogorsk", "oskemen", "риддер", "ridder"}},
	{key: "zhambyl", names: []string{"жамбыл", "zhambyl", "jambyl"}, cities: []string{"тараз", "taraz"}},
	{key: "west-kazakhstan", explicit: []string{"западно казахстанск", "батыс казакстан", "west kazakhstan", "=зко"},
		cities: []string{"уральск", "=орал", "uralsk", "=oral"}},
	{key: "karaganda", names: []string{"караганд", "karagand", "qaragand"},
		cities: []string{"караганд", "karagand", "qaragand", "темиртау", "temirtau", "балхаш", "балкаш", "balkhash"}},
	{key: "kostanay", names: []string{"костанаи", "kostanay", "kostanai", "qostanai"},
		cities: []string{"костанаи", "kostanay", "kostanai", "qostanai", "рудны", "rudny"}},
	{key: "kyzylorda", names: []string{"кызылорд", "kyzylorda", "qyzylorda"},
		cities: []string{"кызылорд", "kyzylorda", "qyzylorda"}},
	{key: "mangystau", names: []string{"мангистау", "мангыстау", "mangystau", "mangistau"},
		cities: []string{"мангистау", "мангыстау", "mangystau", "mangistau", "актау", "aktau", "aqtau", "жанаозен", "zhanaozen"}},
	{key: "pavlodar", names: []string{"павлодар", "pavlodar"}, cities: []string{"павлодар", "pavlodar", "экибастуз", "екибастуз", "ekibastuz"}},
	{key: "north-kazakhstan", explicit: []string{"северо казахстанск", "солтустик казакстан", "north kazakhstan", "=ско"},
		cities: []string{"петропавл", "petropavl"}},
	{key: "turkistan", names: []string{"туркестан", "туркистан", "turkistan", "turkestan"},
		cities: []string{"туркестан", "туркистан", "turkistan", "turkestan", "кентау", "kentau"}},
	{key: "abai", names: []string{"абаи", "abai", "abay"},
		cities: []string{"семеи", "semey", "semei", "семипалатинск", "semipalatinsk", "аягоз", "ayagoz"}},
	{key: "zhetysu", names: []string{"жетысу", "жетису", "zhetysu", "zhetisu", "jetisu"},
		cities: []string{"талдыкорган", "taldykorgan", "taldyqorgan"}},
	{key: "ulytau", names: []string{"улытау", "ulytau"}, cities: []string{"жезказган", "zhezkazgan", "улытау", "ulytau"}},
}

// republican lists the cities of republican significance.
var republican = []place{
	{key: "astana", cities: []string{"астана", "astana", "нур султан", "nur sultan", "=нурсултан", "=nursultan"}},
	{key: "almaty", cities: []string{"алматы", "almaty", "алма ата", "alma ata", "=алмаата", "=almaata"}},
	{key: "shymkent", cities: []string{"шымкент", "shymkent", "чимкент", "chimkent"}},
}

// abroad names countries and foreign cities often met in applicants'
// addresses; an address naming none of them or of Kazakhstan's places is
// "unknown", not "abroad".
var abroad = []string{
	"росси", "russia", "ресеи", "=рф", "москва", "moscow", "санкт петербург", "saint petersburg",
	"узбекистан", "озбекстан", "uzbekistan", "ташкент", "tashkent",
	"кыргызстан", "киргиз", "kyrgyz", "бишкек", "bishkek",
	"таджикистан", "тажикстан", "tajikistan", "туркменистан", "turkmenistan",
	"китаи", "кытаи", "china", "монголи", "mongolia",
	"турци", "туркия", "turkey", "turkiye", "германи", "germany",
	"=сша", "=usa", "united states", "united kingdom", "великобритани",
}

// RegionOf returns the region key of a free-text address written in
// Kazakh, Russian or English ("Ақмола облысы, Көкшетау", "г. Алматы",
// "Almaty region"), for [Region]: a region, a city of republican
// significance, "abroad" when the address names a foreign country or city
// from a short list, or "unknown" when nothing matches.
//
// A named region ("Алматинская обл.", "Алматы облысы") wins over a city of
// republican significance ("г. Алматы", "Алматы қ."), which wins over the
// other cities and region names, which could be street names.
func RegionOf(address string) string {
	text := words(address)
	for _, p := range places {
		for _, n := range p.names {
			for _, w := range regionWords {
				if matches(text, n+" "+w) || matches(text, w+" "+n) {
					return p.key
				}
			}
		}
		if anyMatch(text, p.explicit) {
			return p.key
		}
	}
	for _, tier := range [][]place{republican, places} {
		for _, p := range tier {
			if anyMatch(text, p.cities) {
				return p.key
			}
		}
	}
	if anyMatch(text, abroad) {
		return "abroad"
	}
	return Unknown
}

// fields lists the phrases of each field key, in the order they are tried:
// the first match wins, so "Computer engineering" is computer science and
// "International law" is law.
var fields = []struct {
	key     string
	phrases []string
}{
	{"computer-science", []string{"информатик", "информацион", "акпараттык", "вычислительн", "компьютер", "программн",
		"computer", "computing", "software", "information technolog", "information system", "data science",
		"artificial intellig", "искусственн интеллект", "кибер", "cyber"}},
	{"medicine", []string{"медицин", "medicine", "medical", "лечебн", "стоматолог", "dentist", "фармац", "pharma",
		"сестринск", "nursing", "мейирбике", "здравоохран", "денсаулык", "public health", "педиатр", "pediatr"}},
	{"law", []string{"юриспруденц", "правовед", "=право", "кукык", "=зан", "зантану", "=law", "laws", "legal", "jurisprud"}},
	{"education", []string{"педагог", "pedagog", "education", "образовани", "учител", "мугалим", "teacher", "teaching",
		"билим беру", "дошкольн"}},
	{"economics", []string{"эконом", "econom", "финанс", "financ", "банковск", "banking"}},
	{"business", []string{"бизнес", "business", "менеджмент", "management", "маркетинг", "marketing", "=mba",
		"бухгалтер", "accounting", "=учет", "аудит", "audit", "логистик", "logistic", "туризм", "tourism"}},
	{"engineering", []string{"инженер", "engineer", "строительств", "курылыс", "construction", "архитектур", "architect",
		"нефтегаз", "мунаи", "petroleum", "энергетик", "electrical", "электроэнерг", "машиностро", "mechanical",
		"горн", "mining", "металлург", "metallurg", "транспорт", "transport", "автоматизац", "automation"}},
	{"natural-sciences", []string{"физик", "physics", "хими", "chemi", "биолог", "biolog", "математ", "mathemat",
		"географ", "geograph", "геолог", "geolog", "эколог", "ecolog", "environmental", "астроном", "astronom"}},
	{"social-sciences", []string{"международн отношен", "халыкаралык катынас", "international relations", "социолог",
		"sociolog", "психолог", "psycholog", "политолог", "политическ", "politic", "журналист", "journalis",
		"регионовед", "social", "социальн", "антрополог", "anthropolog"}},
	{"languages", []string{"филолог", "philolog", "лингвист", "linguist", "перевод", "translat", "interpret", "аударма",
		"язык", "languag", "=тил", "тили", "тилдер", "литератур", "literature", "english", "английск"}},
	{"arts", []string{"искусств", "=art", "=arts", "онер", "музык", "music", "дизаин", "design", "театр", "theat",
		"кино", "film", "хореограф", "choreograph", "живопис", "painting", "актер", "acting"}},
	{"humanities", []string{"истори", "history", "тарих", "философ", "philosoph", "религиовед", "religio",
		"археолог", "archaeolog", "archeolog", "культуролог"}},
}

// FieldOf returns the field key of a free-text programme name in Russian,
// Kazakh or English ("Информатика", "Халықаралық қатынастар", "Computer
// science") for [Field], by keyword; "other" when nothing matches.
func FieldOf(programme string) string {
	text := words(programme)
	for _, f := range fields {
		if anyMatch(text, f.phrases) {
			return f.key
		}
	}
	return "other"
}

func anyMatch(text []string, phrases []string) bool {
	for _, p := range phrases {
		if matches(text, p) {
			return true
		}
	}
	return false
}
