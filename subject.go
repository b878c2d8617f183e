package derbes

import (
	"log/slog"
	"slices"
	"time"
)

// Subject is a personal-data subject (R-CAT-1). It carries no personal
// values itself: those are Values, kept encrypted in the vault.
type Subject struct {
	ID          string
	Kind        string // a catalogue subject kind
	Citizenship string // a catalogue citizenship status
	CreatedAt   time.Time
	CreatedBy   string
}

// SourceKind says where a value came from (R-VAULT-4, P-6.2.1b).
type SourceKind string

// Source kinds.
const (
	SourceSubject    SourceKind = "subject"     // the subject (or representative) gave it
	SourceStaff      SourceKind = "staff"       // staff entered it from a document
	SourceImport     SourceKind = "import"      // a bulk import
	SourceThirdParty SourceKind = "third-party" // a named third party provided it
)

// ValidSource reports whether k is a known source kind.
func ValidSource(k SourceKind) bool {
	return slices.Contains([]SourceKind{SourceSubject, SourceStaff, SourceImport, SourceThirdParty}, k)
}

// Source records the provenance of a value. Ref names the document or the
// third party; it must not itself be personal data.
type Source struct {
	Kind SourceKind `json:"kind"`
	Ref  string     `json:"ref,omitempty"`
}

// Value is one version of one category's value for a subject (R-VAULT-4).
// Plain is the canonical plaintext: it exists only in memory, never at rest.
type Value struct {
	SubjectID string
	Category  string
	Purpose   string // the purpose it was collected for (its key and partition)
	Version   int
	Plain     string
	Source    Source
	EnteredBy string
	At        time.Time
}

// LogValue keeps the plaintext out of every log line.
func (v Value) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("subject", v.SubjectID), slog.String("category", v.Category),
		slog.String("purpose", v.Purpose), slog.Int("version", v.Version))
}

// Consent is the minimal consent record the purpose checks read (R-BASIS-1):
// a subject's consent to a set of purposes, from GivenAt until it expires or
// is withdrawn.
type Consent struct {
	ID          string
	SubjectID   string
	Purposes    []string
	GivenAt     time.Time
	ExpiresAt   *time.Time
	WithdrawnAt *time.Time
	RecordedBy  string
}

// Live reports whether the consent is in force at now.
func (c *Consent) Live(now time.Time) bool {
	if now.Before(c.GivenAt) {
		return false
	}
	if c.ExpiresAt != nil && !now.Before(*c.ExpiresAt) {
		return false
	}
	return c.WithdrawnAt == nil || now.Before(*c.WithdrawnAt)
}

// Basis is the resolved lawful basis of one operation: a consent record or
// the Art. 9 case a purpose names. It is written to the audit trail.
type Basis struct {
	Kind      BasisKind
	ConsentID string // for consent
	Art9      string // for art9
}

// String renders the basis for the audit trail: "consent:<id>" or "art9-<n>".
func (b Basis) String() string {
	if b.Kind == BasisArt9 {
		return "art9-" + b.Art9
	}
	return "consent:" + b.ConsentID
}

// ResolveBasis finds the live basis for processing under purpose p for a
// subject with the given consents (R-BASIS-1). An Art. 9 purpose rests on
// its case; a consent purpose needs a live consent naming it.
// Errors: EForbidden with rule "no-basis".
func ResolveBasis(p *Purpose, consents []Consent, now time.Time) (Basis, error) {
	if p.Basis.Kind == BasisArt9 {
		return Basis{Kind: BasisArt9, Art9: p.Basis.Art9}, nil
	}
	for i := range consents {
		c := &consents[i]
		if c.Live(now) && slices.Contains(c.Purposes, p.Code) {
			return Basis{Kind: BasisConsent, ConsentID: c.ID}, nil
		}
	}
	return Basis{}, Forbidden("purpose", "no-basis",
		"purpose "+p.Code+" has no live consent or legal case for this subject")
}
