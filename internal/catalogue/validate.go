package catalogue

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
)

// RecipientKinds returns the kinds of third party a purpose may name in
// RecipientKinds (R-TRANSFER-1, P-4.2b, P-5.2a–f), a fresh slice on every
// call. It cannot fail.
func RecipientKinds() []string {
	return []string{
		"ministry-education", "education-org", // P-4.2b1
		"migration-service", "foreign-ministry", "consulate", "foreign-state-body", // P-4.2b2
		"insurer",                                                            // P-4.2b3
		"court", "national-security", "prosecutor", "police", "investigator", // P-5.2a–e
		"other-authority", // P-5.2f
	}
}

// StorageEvents returns the events that may start a storage period
// (derbes.StoragePeriod.From), a fresh slice on every call. It cannot fail.
func StorageEvents() []string {
	return []string{"order-closed", "contract-ended", "consent-ended", "collected", "employment-ended"}
}

// ConsentForms returns the forms a consent basis may take
// (derbes.LegalBasis.ConsentForm): "contract" for a clause of the signed
// service or employment contract (P-7.1), "separate" for a purpose opted
// into on its own (P-4.2). It cannot fail.
func ConsentForms() []string { return []string{"contract", "separate"} }

// keyPattern is the shape of every key and code: lower-case ASCII letters,
// digits and . _ -, starting with a letter. art9Pattern is a sub-paragraph
// of Law 94-V Art. 9: "1", "5", "9-1"…
var (
	keyPattern  = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)
	art9Pattern = regexp.MustCompile(`^[1-9][0-9]?(-[1-9][0-9]?)?$`)
)

// knownType reports whether t is a value type of the domain.
func knownType(t derbes.ValueType) bool {
	return slices.Contains([]derbes.ValueType{
		derbes.TypeText, derbes.TypeName, derbes.TypeIIN, derbes.TypeBIN, derbes.TypeDocNumber,
		derbes.TypePhone, derbes.TypeEmail, derbes.TypeDate, derbes.TypeCountry, derbes.TypeEnum,
		derbes.TypeMoney, derbes.TypeKV, derbes.TypeFile,
	}, t)
}

// knownSearch reports whether m is a search mode of the domain.
func knownSearch(m derbes.SearchMode) bool {
	return m == derbes.SearchNone || m == derbes.SearchExact
}

// validate applies the rules Check leaves out. Errors: "catalogue-invalid".
func validate(c *derbes.Catalogue) error {
	if strings.TrimSpace(c.Policy) == "" {
		return invalid("catalogue.policy", "catalogue-invalid", "the catalogue names no policy", nil)
	}
	lists := []struct {
		name  string
		kinds []derbes.Kind
		empty bool // may be empty
	}{
		{"subjectKinds", c.SubjectKinds, false},
		{"citizenships", c.Citizenships, false},
		{"relationships", c.Relationships, true},
	}
	for _, l := range lists {
		if err := validateKinds(l.name, l.kinds, l.empty); err != nil {
			return err
		}
	}
	if len(c.Categories) == 0 || len(c.Purposes) == 0 {
		return invalid("catalogue", "catalogue-invalid", "a catalogue needs categories and purposes", nil)
	}
	for i := range c.Categories {
		if err := validateCategory(&c.Categories[i]); err != nil {
			return err
		}
	}
	for i := range c.Purposes {
		if err := validatePurpose(c, &c.Purposes[i]); err != nil {
			return err
		}
	}
	return nil
}

// validateKinds checks a list of labelled codes: keys well formed and unique,
// labels in the three languages.
func validateKinds(name string, kinds []derbes.Kind, mayBeEmpty bool) error {
	if len(kinds) == 0 && !mayBeEmpty {
		return invalid(name, "catalogue-invalid", name+" is empty", nil)
	}
	seen := map[string]bool{}
	for _, k := range kinds {
		field := fmt.Sprintf("%s[%s]", name, k.Key)
		if !keyPattern.MatchString(k.Key) || seen[k.Key] {
			return invalid(field, "catalogue-invalid", fmt.Sprintf("key %q is malformed or repeated", k.Key), nil)
		}
		seen[k.Key] = true
		if err := checkText(field+".label", k.Label); err != nil {
			return err
		}
	}
	return nil
}

// validateCategory checks what Check does not about one category.
func validateCategory(cat *derbes.Category) error {
	field := fmt.Sprintf("categories[%s]", cat.Key)
	switch {
	case !keyPattern.MatchString(cat.Key):
		return invalid(field, "catalogue-invalid", fmt.Sprintf("key %q is malformed", cat.Key), nil)
	case !knownType(cat.Type):
		return invalid(field+".type", "catalogue-invalid", fmt.Sprintf("unknown value type %q", cat.Type), nil)
	case !knownSearch(cat.Search):
		return invalid(field+".search", "catalogue-invalid", fmt.Sprintf("unknown search mode %q", cat.Search), nil)
	case cat.Type != derbes.TypeEnum && len(cat.Options) > 0:
		return invalid(field+".options", "catalogue-invalid", "only an enum has options", nil)
	case len(cat.Policy) == 0:
		return invalid(field+".policy", "catalogue-invalid", "the category cites no policy clause", nil)
	}
	if err := checkText(field+".label", cat.Label); err != nil {
		return err
	}
	if err := validateKinds(field+".options", optionKinds(cat.Options), true); err != nil {
		return err
	}
	for _, p := range cat.Policy {
		if !strings.HasPrefix(p, "P-") || len(p) < 3 {
			return invalid(field+".policy", "catalogue-invalid", fmt.Sprintf("%q is not a policy clause (P-x.y)", p), nil)
		}
	}
	return nil
}

func optionKinds(opts []derbes.Option) []derbes.Kind {
	ks := make([]derbes.Kind, len(opts))
	for i, o := range opts {
		ks[i] = derbes.Kind(o)
	}
	return ks
}

// validatePurpose checks what Check does not about one purpose.
func validatePurpose(c *derbes.Catalogue, p *derbes.Purpose) error {
	field := fmt.Sprintf("purposes[%s]", p.Code)
	bad := func(sub, format string, args ...any) error {
		return invalid(field+sub, "catalogue-invalid", fmt.Sprintf(format, args...), nil)
	}
	switch {
	case !keyPattern.MatchString(p.Code):
		return bad("", "code %q is malformed", p.Code)
	case strings.TrimSpace(p.Policy) == "":
		return bad(".policy", "the purpose cites no policy clause")
	case len(p.Categories) == 0:
		return bad(".categories", "the purpose uses no category")
	}
	if err := checkText(field+".title", p.Title); err != nil {
		return err
	}
	if err := checkText(field+".description", p.Description); err != nil {
		return err
	}
	if err := checkBasis(field+".basis", p.Basis); err != nil {
		return err
	}
	if k, ok := repeated(p.Categories); ok {
		return bad(".categories", "category %q is listed twice", k)
	}
	if k, ok := repeated(p.Whole); ok {
		return bad(".whole", "category %q is listed twice", k)
	}
	for _, k := range p.Whole {
		if !p.Covers(k) {
			return bad(".whole", "category %q is not among the purpose's categories", k)
		}
		if !c.Category(k).Masked {
			return bad(".whole", "category %q is not masked, so it needs no whole view", k)
		}
	}
	if k, ok := repeated(p.RecipientKinds); ok {
		return bad(".recipientKinds", "recipient kind %q is listed twice", k)
	}
	for _, k := range p.RecipientKinds {
		if !slices.Contains(RecipientKinds(), k) {
			return bad(".recipientKinds", "unknown recipient kind %q", k)
		}
	}
	switch {
	case !slices.Contains(StorageEvents(), p.Storage.From):
		return bad(".storage.from", "unknown storage event %q", p.Storage.From)
	case p.Storage.End != "" && p.Storage.End != derbes.EndDestroy && p.Storage.End != derbes.EndDepersonalise:
		return bad(".storage.end", "a storage period ends in %q or %q", derbes.EndDestroy, derbes.EndDepersonalise)
	case strings.TrimSpace(p.Storage.Reference) == "":
		return bad(".storage.reference", "the storage period cites no reference (Art. 12 p.2)")
	}
	return nil
}

// checkBasis checks that a basis carries exactly the details of its kind.
func checkBasis(field string, b derbes.LegalBasis) error {
	bad := func(format string, args ...any) error {
		return invalid(field, "catalogue-invalid", fmt.Sprintf(format, args...), nil)
	}
	switch b.Kind {
	case derbes.BasisConsent:
		if !slices.Contains(ConsentForms(), b.ConsentForm) {
			return bad("consent form %q is neither \"contract\" nor \"separate\"", b.ConsentForm)
		}
		if b.Art9 != "" || b.Law != "" {
			return bad("a consent basis names no Art. 9 case and no law")
		}
	case derbes.BasisArt9:
		if !art9Pattern.MatchString(b.Art9) {
			return bad("%q is not a sub-paragraph of Art. 9", b.Art9)
		}
		if b.ConsentForm != "" {
			return bad("an Art. 9 basis has no consent form")
		}
		if b.Art9 == "10" && strings.TrimSpace(b.Law) == "" {
			return bad("Art. 9 sub. 10 (other cases set by laws) must name the law")
		}
	}
	return nil
}

// checkText checks that t has all three languages.
func checkText(field string, t derbes.Text) error {
	for _, l := range []struct{ lang, s string }{{"kk", t.KK}, {"ru", t.RU}, {"en", t.EN}} {
		if strings.TrimSpace(l.s) == "" {
			return invalid(field+"."+l.lang, "catalogue-invalid", "missing the "+l.lang+" text", nil)
		}
	}
	return nil
}

// repeated returns the first string that occurs twice in list.
func repeated(list []string) (string, bool) {
	seen := make(map[string]bool, len(list))
	for _, s := range list {
		if seen[s] {
			return s, true
		}
		seen[s] = true
	}
	return "", false
}
