package anon

import (
	"maps"
	"slices"
	"testing"
)

// Every hierarchy maps everything to "*" at its top, and a coarser level
// never splits values that a finer level merged.
func TestHierarchiesNest(t *testing.T) {
	regions := append(slices.Collect(maps.Keys(macroRegion)), "unknown", "", "Almaty", "nowhere")
	fieldKeys := append(slices.Collect(maps.Keys(fieldBroad)), "", "Law", "astrology")
	countries := []string{"KZ", "kz", "RU", "UZ", "TM", "GE", "UA", "DE", "GB", "TR", "CN", "US", "BR", "NZ",
		"ZA", "AU", "stateless", "Stateless", "", "KAZ", "1A", " kz "}
	tests := []struct {
		attr   Attribute
		values []string
	}{
		{AgeBand(), sampleAges()},
		{Region(), regions},
		{CitizenshipGroup(), countries},
		{StudyCountry(), countries},
		{Field(), fieldKeys},
		{Year(), []string{"2026/2027", "2025/2026", " 2026/2027", "2026/2028", "2026-2027", "", "+202/+203", "x"}},
	}
	for _, tt := range tests {
		a := tt.attr
		t.Run(a.Name, func(t *testing.T) {
			for _, v := range tt.values {
				if got := a.Generalise(v, a.Levels-1); got != "*" {
					t.Errorf("top level of %q = %q", v, got)
				}
				if got := a.Generalise(v, a.Levels); got != "*" {
					t.Errorf("level above top of %q = %q", v, got)
				}
			}
			for l := 0; l+1 < a.Levels; l++ {
				coarser := map[string]string{}
				for _, v := range tt.values {
					fine, coarse := a.Generalise(v, l), a.Generalise(v, l+1)
					if c, ok := coarser[fine]; ok && c != coarse {
						t.Errorf("level %d value %q becomes both %q and %q at level %d", l, fine, c, coarse, l+1)
					}
					coarser[fine] = coarse
				}
			}
		})
	}
}

func TestHierarchyValues(t *testing.T) {
	tests := []struct {
		attr  Attribute
		value string
		want  []string // per level, the top "*" left out
	}{
		{AgeBand(), "16", []string{"under 17", "under 18", "under 20"}},
		{AgeBand(), "17", []string{"17", "under 18", "under 20"}},
		{AgeBand(), "18", []string{"18", "18-19", "under 20"}},
		{AgeBand(), "19", []string{"19", "18-19", "under 20"}},
		{AgeBand(), "21", []string{"20-21", "20-24", "20+"}},
		{AgeBand(), "24", []string{"22-24", "20-24", "20+"}},
		{AgeBand(), "25", []string{"25-29", "25+", "20+"}},
		{AgeBand(), "39", []string{"30-39", "25+", "20+"}},
		{AgeBand(), "41", []string{"40+", "25+", "20+"}},
		{AgeBand(), "", []string{"unknown", "unknown", "unknown"}},
		{AgeBand(), "eighteen", []string{"unknown", "unknown", "unknown"}},
		{Region(), "astana", []string{"astana", "astana", "kz"}},
		{Region(), "almaty-region", []string{"almaty-region", "south", "kz"}},
		{Region(), "abai", []string{"abai", "east", "kz"}},
		{Region(), "ulytau", []string{"ulytau", "central", "kz"}},
		{Region(), "north-kazakhstan", []string{"north-kazakhstan", "north", "kz"}},
		{Region(), "mangystau", []string{"mangystau", "west", "kz"}},
		{Region(), "abroad", []string{"abroad", "abroad", "abroad"}},
		{Region(), "Karaganda", []string{"karaganda", "central", "kz"}},
		{Region(), "ул. Абая 1", []string{"unknown", "unknown", "unknown"}},
		{CitizenshipGroup(), "KZ", []string{"KZ", "KZ"}},
		{CitizenshipGroup(), "ru", []string{"CIS", "foreign"}},
		{CitizenshipGroup(), "CN", []string{"other", "foreign"}},
		{CitizenshipGroup(), "stateless", []string{"stateless", "foreign"}},
		{CitizenshipGroup(), "", []string{"unknown", "unknown"}},
		{StudyCountry(), "kz", []string{"KZ", "KZ"}},
		{StudyCountry(), "BY", []string{"BY", "CIS"}},
		{StudyCountry(), "CZ", []string{"CZ", "Europe"}},
		{StudyCountry(), "KR", []string{"KR", "Asia"}},
		{StudyCountry(), "CA", []string{"CA", "Americas"}},
		{StudyCountry(), "NZ", []string{"NZ", "other"}},
		{StudyCountry(), "Germany", []string{"unknown", "unknown"}},
		{Field(), "medicine", []string{"medicine", "health"}},
		{Field(), "computer-science", []string{"computer-science", "STEM"}},
		{Field(), "languages", []string{"languages", "humanities"}},
		{Field(), "business", []string{"business", "business"}},
		{Field(), "Медицина", []string{"other", "other"}},
		{Year(), "2026/2027", []string{"2026/2027"}},
		{Year(), "2026", []string{"unknown"}},
	}
	for _, tt := range tests {
		for l, want := range tt.want {
			if got := tt.attr.Generalise(tt.value, l); got != want {
				t.Errorf("%s(%q) at level %d = %q, want %q", tt.attr.Name, tt.value, l, got, want)
			}
		}
		if len(tt.want) != tt.attr.Levels-1 {
			t.Errorf("%s: %d levels tested, want %d", tt.attr.Name, len(tt.want), tt.attr.Levels-1)
		}
	}
}

func TestRegionOf(t *testing.T) {
	tests := []struct{ address, want string }{
		{"Акмолинская обл., г. Кокшетау, ул. Абая 5", "akmola"},
		{"Ақмола облысы, Көкшетау қ.", "akmola"},
		{"Kokshetau", "akmola"},
		{"г. Астана, ул. Кенесары 40, кв. 12", "astana"},
		{"Астана қ., Алматы ауданы", "astana"},
		{"г. Нур-Султан", "astana"},
		{"Nur-Sultan, Kazakhstan", "astana"},
		{"Алматы қ., Абай даңғылы 10", "almaty"},
		{"г. Алматы, пр. Абая 150", "almaty"},
		{"Almaty, Dostyk Ave 5", "almaty"},
		{"г. Алма-Ата", "almaty"},
		{"Алматинская обл., Карасайский р-н, г. Каскелен", "almaty-region"},
		{"Алматы облысы, Қонаев қ.", "almaty-region"},
		{"Almaty region, Talgar", "almaty-region"},
		{"Алматинская область, г. Алматы", "almaty-region"},
		{"almaty-region", "almaty-region"},
		{"г. Шымкент", "shymkent"},
		{"Түркістан облысы, Кентау", "turkistan"},
		{"Туркестанская обл.", "turkistan"},
		{"Карагандинская обл., г. Темиртау", "karaganda"},
		{"Қарағанды қ.", "karaganda"},
		{"ВКО, г. Усть-Каменогорск", "east-kazakhstan"},
		{"Шығыс Қазақстан облысы, Өскемен", "east-kazakhstan"},
		{"East Kazakhstan Region", "east-kazakhstan"},
		{"Северо-Казахстанская обл., г. Петропавловск", "north-kazakhstan"},
		{"Солтүстік Қазақстан облысы", "north-kazakhstan"},
		{"Батыс Қазақстан облысы, Орал қ.", "west-kazakhstan"},
		{"г. Уральск", "west-kazakhstan"},
		{"Жамбылская обл., г. Тараз", "zhambyl"},
		{"г. Тараз, ул. Жамбыла 3", "zhambyl"},
		{"Мангистауская обл., г. Актау", "mangystau"},
		{"Маңғыстау облысы, Жаңаөзен", "mangystau"},
		{"Актюбинская обл.", "aktobe"},
		{"Ақтөбе қ.", "aktobe"},
		{"Атырау", "atyrau"},
		{"Костанайская обл., г. Рудный", "kostanay"},
		{"Қызылорда облысы", "kyzylorda"},
		{"Павлодарская обл., Экибастуз", "pavlodar"},
		{"Абайская обл., г. Семей", "abai"},
		{"Абай облысы", "abai"},
		{"Жетісу облысы, Талдықорған қ.", "zhetysu"},
		{"область Жетісу", "zhetysu"},
		{"Ұлытау облысы, Жезқазған", "ulytau"},
		{"Россия, г. Москва", "abroad"},
		{"Tashkent, Uzbekistan", "abroad"},
		{"ул. Абая 5", "unknown"},
		{"ул. Жамбыла 3", "unknown"},
		{"Kazakhstan", "unknown"},
		{"", "unknown"},
	}
	for _, tt := range tests {
		if got := RegionOf(tt.address); got != tt.want {
			t.Errorf("RegionOf(%q) = %q, want %q", tt.address, got, tt.want)
		}
		if got := Region().Generalise(RegionOf(tt.address), 0); got != tt.want {
			t.Errorf("Region does not know %q", tt.want)
		}
	}
}

func TestFieldOf(t *testing.T) {
	tests := []struct{ programme, want string }{
		{"Computer science", "computer-science"},
		{"Информатика", "computer-science"},
		{"Ақпараттық жүйелер", "computer-science"},
		{"Вычислительная техника и программное обеспечение", "computer-science"},
		{"Software Engineering", "computer-science"},
		{"Artificial Intelligence", "computer-science"},
		{"Медицина", "medicine"},
		{"Жалпы медицина", "medicine"},
		{"Стоматология", "medicine"},
		{"Nursing", "medicine"},
		{"Юриспруденция", "law"},
		{"Құқықтану", "law"},
		{"International Law", "law"},
		{"Халықаралық қатынастар", "social-sciences"},
		{"Международные отношения", "social-sciences"},
		{"International Relations", "social-sciences"},
		{"Психология", "social-sciences"},
		{"Журналистика", "social-sciences"},
		{"Экономика", "economics"},
		{"Finance", "economics"},
		{"Business Administration", "business"},
		{"Менеджмент", "business"},
		{"Учёт и аудит", "business"},
		{"Нефтегазовое дело", "engineering"},
		{"Строительство", "engineering"},
		{"Chemical Engineering", "engineering"},
		{"Архитектура", "engineering"},
		{"Математика", "natural-sciences"},
		{"Физика", "natural-sciences"},
		{"Biology", "natural-sciences"},
		{"Педагогика и психология", "education"},
		{"Physical Education", "education"},
		{"Бастауыш оқытудың педагогикасы мен әдістемесі", "education"},
		{"Филология", "languages"},
		{"Иностранный язык: два иностранных языка", "languages"},
		{"Шетел тілі: екі шетел тілі", "languages"},
		{"Translation Studies", "languages"},
		{"Дизайн", "arts"},
		{"Fine Arts", "arts"},
		{"Музыкальное образование", "education"},
		{"История", "humanities"},
		{"Тарих", "humanities"},
		{"Philosophy", "humanities"},
		{"Агрономия", "other"},
		{"", "other"},
	}
	for _, tt := range tests {
		if got := FieldOf(tt.programme); got != tt.want {
			t.Errorf("FieldOf(%q) = %q, want %q", tt.programme, got, tt.want)
		}
		if got := Field().Generalise(FieldOf(tt.programme), 0); got != tt.want {
			t.Errorf("Field does not know %q", tt.want)
		}
	}
}
