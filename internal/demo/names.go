package demo

import (
	"math/rand/v2"
	"strings"
	"unicode"
)

// pool is a set of names of one naming tradition. Surnames and patronymics
// are kept in their male form and made female by feminine, as the
// languages do; given names differ outright.
type pool struct {
	surnames []string
	male     []string
	female   []string
	// patronymic builds a patronymic from a father's name, "" for
	// traditions that have none.
	patronymic func(r *rand.Rand, father string, male bool) string
}

func kazakhPool() *pool {
	return &pool{
		surnames: strings.Fields(`Әлиев Серікбаев Нұрланов Қасымов Жұмабаев Бекмұхамбетов
			Омаров Сәрсенов Төлеуов Ахметов Ермеков Құрманов Байжанов Оспанов Мұқанов
			Тұрсынов Ибраев Есенов Әбдірахманов Жақсылықов Қуанышев Сейітов Дүйсенов
			Бектұров Ғабитов Мұратов Рахымов Қалиев Серікұлы Жанұзақұлы Өмірзақов Ілиясов`),
		male: strings.Fields(`Нұрлан Серік Ерлан Асқар Дәурен Ержан Бауыржан Мұрат Арман
			Қайрат Ғалым Әлібек Айдос Дамир Ілияс Жандос Темірлан Ақжол Бекзат Санжар
			Әділет Елдос Абылай Мирас Алихан Нұрбол Ерасыл Ернар Тимур Өркен`),
		female: strings.Fields(`Айгүл Гүлнұр Әсел Дана Жанар Айжан Ақмарал Мөлдір Салтанат
			Динара Аружан Жұлдыз Әйгерім Назерке Балжан Гүлжан Қарлығаш Сәуле Ләззат Аида
			Томирис Інжу Ұлжан Үміт Меруерт Шынар Раушан Айнұр Камила Нұргүл`),
		patronymic: kazakhPatronymic,
	}
}

// kazakhPatronymic writes the father's name with "ұлы"/"қызы", or, as
// many documents of the 1990s–2000s still do, in the Russian way.
func kazakhPatronymic(r *rand.Rand, father string, male bool) string {
	last := []rune(father)[len([]rune(father))-1]
	if r.IntN(10) < 6 || strings.ContainsRune("аеиоуыэюяәіөүұ", last) {
		if male {
			return father + "ұлы"
		}
		return father + "қызы"
	}
	return russianStyle(father, male)
}

func russianPool() *pool {
	return &pool{
		surnames: strings.Fields(`Иванов Петров Смирнов Кузнецов Попов Васильев Соколов
			Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов
			Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв
			Борисов Яковлев Григорьев`),
		male: strings.Fields(`Сергей Александр Дмитрий Андрей Алексей Максим Иван Михаил
			Никита Артём Егор Кирилл Роман Павел Денис Владимир Евгений Олег Антон Илья
			Виктор Николай Юрий Игорь Константин Глеб Даниил Тимофей Матвей Фёдор`),
		female: strings.Fields(`Анна Мария Елена Ольга Наталья Татьяна Екатерина Алёна
			Юлия Дарья Ксения Полина Виктория Анастасия Ирина Светлана Вера Софья Алина
			Людмила Галина Надежда Валерия Кристина Марина Оксана Евгения Лилия Яна Ульяна`),
		patronymic: func(r *rand.Rand, _ string, male bool) string {
			p := russianPatronymics()[r.IntN(len(russianPatronymics()))]
			if male {
				return p[0]
			}
			return p[1]
		},
	}
}

// russianPatronymics are irregular enough (Юрьевич, Ильич) to list whole.
func russianPatronymics() [][2]string {
	return [][2]string{
		{"Сергеевич", "Сергеевна"}, {"Александрович", "Александровна"},
		{"Дмитриевич", "Дмитриевна"}, {"Андреевич", "Андреевна"},
		{"Алексеевич", "Алексеевна"}, {"Иванович", "Ивановна"},
		{"Михайлович", "Михайловна"}, {"Владимирович", "Владимировна"},
		{"Евгеньевич", "Евгеньевна"}, {"Олегович", "Олеговна"},
		{"Павлович", "Павловна"}, {"Викторович", "Викторовна"},
		{"Николаевич", "Николаевна"}, {"Юрьевич", "Юрьевна"},
		{"Игоревич", "Игоревна"}, {"Ильич", "Ильинична"},
	}
}

// russianStyle makes a patronymic from a consonant-final name: Рустамович.
func russianStyle(father string, male bool) string {
	if male {
		return father + "ович"
	}
	return father + "овна"
}

// foreignPool returns the names of a foreign citizen's country. Central
// Asian names are written in Cyrillic, as Kazakh registries write them;
// Turkish ones keep the Latin alphabet of the passport.
func foreignPool(country string) *pool {
	ru := func(_ *rand.Rand, father string, male bool) string { return russianStyle(father, male) }
	switch country {
	case "RU":
		return russianPool()
	case "UZ":
		return &pool{strings.Fields("Каримов Юсупов Рахимов Турсунов Алимов Назаров Эргашев"),
			strings.Fields("Рустам Алишер Шерзод Жасур Фаррух Улугбек"),
			strings.Fields("Дилноза Нилуфар Гулнора Мадина Шахноза Феруза"), ru}
	case "KG":
		return &pool{strings.Fields("Асанов Токтогулов Жумабеков Сыдыков Абдыкадыров Муратбеков"),
			strings.Fields("Бакыт Нурбек Эрлан Азамат Улан Тилек"),
			strings.Fields("Айпери Бермет Нургуль Жылдыз Чолпон Айжамал"), ru}
	case "CN":
		return &pool{strings.Fields("Ван Ли Чжан Лю Чэнь Ян Чжао Хуан"),
			strings.Fields("Вэй Лэй Цзюнь Хао Мин Бо"),
			strings.Fields("Мэй Линь Сяо Юй Цзин Янь"), nil}
	default: // TR
		return &pool{strings.Fields("Yılmaz Kaya Demir Şahin Çelik Öztürk Aydın Arslan"),
			strings.Fields("Mehmet Mustafa Emre Burak Kerem Oğuz"),
			strings.Fields("Ayşe Elif Zeynep Büşra Gökçe Esra"), nil}
	}
}

// fullName draws "Surname Given Patronymic" of the given sex.
func (p *pool) fullName(r *rand.Rand, male bool) (surname, given, full string) {
	surname = p.surnames[r.IntN(len(p.surnames))]
	given = p.female[r.IntN(len(p.female))]
	if male {
		given = p.male[r.IntN(len(p.male))]
	} else {
		surname = feminine(surname)
	}
	full = surname + " " + given
	if p.patronymic != nil {
		full += " " + p.patronymic(r, p.male[r.IntN(len(p.male))], male)
	}
	return surname, given, full
}

// feminine gives the female form of a male surname: Серікұлы → Серікқызы,
// Әлиев → Әлиева; names without gender (Ван, Yılmaz) stay as they are.
func feminine(s string) string {
	switch {
	case strings.HasSuffix(s, "ұлы"):
		return strings.TrimSuffix(s, "ұлы") + "қызы"
	case strings.HasSuffix(s, "ов"), strings.HasSuffix(s, "ев"), strings.HasSuffix(s, "ёв"),
		strings.HasSuffix(s, "ин"):
		return s + "а"
	}
	return s
}

// translit spells a name in lower-case ASCII for an e-mail address, the
// way Kazakh and Russian users usually do (қ → q, ж → zh).
func translit(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c < unicode.MaxASCII && unicode.IsLetter(c):
			b.WriteRune(c)
		default:
			b.WriteString(latin(c))
		}
	}
	return b.String()
}

func latin(c rune) string {
	const from = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяışçğöü"
	to := strings.Fields(`a a b v g g d e e zh z i i k q l m n n o o p r s t u u u f kh h ts ch sh
		sch - y i - e yu ya i s c g o u`)
	i := 0
	for _, f := range from {
		if f == c {
			if to[i] == "-" {
				return ""
			}
			return to[i]
		}
		i++
	}
	return ""
}
