package demo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/derbes-kz/derbes/internal/ident"
)

// covers R-CAT-2
func TestPeopleValidate(t *testing.T) {
	people := People(42, 2000)
	iins := map[string]bool{}
	count := map[string]int{}
	for i, p := range people {
		count[p.Citizenship]++
		checkPerson(t, i, p)
		if iins[p.Values["iin"]] {
			t.Errorf("person %d: IIN repeats", i)
		}
		iins[p.Values["iin"]] = true
	}
	// Mostly Kazakh citizens, but every status is there.
	if count["kz-citizen"] < 1600 || count["foreign-citizen"] < 100 || count["stateless"] < 10 {
		t.Errorf("citizenship mix %v", count)
	}
}

// checkPerson runs every value of p through its validator in internal/ident
// and checks that the values agree with each other.
func checkPerson(t *testing.T, i int, p Person) {
	t.Helper()
	v := p.Values
	fail := func(key string, err error) { t.Errorf("person %d: %s %q: %v", i, key, v[key], err) }
	for _, k := range Keys() {
		if _, ok := v[k]; !ok && !(k == "citizenship" && p.Citizenship == "stateless") {
			t.Errorf("person %d: no %s", i, k)
		}
	}
	if len(v) != len(Keys()) && p.Citizenship != "stateless" || p.Kind != "applicant" {
		t.Errorf("person %d: kind %q, %d values", i, p.Kind, len(v))
	}
	info, err := ident.IIN(v["iin"])
	if err != nil {
		fail("iin", err)
	}
	if y := info.Birth.Year(); y < 1995 || y > 2009 {
		t.Errorf("person %d: born %d", i, y)
	}
	if n, err := ident.Name(v["full_name"]); err != nil || n != v["full_name"] {
		fail("full_name", err)
	}
	checkSex(t, i, v["full_name"], info.Male)
	checkCitizenship(t, i, p)
	if n, err := ident.DocNumber(v["passport_number"], v["citizenship"] == "KZ"); err != nil || n != v["passport_number"] {
		fail("passport_number", err)
	}
	e, region, err := ident.Phone(v["phone"])
	if err != nil || e != v["phone"] {
		fail("phone", err)
	}
	if want := map[string]string{"KZ": "KZ", "RU": "RU", "": "KZ"}[v["citizenship"]]; want != "" && region != want {
		t.Errorf("person %d: phone region %s for citizenship %q", i, region, v["citizenship"])
	}
	if a, err := ident.Email(v["email"]); err != nil || a != v["email"] || !exampleDomain(a) {
		fail("email", err)
	}
	if m, err := ident.Money(v["income"]); err != nil || m != v["income"] {
		fail("income", err)
	}
	var other map[string]any
	if err := json.Unmarshal([]byte(v["other"]), &other); err != nil {
		fail("other", err)
	}
	if s := v["tax_status"]; s != "resident" && s != "non-resident" {
		t.Errorf("person %d: tax_status %q", i, s)
	}
}

func checkCitizenship(t *testing.T, i int, p Person) {
	t.Helper()
	c, ok := p.Values["citizenship"]
	switch p.Citizenship {
	case "kz-citizen":
		ok = ok && c == "KZ"
	case "foreign-citizen":
		ok = ok && c != "KZ" && strings.Contains(" RU UZ KG CN TR ", " "+c+" ")
	case "stateless":
		ok = !ok
	default:
		ok = false
	}
	if !ok {
		t.Errorf("person %d: status %q with citizenship %q", i, p.Citizenship, c)
		return
	}
	if c != "" {
		if got, err := ident.Country(c); err != nil || got != c {
			t.Errorf("person %d: citizenship %q: %v", i, c, err)
		}
	}
}

// checkSex checks that the patronymic or surname agrees with the IIN's sex
// digit where the language marks it.
func checkSex(t *testing.T, i int, full string, male bool) {
	t.Helper()
	f := strings.Fields(full)
	last := f[len(f)-1]
	female := strings.HasSuffix(last, "қызы") || strings.HasSuffix(last, "вна") || strings.HasSuffix(last, "чна")
	maleName := strings.HasSuffix(last, "ұлы") || strings.HasSuffix(last, "ич")
	if len(f) == 3 && (female == male || maleName != male) {
		t.Errorf("person %d: %q does not match male=%v", i, full, male)
	}
}

func exampleDomain(a string) bool {
	for _, d := range []string{"@example.kz", "@example.ru", "@example.com"} {
		if strings.HasSuffix(a, d) {
			for _, c := range a {
				if c > unicode.MaxASCII {
					return false
				}
			}
			return true
		}
	}
	return false
}

// covers R-CAT-2
func TestPeopleDeterministic(t *testing.T) {
	a, b := People(7, 300), People(7, 300)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different people")
	}
	if !reflect.DeepEqual(People(7, 100), a[:100]) {
		t.Error("person i depends on n")
	}
	if reflect.DeepEqual(People(8, 300), a) {
		t.Error("different seeds gave the same people")
	}
	if People(1, 0) != nil || People(1, -1) != nil {
		t.Error("n <= 0 should give nil")
	}
}

// covers R-CAT-2
func TestPeopleHaveKazakhLetters(t *testing.T) {
	kazakh, russian := 0, 0
	for _, p := range People(1, 500) {
		n := p.Values["full_name"]
		if strings.ContainsAny(n, "әғқңөұүһіӘҒҚҢӨҰҮҺІ") {
			kazakh++
		}
		if strings.HasSuffix(n, "ич") || strings.HasSuffix(n, "вна") {
			russian++
		}
	}
	if kazakh < 100 || russian < 50 {
		t.Errorf("%d names with Kazakh letters, %d with Russian patronymics", kazakh, russian)
	}
}

// covers R-CAT-2
func TestTranslit(t *testing.T) {
	tests := map[string]string{
		"Нұрлан": "nurlan", "Әлиева": "alieva", "Қасымов": "qasymov", "Жанұзақұлы": "zhanuzaquly",
		"Фёдоров": "fedorov", "Юрьевич": "yurevich", "Yılmaz": "yilmaz", "Şahin": "sahin",
		"Щукин": "schukin", "Ілияс": "iliyas", "Һ": "h",
	}
	for in, want := range tests {
		if got := translit(in); got != want {
			t.Errorf("translit(%q) = %q, want %q", in, got, want)
		}
	}
}

// covers R-CAT-2
func TestRussianYears(t *testing.T) {
	for n, want := range map[int]string{1: "год", 2: "года", 4: "года", 5: "лет", 11: "лет", 12: "лет", 21: "год", 22: "года"} {
		if got := russianYears(n); got != want {
			t.Errorf("russianYears(%d) = %s, want %s", n, got, want)
		}
	}
}
