package consentdoc

import "github.com/derbes-kz/derbes"

// words are the fixed texts of the documents in one language. Formats take
// their arguments with %s.
type words struct {
	title, receiptTitle string
	bin                 string // the abbreviation of "BIN"
	intro               string // the opening sentence
	introRep            string // the same when a legal representative consents; %s = relationship
	purposes            string // heading of the list of purposes
	items               [8]string
	subjectValue        string // item 2 in the text
	until               string // item 3, inclusive date; %s = date
	untilTime           string // item 3, date and time; %s = date, %s = time
	untilPurposes       string // item 3 without a date
	recipientsAllowed   string // %s = recipients
	countriesAllowed    string // %s = countries
	allowed, notAllowed string
	none                string // item 8 when empty
	anyOfKind           string // a recipient named by kind only
	registryEntry       string // %s = recipient ID
	withdrawal          string
	version             string // %s = version

	// The form and the receipt.
	subjectHeading, textHeading, itemsHeading, signHeading string
	fullName, iin, representative, relationship            string
	signSubject, signRep, signOperator, signDate           string
	consentNo, textVersion, textHash                       string
	givenAt, form, channel, confirmedAt                    string
	receiptNote, translationNote                           string
	in                                                     map[string]string // "in Kazakh" … for translationNote
	forms                                                  map[derbes.ConsentForm]string
	channels                                               map[string]string
}

var kk = &words{
	title:        "Дербес деректерді жинауға және өңдеуге келісім",
	receiptTitle: "Дербес деректерді жинауға және өңдеуге берілген келісім туралы түбіртек",
	bin:          "БСН",
	intro: "Қол қойылған келісім құжатында көрсетілген дербес деректер субъектісі (бұдан әрі — Субъект) " +
		"«Дербес деректер және оларды қорғау туралы» Қазақстан Республикасының 2013 жылғы 21 мамырдағы " +
		"№ 94-V Заңының (бұдан әрі — Заң) 7 және 8-баптарына сәйкес операторға Субъектінің дербес " +
		"деректерін төменде көрсетілген мақсаттар үшін мына шарттармен жинауға және өңдеуге келісім береді.",
	introRep: "Қол қойылған келісім құжатында көрсетілген дербес деректер субъектісінің (бұдан әрі — Субъект) " +
		"сол құжатта көрсетілген заңды өкілі (%s) Субъектінің атынан әрекет ете отырып, " +
		"«Дербес деректер және оларды қорғау туралы» Қазақстан Республикасының 2013 жылғы 21 мамырдағы " +
		"№ 94-V Заңының (бұдан әрі — Заң) 7 және 8-баптарына сәйкес операторға Субъектінің дербес " +
		"деректерін төменде көрсетілген мақсаттар үшін мына шарттармен жинауға және өңдеуге келісім береді.",
	purposes: "Өңдеу мақсаттары:",
	items: [8]string{
		"Оператор",
		"Дербес деректер субъектісі",
		"Келісімнің қолданылу мерзімі",
		"Дербес деректерді үшінші тұлғаларға беру",
		"Дербес деректерді трансшекаралық беру",
		"Дербес деректерді жалпыға бірдей қолжетімді дереккөздерде тарату",
		"Жиналатын дербес деректердің тізбесі",
		"Оператор белгілеген өзге де мәліметтер",
	},
	subjectValue:      "қол қойылған келісім құжатында тегі, аты және әкесінің аты (бар болса) көрсетілген тұлға",
	until:             "%s дейін (қоса алғанда)",
	untilTime:         "%s, сағат %s (UTC+5) дейін",
	untilPurposes:     "өңдеу мақсаттарына қол жеткізілгенге дейін (Заңның 8-бабының 6-тармағы)",
	recipientsAllowed: "рұқсат етіледі, мына алушыларға: %s",
	countriesAllowed:  "рұқсат етіледі, мына мемлекеттерге: %s",
	allowed:           "рұқсат етіледі",
	notAllowed:        "рұқсат етілмейді",
	none:              "жоқ",
	anyOfKind:         "осы түрдегі кез келген алушы",
	registryEntry:     "алушылар тізіліміндегі жазба %s",
	withdrawal: "Субъект немесе оның заңды өкілі операторды жеке кабинет арқылы, жазбаша өтінішпен немесе " +
		"оператордың қызметкері арқылы хабардар етіп, осы келісімді кері қайтарып алуға құқылы. Егер бұл " +
		"Қазақстан Республикасының заңдарына қайшы келсе не орындалмаған міндеттеме болса, келісімді кері " +
		"қайтарып алуға болмайды (Заңның 8-бабының 2-тармағы). Кері қайтарып алу туралы хабарламаны алған " +
		"оператор ондағы мақсаттар бойынша дербес деректерді өңдеуді дереу тоқтатады (заңға сәйкес сақталуы " +
		"тиіс деректерді сақтауды қоспағанда); кері қайтарып алуға жол берілмесе, оператор он бес жұмыс күні " +
		"ішінде уәжді бас тартуды ұсынады (Заңның 8-бабының 7-тармағы).",
	version: "Келісім мәтінінің нұсқасы: %s",

	subjectHeading:  "Дербес деректер субъектісі",
	textHeading:     "Келісім мәтіні",
	itemsHeading:    "Заңның 8-бабының 4-тармағында көзделген мәліметтер",
	signHeading:     "Қолдар",
	fullName:        "Тегі, аты, әкесінің аты (бар болса)",
	iin:             "ЖСН",
	representative:  "Заңды өкілі (тегі, аты, әкесінің аты)",
	relationship:    "Субъектіге қатысы",
	signSubject:     "Субъект: ______________________________ (қолы)",
	signRep:         "Заңды өкілі: ______________________________ (қолы)",
	signOperator:    "Оператордың өкілі: ______________________________ (лауазымы, тегі, аты-жөні, қолы)",
	signDate:        "Күні: «____» ________________ 20____ ж.",
	consentNo:       "Келісім нөмірі",
	textVersion:     "Келісім мәтінінің нұсқасы",
	textHash:        "Келісім мәтінінің SHA-256 хэші",
	givenAt:         "Келісім берілген уақыты",
	form:            "Келісім нысаны",
	channel:         "Растау арнасы",
	confirmedAt:     "Расталған уақыты",
	receiptNote:     "Бұл түбіртек келісімнің берілгенін растайды. Келісімді кері қайтарып алу тәртібі келісім мәтінінде көрсетілген.",
	translationNote: "Келісім %s берілген; төменде мәтіннің аудармасы келтірілген.",
	in:              map[string]string{"kk": "қазақ тілінде", "ru": "орыс тілінде", "en": "ағылшын тілінде"},
	forms: map[derbes.ConsentForm]string{
		derbes.FormDocument:   "жеке қол қойылған құжат",
		derbes.FormContract:   "қол қойылған шарттың ережесі",
		derbes.FormCode:       "бір реттік кодпен расталған электрондық келісім",
		derbes.FormESignature: "электрондық цифрлық қолтаңбамен қол қойылған электрондық келісім",
	},
	channels: map[string]string{"email": "электрондық пошта", "sms": "SMS"},
}

var ru = &words{
	title:        "Согласие на сбор и обработку персональных данных",
	receiptTitle: "Квитанция о согласии на сбор и обработку персональных данных",
	bin:          "БИН",
	intro: "Субъект персональных данных, указанный в подписанном документе согласия (далее — Субъект), " +
		"в соответствии со статьями 7 и 8 Закона Республики Казахстан от 21 мая 2013 года № 94-V " +
		"«О персональных данных и их защите» (далее — Закон) даёт оператору согласие на сбор и обработку " +
		"персональных данных Субъекта для указанных ниже целей на следующих условиях.",
	introRep: "Законный представитель (%s) субъекта персональных данных (далее — Субъект), указанные " +
		"в подписанном документе согласия, действуя от имени Субъекта, в соответствии со статьями 7 и 8 " +
		"Закона Республики Казахстан от 21 мая 2013 года № 94-V «О персональных данных и их защите» " +
		"(далее — Закон) даёт оператору согласие на сбор и обработку персональных данных Субъекта " +
		"для указанных ниже целей на следующих условиях.",
	purposes: "Цели обработки:",
	items: [8]string{
		"Оператор",
		"Субъект персональных данных",
		"Срок действия согласия",
		"Передача персональных данных третьим лицам",
		"Трансграничная передача персональных данных",
		"Распространение персональных данных в общедоступных источниках",
		"Перечень собираемых персональных данных",
		"Иные сведения, определённые оператором",
	},
	subjectValue:      "лицо, фамилия, имя и отчество (при его наличии) которого указаны в подписанном документе согласия",
	until:             "по %s включительно",
	untilTime:         "до %s, %s (UTC+5)",
	untilPurposes:     "до достижения целей обработки (пункт 6 статьи 8 Закона)",
	recipientsAllowed: "допускается следующим получателям: %s",
	countriesAllowed:  "допускается в следующие государства: %s",
	allowed:           "допускается",
	notAllowed:        "не допускается",
	none:              "отсутствуют",
	anyOfKind:         "любой получатель этого вида",
	registryEntry:     "запись реестра получателей %s",
	withdrawal: "Субъект или его законный представитель вправе отозвать настоящее согласие, уведомив оператора " +
		"через личный кабинет, письменным заявлением или через работника оператора. Согласие не может быть " +
		"отозвано, если это противоречит законам Республики Казахстан, либо при наличии неисполненного " +
		"обязательства (пункт 2 статьи 8 Закона). Получив отзыв, оператор незамедлительно прекращает обработку " +
		"персональных данных для указанных в нём целей (кроме хранения данных, которые должны храниться " +
		"в соответствии с законом); если отзыв не допускается, оператор в течение пятнадцати рабочих дней " +
		"представляет мотивированный отказ (пункт 7 статьи 8 Закона).",
	version: "Версия текста согласия: %s",

	subjectHeading:  "Субъект персональных данных",
	textHeading:     "Текст согласия",
	itemsHeading:    "Сведения, предусмотренные пунктом 4 статьи 8 Закона",
	signHeading:     "Подписи",
	fullName:        "Фамилия, имя, отчество (при наличии)",
	iin:             "ИИН",
	representative:  "Законный представитель (фамилия, имя, отчество)",
	relationship:    "Кем приходится Субъекту",
	signSubject:     "Субъект: ______________________________ (подпись)",
	signRep:         "Законный представитель: ______________________________ (подпись)",
	signOperator:    "Представитель оператора: _________________________ (должность, Ф. И. О., подпись)",
	signDate:        "Дата: «____» ________________ 20____ г.",
	consentNo:       "Номер согласия",
	textVersion:     "Версия текста согласия",
	textHash:        "SHA-256 текста согласия",
	givenAt:         "Время дачи согласия",
	form:            "Форма согласия",
	channel:         "Канал подтверждения",
	confirmedAt:     "Время подтверждения",
	receiptNote:     "Квитанция подтверждает, что согласие дано. Порядок отзыва согласия указан в его тексте.",
	translationNote: "Согласие дано %s; ниже приведён перевод его текста.",
	in:              map[string]string{"kk": "на казахском языке", "ru": "на русском языке", "en": "на английском языке"},
	forms: map[derbes.ConsentForm]string{
		derbes.FormDocument:   "отдельный подписанный документ",
		derbes.FormContract:   "условие подписанного договора",
		derbes.FormCode:       "электронное согласие, подтверждённое одноразовым кодом",
		derbes.FormESignature: "электронное согласие, подписанное электронной цифровой подписью",
	},
	channels: map[string]string{"email": "электронная почта", "sms": "SMS"},
}

var en = &words{
	title:        "Consent to the collection and processing of personal data",
	receiptTitle: "Receipt of consent to the collection and processing of personal data",
	bin:          "BIN",
	intro: "The personal data subject named in the signed consent document (the Subject), in accordance " +
		"with Articles 7 and 8 of Law of the Republic of Kazakhstan No. 94-V of 21 May 2013 \"On Personal " +
		"Data and Their Protection\" (the Law), consents to the operator collecting and processing the " +
		"Subject's personal data for the purposes below on the following terms.",
	introRep: "The legal representative (%s) of the personal data subject (the Subject), both named in the " +
		"signed consent document, acting on the Subject's behalf and in accordance with Articles 7 and 8 of " +
		"Law of the Republic of Kazakhstan No. 94-V of 21 May 2013 \"On Personal Data and Their Protection\" " +
		"(the Law), consents to the operator collecting and processing the Subject's personal data for the " +
		"purposes below on the following terms.",
	purposes: "Purposes of processing:",
	items: [8]string{
		"Operator",
		"Personal data subject",
		"Period of the consent",
		"Transfer of personal data to third parties",
		"Cross-border transfer of personal data",
		"Dissemination of personal data in publicly available sources",
		"List of the personal data collected",
		"Other terms set by the operator",
	},
	subjectValue:      "the person whose surname, first name and patronymic (if any) are given in the signed consent document",
	until:             "until %s inclusive",
	untilTime:         "until %s, %s (UTC+5)",
	untilPurposes:     "until the purposes of processing are achieved (Art. 8 p. 6 of the Law)",
	recipientsAllowed: "allowed, to the following recipients: %s",
	countriesAllowed:  "allowed, to the following countries: %s",
	allowed:           "allowed",
	notAllowed:        "not allowed",
	none:              "none",
	anyOfKind:         "any recipient of this kind",
	registryEntry:     "recipient registry entry %s",
	withdrawal: "The Subject or the Subject's legal representative may withdraw this consent by notifying the " +
		"operator in the personal account, by a written application or through the operator's staff. The " +
		"consent cannot be withdrawn where this contradicts the laws of the Republic of Kazakhstan or where an " +
		"obligation remains unfulfilled (Art. 8 p. 2 of the Law). On receiving a withdrawal the operator at once " +
		"stops processing the personal data for the purposes withdrawn (except keeping data that a law " +
		"requires to be kept); where withdrawal is not allowed, the operator gives a reasoned refusal within " +
		"fifteen working days (Art. 8 p. 7 of the Law).",
	version: "Consent text version: %s",

	subjectHeading:  "Personal data subject",
	textHeading:     "Text of the consent",
	itemsHeading:    "Particulars required by Art. 8 p. 4 of the Law",
	signHeading:     "Signatures",
	fullName:        "Surname, first name, patronymic (if any)",
	iin:             "IIN",
	representative:  "Legal representative (full name)",
	relationship:    "Relationship to the Subject",
	signSubject:     "Subject: ______________________________ (signature)",
	signRep:         "Legal representative: ______________________________ (signature)",
	signOperator:    "For the operator: ______________________________ (position, name, signature)",
	signDate:        "Date: ____________________",
	consentNo:       "Consent number",
	textVersion:     "Consent text version",
	textHash:        "SHA-256 of the consent text",
	givenAt:         "Given at",
	form:            "Form of the consent",
	channel:         "Confirmed through",
	confirmedAt:     "Confirmed at",
	receiptNote:     "This receipt confirms that the consent was given. How to withdraw it is stated in its text.",
	translationNote: "The consent was given %s; below is a translation of its text.",
	in:              map[string]string{"kk": "in Kazakh", "ru": "in Russian", "en": "in English"},
	forms: map[derbes.ConsentForm]string{
		derbes.FormDocument:   "a separate signed document",
		derbes.FormContract:   "a clause of a signed contract",
		derbes.FormCode:       "electronic, confirmed by a one-time code",
		derbes.FormESignature: "electronic, signed with an electronic digital signature",
	},
	channels: map[string]string{"email": "e-mail", "sms": "SMS"},
}

// vocab returns the words of lang, or nil for an unknown language.
func vocab(lang string) *words {
	switch lang {
	case "kk":
		return kk
	case "ru":
		return ru
	case "en":
		return en
	}
	return nil
}

// enMonths are the English month names; Kazakh and Russian dates are
// written numerically (31.08.2027), as in their official documents.
var enMonths = [...]string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
