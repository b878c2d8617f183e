package derbes

import (
	"fmt"
	"slices"
)

// Text is a string in the three languages of the product.
type Text struct {
	KK string `json:"kk"`
	RU string `json:"ru"`
	EN string `json:"en"`
}

// In returns the text in lang ("kk", "ru" or "en"), falling back to Russian
// and then English when a translation is missing.
func (t Text) In(lang string) string {
	switch {
	case lang == "kk" && t.KK != "":
		return t.KK
	case lang == "en" && t.EN != "":
		return t.EN
	case t.RU != "":
		return t.RU
	}
	return t.EN
}

// ValueType says how a category's values are validated, normalised and shown.
type ValueType string

// Value types of the catalogue.
const (
	TypeText      ValueType = "text"       // free text
	TypeName      ValueType = "name"       // a person's full name
	TypeIIN       ValueType = "iin"        // Kazakh individual identification number
	TypeBIN       ValueType = "bin"        // Kazakh business identification number
	TypeDocNumber ValueType = "doc-number" // passport or ID card number
	TypePhone     ValueType = "phone"      // stored as E.164
	TypeEmail     ValueType = "email"      // stored lower-case
	TypeDate      ValueType = "date"       // YYYY-MM-DD
	TypeCountry   ValueType = "country"    // ISO 3166-1 alpha-2
	TypeEnum      ValueType = "enum"       // one of Options
	TypeMoney     ValueType = "money"      // decimal amount with currency, "350000 KZT"
	TypeKV        ValueType = "kv"         // free key/value pairs (other information)
	TypeFile      ValueType = "file"       // a scan or document, uploaded separately
)

// SearchMode says whether a category has a blind index.
type SearchMode string

// Search modes.
const (
	SearchNone  SearchMode = "none"
	SearchExact SearchMode = "exact"
)

// Option is one allowed value of an enum category.
type Option struct {
	Key   string `json:"key"`
	Label Text   `json:"label"`
}

// Category is one kind of personal data the operator may collect (R-CAT-2).
type Category struct {
	Key     string     `json:"key"`
	Label   Text       `json:"label"`
	Type    ValueType  `json:"type"`
	Search  SearchMode `json:"search"`
	Options []Option   `json:"options,omitempty"`
	// Masked categories (identifiers, document numbers) are shown masked
	// unless the reading purpose lists them in Purpose.Whole (R-ACCESS-2).
	Masked bool `json:"masked,omitempty"`
	// Identifier marks a direct identifier, dropped from depersonalised
	// extracts (R-RETAIN-2).
	Identifier bool `json:"identifier,omitempty"`
	// Policy cites the policy clauses the category comes from, e.g. "P-3.2.2d".
	Policy []string `json:"policy"`
}

// BasisKind is the kind of lawful basis a purpose rests on.
type BasisKind string

// Basis kinds. Law 94-V has no "contract" basis: a contract carries consent.
const (
	BasisConsent BasisKind = "consent" // Art. 7 p.1: the subject's consent
	BasisArt9    BasisKind = "art9"    // one of the cases of Art. 9
)

// LegalBasis is what a purpose rests on (R-CAT-3).
type LegalBasis struct {
	Kind BasisKind `json:"kind"`
	// Art9 is the sub-paragraph of Art. 9 ("5", "10", …) when Kind is art9.
	Art9 string `json:"art9,omitempty"`
	// Law names another law when Art. 9 sub. 10 ("other cases set by laws") applies.
	Law string `json:"law,omitempty"`
	// ConsentForm is "contract" for purposes covered by the service
	// contract's consent clause (P-4.1), "separate" for purposes each opted
	// into on their own (P-4.2).
	ConsentForm string `json:"consentForm,omitempty"`
}

// String renders the basis as recorded in the audit trail: "consent" or "art9-5".
func (b LegalBasis) String() string {
	if b.Kind == BasisArt9 {
		return "art9-" + b.Art9
	}
	return string(b.Kind)
}

// StoragePeriod is how long data kept for a purpose may be stored (Art. 12 p.2).
type StoragePeriod struct {
	Months int `json:"months"`
	// From is the event that starts the period: "order-closed",
	// "contract-ended", "consent-ended", "employment-ended", "collected".
	From      string `json:"from"`
	Reference string `json:"reference"`
	// End is what happens when the period passes: EndDestroy (the
	// default, "") or EndDepersonalise.
	End string `json:"end,omitempty"`
}

// Purpose is one purpose of processing (R-CAT-3).
type Purpose struct {
	Code        string     `json:"code"`
	Policy      string     `json:"policy"`
	Title       Text       `json:"title"`
	Description Text       `json:"description"`
	Basis       LegalBasis `json:"basis"`
	// Categories are the categories the purpose may use (minimisation, P-2.3c).
	Categories []string `json:"categories"`
	// Whole lists the masked categories this purpose needs unmasked.
	Whole []string `json:"whole,omitempty"`
	// RecipientKinds are the kinds of third party the purpose may lead to.
	RecipientKinds []string      `json:"recipientKinds,omitempty"`
	Storage        StoragePeriod `json:"storage"`
}

// Covers reports whether the purpose may use category key.
func (p *Purpose) Covers(key string) bool { return slices.Contains(p.Categories, key) }

// NeedsWhole reports whether the purpose sees category key unmasked.
func (p *Purpose) NeedsWhole(key string) bool { return slices.Contains(p.Whole, key) }

// Kind is a labelled code: a subject kind or a citizenship status (R-CAT-1).
type Kind struct {
	Key   string `json:"key"`
	Label Text   `json:"label"`
}

// Catalogue is the approved list of personal data of Art. 25 p.2 sub.1: the
// categories, purposes, subject kinds and citizenship statuses (R-CAT-1..4).
// Nothing outside it can be collected.
type Catalogue struct {
	Version       int        `json:"version"`
	Policy        string     `json:"policy"`
	SubjectKinds  []Kind     `json:"subjectKinds"`
	Citizenships  []Kind     `json:"citizenships"`
	Relationships []Kind     `json:"relationships"`
	Categories    []Category `json:"categories"`
	Purposes      []Purpose  `json:"purposes"`
}

// Category returns the category with key, or nil.
func (c *Catalogue) Category(key string) *Category {
	for i := range c.Categories {
		if c.Categories[i].Key == key {
			return &c.Categories[i]
		}
	}
	return nil
}

// Purpose returns the purpose with code, or nil.
func (c *Catalogue) Purpose(code string) *Purpose {
	for i := range c.Purposes {
		if c.Purposes[i].Code == code {
			return &c.Purposes[i]
		}
	}
	return nil
}

// HasSubjectKind reports whether key is a subject kind of the catalogue.
func (c *Catalogue) HasSubjectKind(key string) bool { return hasKind(c.SubjectKinds, key) }

// HasCitizenship reports whether key is a citizenship status of the catalogue.
func (c *Catalogue) HasCitizenship(key string) bool { return hasKind(c.Citizenships, key) }

func hasKind(ks []Kind, key string) bool {
	return slices.ContainsFunc(ks, func(k Kind) bool { return k.Key == key })
}

// PurposeFor resolves a purpose named in a request.
// Errors: EInvalid (rule "purpose-required" or "purpose-unknown").
func (c *Catalogue) PurposeFor(field, code string) (*Purpose, error) {
	if code == "" {
		return nil, Invalid(field, "purpose-required", "every operation on personal data names a purpose")
	}
	p := c.Purpose(code)
	if p == nil {
		return nil, Invalid(field, "purpose-unknown", "the purpose is not in the catalogue")
	}
	return p, nil
}

// CheckCollect checks that category key may be collected for purpose p:
// it must exist in the catalogue and p must cover it (R-VAULT-5, P-2.3c).
// Errors: EInvalid ("category-unknown"), EForbidden ("category-outside-purpose").
func (c *Catalogue) CheckCollect(field string, p *Purpose, key string) (*Category, error) {
	cat := c.Category(key)
	if cat == nil {
		return nil, Invalid(field, "category-unknown", "the category is not in the approved catalogue")
	}
	if !p.Covers(key) {
		return nil, Forbidden(field, "category-outside-purpose",
			fmt.Sprintf("purpose %s does not cover this category (minimisation)", p.Code))
	}
	return cat, nil
}

// Check validates the internal consistency of a catalogue: unique keys,
// purposes naming known categories, bases that are complete.
func (c *Catalogue) Check() error {
	if c.Version < 1 {
		return fmt.Errorf("catalogue: version %d: must be at least 1", c.Version)
	}
	seen := map[string]bool{}
	for _, cat := range c.Categories {
		if cat.Key == "" || seen[cat.Key] {
			return fmt.Errorf("catalogue: category %q: empty or duplicate key", cat.Key)
		}
		seen[cat.Key] = true
		if cat.Label.KK == "" || cat.Label.RU == "" || cat.Label.EN == "" {
			return fmt.Errorf("catalogue: category %s: label missing a language", cat.Key)
		}
		if cat.Search == SearchExact && cat.Type == TypeFile {
			return fmt.Errorf("catalogue: category %s: files cannot be searchable", cat.Key)
		}
		if cat.Type == TypeEnum && len(cat.Options) == 0 {
			return fmt.Errorf("catalogue: category %s: enum without options", cat.Key)
		}
	}
	codes := map[string]bool{}
	for _, p := range c.Purposes {
		if p.Code == "" || codes[p.Code] {
			return fmt.Errorf("catalogue: purpose %q: empty or duplicate code", p.Code)
		}
		codes[p.Code] = true
		if p.Title.KK == "" || p.Title.RU == "" || p.Title.EN == "" {
			return fmt.Errorf("catalogue: purpose %s: title missing a language", p.Code)
		}
		switch p.Basis.Kind {
		case BasisConsent:
		case BasisArt9:
			if p.Basis.Art9 == "" {
				return fmt.Errorf("catalogue: purpose %s: art9 basis without its sub-paragraph", p.Code)
			}
		default:
			return fmt.Errorf("catalogue: purpose %s: unknown basis %q", p.Code, p.Basis.Kind)
		}
		for _, k := range append(slices.Clone(p.Categories), p.Whole...) {
			if !seen[k] {
				return fmt.Errorf("catalogue: purpose %s: unknown category %q", p.Code, k)
			}
		}
		if p.Storage.Months <= 0 || p.Storage.From == "" {
			return fmt.Errorf("catalogue: purpose %s: storage period missing", p.Code)
		}
	}
	return nil
}
