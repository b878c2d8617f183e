package anon

import (
	"strconv"
	"strings"
)

// The hierarchies below never release a value they do not recognise: an
// empty, unparsable or unknown value is "unknown" at every level but the
// top, so free text typed into a field cannot leak through a release. Each
// returns "*" for a level at or above its top.

// Unknown is the generalised form of a missing or unrecognised value.
const Unknown = "unknown"

// AgeBand is the age of a subject in whole years, as a decimal string
// (derived from the IIN's birth date, for example). It never releases an
// age, only bands:
//
//	level 0: "under 17", "17", "18", "19", "20-21", "22-24", "25-29", "30-39", "40+"
//	level 1: "under 18", "18-19", "20-24", "25+"
//	level 2: "under 20", "20+"
//	level 3: "*"
//
// An empty, unparsable, negative or over-150 age is "unknown".
func AgeBand() Attribute {
	return Attribute{Name: "age", Levels: 4, Generalise: ageBand}
}

func ageBand(value string, level int) string {
	age, err := strconv.Atoi(strings.TrimSpace(value))
	if level >= 3 {
		return "*"
	}
	if err != nil || age < 0 || age > 150 {
		return Unknown
	}
	type band struct {
		below int // the band holds ages below this one
		name  string
	}
	bands := [3][]band{
		{{17, "under 17"}, {18, "17"}, {19, "18"}, {20, "19"}, {22, "20-21"}, {25, "22-24"}, {30, "25-29"}, {40, "30-39"}, {1000, "40+"}},
		{{18, "under 18"}, {20, "18-19"}, {25, "20-24"}, {1000, "25+"}},
		{{20, "under 20"}, {1000, "20+"}},
	}
	for _, b := range bands[max(level, 0)] {
		if age < b.below {
			return b.name
		}
	}
	return Unknown // unreachable: the last band holds every age up to 150
}

// Macro-regions of Kazakhstan (level 1 of [Region]); Astana, Almaty and
// Shymkent, the cities of republican significance, are their own.
var macroRegion = map[string]string{
	"astana": "astana", "almaty": "almaty", "shymkent": "shymkent",
	"akmola": "north", "kostanay": "north", "north-kazakhstan": "north", "pavlodar": "north",
	"karaganda": "central", "ulytau": "central",
	"east-kazakhstan": "east", "abai": "east",
	"aktobe": "west", "atyrau": "west", "mangystau": "west", "west-kazakhstan": "west",
	"almaty-region": "south", "zhetysu": "south", "zhambyl": "south", "turkistan": "south", "kyzylorda": "south",
	"abroad": "abroad",
}

// Region is a region key as [RegionOf] returns it: one of the 17 regions
// ("akmola", "aktobe", "almaty-region", "atyrau", "east-kazakhstan",
// "zhambyl", "west-kazakhstan", "karaganda", "kostanay", "kyzylorda",
// "mangystau", "pavlodar", "north-kazakhstan", "turkistan", "abai",
// "zhetysu", "ulytau"), one of the 3 cities of republican significance
// ("astana", "almaty", "shymkent"), "abroad" or "unknown":
//
//	level 0: the key ("unknown" for a key not in that list)
//	level 1: the macro-region: "north", "south", "east", "west", "central",
//	         the cities "astana", "almaty", "shymkent", or "abroad", "unknown"
//	level 2: "kz", "abroad" or "unknown"
//	level 3: "*"
func Region() Attribute {
	return Attribute{Name: "region", Levels: 4, Generalise: region}
}

func region(value string, level int) string {
	key := strings.ToLower(strings.TrimSpace(value))
	macro, ok := macroRegion[key]
	switch {
	case level >= 3:
		return "*"
	case !ok:
		return Unknown
	case level <= 0:
		return key
	case level == 1:
		return macro
	case macro == "abroad":
		return "abroad"
	default:
		return "kz"
	}
}

// The members and former associate members of the Commonwealth of
// Independent States other than Kazakhstan (Georgia and Ukraine have left).
var cis = map[string]bool{
	"AM": true, "AZ": true, "BY": true, "KG": true, "MD": true,
	"RU": true, "TJ": true, "TM": true, "UZ": true,
}

// country returns value as an upper-case ISO 3166 alpha-2 code, or "" if it
// is not two ASCII letters.
func country(value string) string {
	c := strings.ToUpper(strings.TrimSpace(value))
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return ""
	}
	return c
}

// CitizenshipGroup is a subject's citizenship: an ISO 3166 alpha-2 country
// code, "stateless", or "" when unknown:
//
//	level 0: "KZ", "CIS", "other", "stateless" or "unknown"
//	level 1: "KZ", "foreign" (stateless included) or "unknown"
//	level 2: "*"
//
// CIS is Armenia, Azerbaijan, Belarus, Kyrgyzstan, Moldova, Russia,
// Tajikistan, Turkmenistan and Uzbekistan.
func CitizenshipGroup() Attribute {
	return Attribute{Name: "citizenship", Levels: 3, Generalise: citizenship}
}

func citizenship(value string, level int) string {
	if level >= 2 {
		return "*"
	}
	group := Unknown
	switch c := country(value); {
	case strings.EqualFold(strings.TrimSpace(value), "stateless"):
		group = "stateless"
	case c == "KZ":
		group = "KZ"
	case cis[c]:
		group = "CIS"
	case c != "":
		group = "other"
	}
	if level <= 0 || group == "KZ" || group == Unknown {
		return group
	}
	return "foreign"
}

// StudyCountry is the ISO 3166 alpha-2 country of a subject's educational
// institution:
//
//	level 0: the code, upper case ("unknown" if it is not two letters)
//	level 1: "KZ", "CIS", "Europe", "Asia", "Americas", "other" or "unknown"
//	level 2: "*"
//
// The world regions are those of the UN geoscheme, except that the CIS
// countries are "CIS" and Cyprus is in Europe.
func StudyCountry() Attribute {
	return Attribute{Name: "study-country", Levels: 3, Generalise: studyCountry}
}

func studyCountry(value string, level int) string {
	c := country(value)
	switch {
	case level >= 2:
		return "*"
	case c == "":
		return Unknown
	case level <= 0:
		return c
	case c == "KZ":
		return "KZ"
	case cis[c]:
		return "CIS"
	}
	for _, r := range worldRegions {
		if strings.Contains(r.codes, c) {
			return r.name
		}
	}
	return "other"
}

// worldRegions lists the countries of each world region of [StudyCountry]
// as space-separated codes; every code is followed by a space or the end.
var worldRegions = []struct{ name, codes string }{
	{"Europe", "AD AL AT BA BE BG CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC ME MK MT NL NO PL PT RO RS SE SI SK SM UA VA XK"},
	{"Asia", "AE AF BD BH BN BT CN GE HK ID IL IN IQ IR JO JP KH KP KR KW LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TL TR TW VN YE"},
	{"Americas", "AG AI AR AW BB BL BM BO BQ BR BS BZ CA CL CO CR CU CW DM DO EC FK GD GF GL GP GT GY HN HT JM KN KY LC MF MQ MS MX NI PA PE PM PR PY SR SV SX TC TT US UY VC VE VG VI"},
}

// fieldBroad maps the field keys of [Field] and [FieldOf] to broad fields.
var fieldBroad = map[string]string{
	"computer-science": "STEM", "engineering": "STEM", "natural-sciences": "STEM",
	"medicine":  "health",
	"economics": "social", "law": "social", "education": "social", "social-sciences": "social",
	"arts": "humanities", "languages": "humanities", "humanities": "humanities",
	"business": "business",
	"other":    "other",
}

// Field is a field of study as [FieldOf] returns it: "computer-science",
// "engineering", "natural-sciences", "medicine", "economics", "law",
// "education", "social-sciences", "arts", "languages", "humanities",
// "business" or "other":
//
//	level 0: the key ("other" for a key not in that list)
//	level 1: "STEM", "health", "social", "humanities", "business" or "other"
//	level 2: "*"
func Field() Attribute {
	return Attribute{Name: "field", Levels: 3, Generalise: field}
}

func field(value string, level int) string {
	key := strings.ToLower(strings.TrimSpace(value))
	broad, ok := fieldBroad[key]
	switch {
	case level >= 2:
		return "*"
	case !ok:
		return "other"
	case level <= 0:
		return key
	default:
		return broad
	}
}

// Year is an academic year such as "2026/2027":
//
//	level 0: the year as given, trimmed ("unknown" unless it is two
//	         consecutive four-digit years separated by "/")
//	level 1: "*"
func Year() Attribute {
	return Attribute{Name: "year", Levels: 2, Generalise: year}
}

func year(value string, level int) string {
	if level >= 1 {
		return "*"
	}
	v := strings.TrimSpace(value)
	from, to, ok := strings.Cut(v, "/")
	if !ok || !fourDigits(from) || !fourDigits(to) {
		return Unknown
	}
	a, _ := strconv.Atoi(from)
	b, _ := strconv.Atoi(to)
	if b != a+1 {
		return Unknown
	}
	return v
}

func fourDigits(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
