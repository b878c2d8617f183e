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
	// Legacy marks data obtained before a basis was recorded (P-1.2,
	// R-BASIS-5): it is stored, and used for nothing else, until a consent
	// or a legal case gives it a basis.
	Legacy bool
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

// Basis is the resolved lawful basis of one operation: a consent record or
// the Art. 9 case a purpose names. It is written to the audit trail.
type Basis struct {
	Kind      BasisKind
	ConsentID string // for consent
	Art9      string // for art9
}

// String renders the basis for the audit trail: "consent:<id>", "art9-<n>",
// or "none:legacy" for data stored without one (R-BASIS-5).
func (b Basis) String() string {
	switch b.Kind {
	case BasisArt9:
		return "art9-" + b.Art9
	case BasisConsent:
		return "consent:" + b.ConsentID
	}
	return "none:" + b.ConsentID
}
