// Package consentdoc makes the documents of a consent to the collection and
// processing of personal data (R-BASIS-2, R-BASIS-4; Law 94-V Art. 7, 8):
//
//   - [Text], the consent text in Kazakh, Russian or English. It holds no
//     personal value (the subject is "the Subject"), so it is what is shown
//     to the subject and stored, by [TextVersion] and [TextSHA256], with
//     the consent record. The same terms, catalogue and recipient names
//     always give the same text.
//   - [Form], the printable consent form to be signed: the subject's name
//     and IIN (and the legal representative's), the text, the eight items
//     of Art. 8 p.4 as label/value rows and the signature lines.
//   - [Receipt], the receipt of a consent given electronically, as a PDF
//     for the subject and as JSON that names no one: the consent is
//     identified by its id.
//
// Every document states the eight items of Art. 8 p.4: 1) the operator's
// name and BIN; 2) the subject; 3) the period (until a date, or until the
// purposes are achieved, Art. 8 p.6); 4) whether the data may go to third
// parties, and to which; 5) whether there is cross-border transfer, and to
// which countries; 6) whether the data is disseminated in publicly
// available sources; 7) the list of the data (the catalogue's category
// labels); 8) other terms set by the operator. It also states the purposes
// and the subject's right to withdraw the consent (Art. 8 p.2, p.7).
//
// Errors are *derbes.Error values with code EInvalid (EConflict for a
// receipt whose stored text no longer matches); their Rule says which
// check refused, and their messages quote keys and codes of the catalogue
// but never a personal value. Rules: "consent-language",
// "consent-catalogue", "consent-operator-name", the BIN rules of package
// ident ("bin-format", "bin-type", "bin-checksum"),
// "consent-purposes-required", "consent-purpose-unknown",
// "consent-purpose-basis", "consent-category-unknown",
// "consent-category-outside-purposes", "consent-recipients-required",
// "consent-recipients-without-third-party", "consent-recipient-empty",
// "country-code" (package ident), "consent-countries-required",
// "consent-countries-without-cross-border", "consent-recipient-country",
// "consent-relationship-required", "consent-relationship-unknown";
// for Form also "consent-subject-name", "consent-representative-name" and
// the IIN rules of package ident ("iin-format", …); for Receipt also
// "consent-id-required", "consent-given-at-required", "consent-form",
// "consent-text-version" and "consent-text-mismatch".
package consentdoc

import (
	"time"

	"github.com/derbes-kz/derbes"
)

// TextVersion is the version of the consent text this package writes: the
// value of derbes.ConsentTerms.TextVersion for a text made by [Text]. A
// change of wording is a new version; a published version never changes.
const TextVersion = "consent-text/v1"

// Input is what a consent document is made from. It is personal data
// (SubjectName, SubjectIIN, RepresentativeName) and must never be logged.
type Input struct {
	// Catalogue gives the purposes' titles and the categories' labels.
	Catalogue *derbes.Catalogue
	// Terms are the consent's terms: the operator's name and BIN, the
	// purposes, the categories (empty = every category of the purposes),
	// the expiry (nil = until the purposes are achieved), third-party
	// transfer and its recipients, cross-border transfer and its
	// countries, publication, other terms and the language the consent
	// is given in. Form and Evidence are used by Receipt only.
	Terms derbes.ConsentTerms
	// SubjectName is the subject's full name (item 2). Form requires it;
	// Text never uses it; Receipt prints it on the PDF when given.
	SubjectName string
	// SubjectIIN is the subject's IIN: optional, recommended. Only Form
	// prints it.
	SubjectIIN string
	// RepresentativeName is the legal representative who signs for the
	// subject, e.g. a parent of a minor (Art. 7 p.1, Art. 8 p.1).
	RepresentativeName string
	// Relationship is the catalogue's relationship key of the
	// representative to the subject; Terms.Relationship when empty.
	Relationship string
	// RecipientNames maps a recipient's registry ID to its name in the
	// document's language. Recipients are organisations, so their names
	// appear in the text too; a recipient without a name is shown by its
	// kind and registry ID.
	RecipientNames map[string]string
	// ConsentID is the consent record's id, shown on forms and receipts.
	ConsentID string
	// GivenAt is when the consent was given (receipts).
	GivenAt time.Time
}

// kzTime is the time of Kazakhstan, a single zone at UTC+5 since 1 March
// 2024. A fixed zone keeps the documents free of the host's tz database.
var kzTime = time.FixedZone("UTC+5", 5*60*60)
