package consentdoc

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/ident"
)

// model is an Input checked and resolved against its catalogue, in one
// language: what every document is written from.
type model struct {
	in         *Input
	lang       string
	w          *words
	purposes   []*derbes.Purpose  // in catalogue order
	categories []*derbes.Category // in catalogue order
	recipients []derbes.Recipient // as given, countries upper-cased
	countries  []string           // ISO codes, sorted
	rep        bool               // a legal representative consents
	rel        *derbes.Kind       // the representative's relationship, when rep
}

// prepare checks in and resolves it for lang ("" = in.Terms.Language).
// Errors: see the package documentation.
func prepare(in *Input, lang string) (*model, error) {
	if lang == "" {
		lang = in.Terms.Language
	}
	w := vocab(lang)
	if w == nil {
		return nil, derbes.Invalid("lang", "consent-language",
			fmt.Sprintf("language %q is not kk, ru or en", lang))
	}
	if in.Catalogue == nil {
		return nil, derbes.Invalid("catalogue", "consent-catalogue", "a consent document needs the catalogue")
	}
	t := &in.Terms
	if strings.TrimSpace(t.OperatorName) == "" {
		return nil, derbes.Invalid("terms.operatorName", "consent-operator-name",
			"the operator's name is item 1 of Art. 8 p.4 and may not be empty")
	}
	if err := ident.BIN(t.OperatorBIN); err != nil {
		return nil, refield(err, "terms.operatorBin")
	}
	m := &model{in: in, lang: lang, w: w}
	var err error
	if m.purposes, err = resolvePurposes(in.Catalogue, t.Purposes); err != nil {
		return nil, err
	}
	if m.categories, err = resolveCategories(in.Catalogue, m.purposes, t.Categories); err != nil {
		return nil, err
	}
	if m.recipients, m.countries, err = resolveTransfers(t); err != nil {
		return nil, err
	}
	if m.rep, m.rel, err = resolveRepresentative(in); err != nil {
		return nil, err
	}
	return m, nil
}

// refield returns err, a *derbes.Error of package ident, with its field set.
func refield(err error, field string) error {
	if e := derbes.AsError(err); e != nil {
		return derbes.Invalid(field, e.Rule, e.Message)
	}
	return err
}

// resolvePurposes looks up the purposes, which must be consent purposes
// of the catalogue, and returns them once each, in catalogue order.
func resolvePurposes(c *derbes.Catalogue, codes []string) ([]*derbes.Purpose, error) {
	if len(codes) == 0 {
		return nil, derbes.Invalid("terms.purposes", "consent-purposes-required", "a consent names at least one purpose")
	}
	for i, code := range codes {
		field := fmt.Sprintf("terms.purposes[%d]", i)
		p := c.Purpose(code)
		if p == nil {
			return nil, derbes.Invalid(field, "consent-purpose-unknown",
				fmt.Sprintf("purpose %q is not in the catalogue", code))
		}
		if p.Basis.Kind != derbes.BasisConsent {
			return nil, derbes.Invalid(field, "consent-purpose-basis",
				fmt.Sprintf("purpose %q rests on Art. 9 (%s), not on consent", code, p.Basis))
		}
	}
	var out []*derbes.Purpose
	for i := range c.Purposes {
		if slices.Contains(codes, c.Purposes[i].Code) {
			out = append(out, &c.Purposes[i])
		}
	}
	return out, nil
}

// resolveCategories looks up the categories (none = every category of the
// purposes); each must be covered by one of the purposes (minimisation,
// P-2.3c). They are returned once each, in catalogue order.
func resolveCategories(c *derbes.Catalogue, ps []*derbes.Purpose, keys []string) ([]*derbes.Category, error) {
	covered := func(key string) bool {
		return slices.ContainsFunc(ps, func(p *derbes.Purpose) bool { return p.Covers(key) })
	}
	for i, key := range keys {
		field := fmt.Sprintf("terms.categories[%d]", i)
		if c.Category(key) == nil {
			return nil, derbes.Invalid(field, "consent-category-unknown",
				fmt.Sprintf("category %q is not in the catalogue", key))
		}
		if !covered(key) {
			return nil, derbes.Invalid(field, "consent-category-outside-purposes",
				fmt.Sprintf("category %q is not used by any purpose of the consent", key))
		}
	}
	var out []*derbes.Category
	for i := range c.Categories {
		key := c.Categories[i].Key
		if (len(keys) == 0 && covered(key)) || slices.Contains(keys, key) {
			out = append(out, &c.Categories[i])
		}
	}
	return out, nil
}

// resolveTransfers checks items 4 and 5: recipients exactly when third-party
// transfer is allowed, countries exactly when cross-border transfer is, and
// every recipient abroad in a country the consent names.
func resolveTransfers(t *derbes.ConsentTerms) ([]derbes.Recipient, []string, error) {
	switch {
	case t.ThirdParty && len(t.Recipients) == 0:
		return nil, nil, derbes.Invalid("terms.recipients", "consent-recipients-required",
			"a consent to third-party transfer names its recipients (Art. 8 p.4 item 4)")
	case !t.ThirdParty && len(t.Recipients) > 0:
		return nil, nil, derbes.Invalid("terms.recipients", "consent-recipients-without-third-party",
			"recipients are named but third-party transfer is not allowed")
	case t.CrossBorder && len(t.Countries) == 0:
		return nil, nil, derbes.Invalid("terms.countries", "consent-countries-required",
			"a consent to cross-border transfer names its countries (Art. 8 p.4 item 5)")
	case !t.CrossBorder && len(t.Countries) > 0:
		return nil, nil, derbes.Invalid("terms.countries", "consent-countries-without-cross-border",
			"countries are named but cross-border transfer is not allowed")
	}
	var countries []string
	for i, c := range t.Countries {
		code, err := ident.Country(c)
		if err != nil {
			return nil, nil, refield(err, fmt.Sprintf("terms.countries[%d]", i))
		}
		if !slices.Contains(countries, code) {
			countries = append(countries, code)
		}
	}
	slices.Sort(countries)
	recipients := make([]derbes.Recipient, 0, len(t.Recipients))
	for i, r := range t.Recipients {
		field := fmt.Sprintf("terms.recipients[%d]", i)
		if strings.TrimSpace(r.ID) == "" && strings.TrimSpace(r.Kind) == "" {
			return nil, nil, derbes.Invalid(field, "consent-recipient-empty", "a recipient needs a registry id or a kind")
		}
		if r.Country != "" {
			code, err := ident.Country(r.Country)
			if err != nil {
				return nil, nil, refield(err, field+".country")
			}
			r.Country = code
			if code != "KZ" && !slices.Contains(countries, code) {
				name := cmp.Or(r.ID, r.Kind)
				return nil, nil, derbes.Invalid(field+".country", "consent-recipient-country",
					fmt.Sprintf("recipient %q is in %s, but the consent allows no cross-border transfer there", name, code))
			}
		}
		recipients = append(recipients, r)
	}
	return recipients, countries, nil
}

// resolveRepresentative decides whether a legal representative consents
// (the input or the terms name one) and finds the relationship, which is
// then required.
func resolveRepresentative(in *Input) (bool, *derbes.Kind, error) {
	rel := in.Relationship
	if rel == "" {
		rel = in.Terms.Relationship
	}
	rep := rel != "" || in.RepresentativeName != "" || in.Terms.Representative != ""
	if !rep {
		return false, nil, nil
	}
	if rel == "" {
		return false, nil, derbes.Invalid("relationship", "consent-relationship-required",
			"a consent given by a legal representative states the relationship to the subject")
	}
	for i := range in.Catalogue.Relationships {
		if k := &in.Catalogue.Relationships[i]; k.Key == rel {
			return true, k, nil
		}
	}
	return false, nil, derbes.Invalid("relationship", "consent-relationship-unknown",
		fmt.Sprintf("relationship %q is not in the catalogue", rel))
}
