package derbes

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"time"
)

// ConsentForm is how a consent was given (Art. 8 p.1, P-7.1).
type ConsentForm string

// Consent forms.
const (
	FormDocument   ConsentForm = "document"        // a separate signed document
	FormContract   ConsentForm = "contract"        // a clause of a signed contract (P-7.1)
	FormCode       ConsentForm = "electronic-code" // electronic, confirmed by a one-time code
	FormESignature ConsentForm = "e-signature"     // electronic, signed with an e-signature
)

// ValidForm reports whether f is a known consent form.
func ValidForm(f ConsentForm) bool {
	return slices.Contains([]ConsentForm{FormDocument, FormContract, FormCode, FormESignature}, f)
}

// Recipient names a third party a consent allows data to go to: an entry
// of the recipient registry (ID), its kind and its country (ISO alpha-2).
type Recipient struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Country string `json:"country"`
}

// Evidence is what proves a consent: the signed scan's hash, or the
// one-time code challenge that confirmed it.
type Evidence struct {
	ScanFileID  string     `json:"scanFileId,omitempty"`
	ScanSHA256  string     `json:"scanSha256,omitempty"`
	ChallengeID string     `json:"challengeId,omitempty"`
	Channel     string     `json:"channel,omitempty"` // "email" or "sms"
	ConfirmedAt *time.Time `json:"confirmedAt,omitempty"`
}

// ConsentTerms is what a subject agrees to: the eight items of Law 94-V
// Art. 8 p.4 with the purposes they serve (R-BASIS-2). It holds no
// personal value: the subject is referred to by id.
type ConsentTerms struct {
	OperatorName string      `json:"operatorName"` // item 1
	OperatorBIN  string      `json:"operatorBin"`  // item 1
	Purposes     []string    `json:"purposes"`
	Categories   []string    `json:"categories"`           // item 7: the data; empty = every category of the purposes
	ExpiresAt    *time.Time  `json:"expiresAt,omitempty"`  // item 3; nil = until the purposes are achieved (Art. 8 p.6)
	ThirdParty   bool        `json:"thirdParty"`           // item 4
	Recipients   []Recipient `json:"recipients,omitempty"` // item 4
	CrossBorder  bool        `json:"crossBorder"`          // item 5
	Countries    []string    `json:"countries,omitempty"`  // item 5
	Publication  bool        `json:"publication"`          // item 6
	// NotifyTransfers: the subject asks to be told of each transfer of
	// their data (Law 94-V Art. 19), within 10 working days.
	NotifyTransfers bool        `json:"notifyTransfers,omitempty"`
	Other           string      `json:"other,omitempty"`          // item 8
	TextVersion     string      `json:"textVersion"`              // the consent text shown, by version
	TextSHA256      string      `json:"textSha256"`               // and its hash
	Language        string      `json:"language"`                 // kk, ru or en
	Form            ConsentForm `json:"form"`                     //
	Evidence        Evidence    `json:"evidence"`                 //
	Representative  string      `json:"representative,omitempty"` // subject id of the legal representative who consented (Art. 7 p.1)
	Relationship    string      `json:"relationship,omitempty"`   // of the representative to the subject
}

// Consent event kinds. The consent history is a hash-chained sequence of
// these events; nothing is ever updated in place.
const (
	EventGive              = "give"               // a consent is given
	EventRefuse            = "refuse"             // the subject refused purposes: recorded too
	EventWithdraw          = "withdraw"           // a consent is withdrawn: processing stops at once
	EventWithdrawalRefusal = "withdrawal-refused" // staff's reasoned refusal (Art. 8 p.2, p.7): the consent holds again
	EventScanAttached      = "scan-attached"      // the signed paper form's scan, attached to the consent (R-BASIS-4)
)

// ConsentEvent is one entry of the consent history.
type ConsentEvent struct {
	Seq        int64
	ID         string
	SubjectID  string
	Kind       string
	ConsentID  string        // the consent the event is about (a give event: its own id)
	Terms      *ConsentTerms // give and refuse events
	Reason     string        // withdraw and withdrawal-refused events: why (no personal values)
	At         time.Time
	RecordedBy string
	PrevHash   []byte
	Hash       []byte
}

// ChainHash returns the event's link: SHA-256(prev || canonical(event)),
// where the terms are included as their stored JSON body.
func (e *ConsentEvent) ChainHash(prev []byte, body []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.Seq))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMicro()))
	h.Write(n[:])
	for _, s := range []string{e.ID, e.SubjectID, e.Kind, e.ConsentID, e.Reason, e.RecordedBy, string(body)} {
		binary.BigEndian.PutUint32(n[:4], uint32(len(s)))
		h.Write(n[:4])
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

// Consent is a consent as it stands after its history: given, maybe
// withdrawn, maybe with the withdrawal refused (R-BASIS-2, R-BASIS-3).
type Consent struct {
	ID        string
	SubjectID string
	ConsentTerms
	GivenAt                 time.Time
	RecordedBy              string
	WithdrawnAt             *time.Time
	Withdrawal              string // the withdraw event's id while withdrawn
	RefusedWithdrawalReason string
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

// Covers reports whether the consent covers category under purpose.
func (c *Consent) Covers(purpose, category string) bool {
	return slices.Contains(c.Purposes, purpose) && (len(c.Categories) == 0 || slices.Contains(c.Categories, category))
}

// FoldConsents derives the consents from a subject's events in sequence
// order. Refusals are returned separately, as the record of what was
// declined.
func FoldConsents(events []ConsentEvent) (consents []Consent, refusals []ConsentEvent) {
	idx := map[string]int{}
	for _, e := range events {
		switch e.Kind {
		case EventGive:
			if e.Terms == nil {
				continue
			}
			idx[e.ID] = len(consents)
			consents = append(consents, Consent{ID: e.ID, SubjectID: e.SubjectID, ConsentTerms: *e.Terms, GivenAt: e.At, RecordedBy: e.RecordedBy})
		case EventRefuse:
			refusals = append(refusals, e)
		case EventWithdraw:
			if i, ok := idx[e.ConsentID]; ok && consents[i].WithdrawnAt == nil {
				at := e.At
				consents[i].WithdrawnAt, consents[i].Withdrawal, consents[i].RefusedWithdrawalReason = &at, e.ID, ""
			}
		case EventScanAttached:
			if i, ok := idx[e.ConsentID]; ok {
				file, digest, _ := strings.Cut(e.Reason, " ")
				consents[i].Evidence.ScanFileID, consents[i].Evidence.ScanSHA256 = file, digest
			}
		case EventWithdrawalRefusal:
			if i, ok := idx[e.ConsentID]; ok && consents[i].WithdrawnAt != nil {
				consents[i].WithdrawnAt, consents[i].Withdrawal, consents[i].RefusedWithdrawalReason = nil, "", e.Reason
			}
		}
	}
	return consents, refusals
}

// ResolveBasis finds the live basis for processing under purpose p for a
// subject with the given consents (R-BASIS-1). An Art. 9 purpose rests on
// its case; a consent purpose needs a live consent naming it. The newest
// matching consent is the one recorded.
// Errors: EForbidden with rule "no-basis".
func ResolveBasis(p *Purpose, consents []Consent, now time.Time) (Basis, error) {
	if p.Basis.Kind == BasisArt9 {
		return Basis{Kind: BasisArt9, Art9: p.Basis.Art9}, nil
	}
	for i := len(consents) - 1; i >= 0; i-- {
		c := &consents[i]
		if c.Live(now) && slices.Contains(c.Purposes, p.Code) {
			return Basis{Kind: BasisConsent, ConsentID: c.ID}, nil
		}
	}
	return Basis{}, Forbidden("purpose", "no-basis",
		"purpose "+p.Code+" has no live consent or legal case for this subject")
}

// CoveredCategories returns the categories of p that the live consents
// cover (all of p's categories for an Art. 9 purpose). A category a policy
// version added after the consent is not covered until re-consent.
func CoveredCategories(p *Purpose, consents []Consent, now time.Time) []string {
	if p.Basis.Kind == BasisArt9 {
		return p.Categories
	}
	var out []string
	for _, cat := range p.Categories {
		for i := range consents {
			if consents[i].Live(now) && consents[i].Covers(p.Code, cat) {
				out = append(out, cat)
				break
			}
		}
	}
	return out
}

// CheckTransferConsent checks that a live consent covers sending categories
// to recipient under purpose: the purpose, every category, the recipient,
// and, when the recipient is outside Kazakhstan, the cross-border transfer
// to its country (Art. 7 p.6, Art. 16). The error names the missing item.
// Errors: EForbidden with rule consent-purpose, consent-category,
// consent-third-party, consent-recipient, consent-cross-border or
// consent-country.
func CheckTransferConsent(consents []Consent, purpose string, categories []string, r Recipient, now time.Time) (string, error) {
	// Of the consents that fall short, report the one that comes closest:
	// its missing item is what the subject would have to add.
	var best error
	bestStage := -1
	for i := len(consents) - 1; i >= 0; i-- {
		c := &consents[i]
		if !c.Live(now) || !slices.Contains(c.Purposes, purpose) {
			continue
		}
		err := c.coversTransfer(categories, r)
		if err == nil {
			return c.ID, nil
		}
		if st := slices.Index(transferStages, RuleOf(err)); st > bestStage {
			best, bestStage = err, st
		}
	}
	if best == nil {
		best = Forbidden("purpose", "consent-purpose", "no live consent covers purpose "+purpose)
	}
	return "", best
}

// transferStages orders the transfer checks: a later stage is closer to
// being covered.
var transferStages = []string{"consent-category", "consent-third-party", "consent-recipient", "consent-cross-border", "consent-country"}

func (c *Consent) coversTransfer(categories []string, r Recipient) error {
	for _, cat := range categories {
		if len(c.Categories) > 0 && !slices.Contains(c.Categories, cat) {
			return Forbidden("categories", "consent-category", "the consent does not cover category "+cat)
		}
	}
	if !c.ThirdParty {
		return Forbidden("recipient", "consent-third-party", "the consent does not allow transfer to third parties")
	}
	if !slices.ContainsFunc(c.Recipients, func(x Recipient) bool { return x.ID == r.ID || (x.ID == "" && x.Kind == r.Kind) }) {
		return Forbidden("recipient", "consent-recipient", "the consent does not name this recipient")
	}
	if !strings.EqualFold(r.Country, "KZ") {
		if !c.CrossBorder {
			return Forbidden("recipient.country", "consent-cross-border", "the recipient is outside Kazakhstan and the consent does not allow cross-border transfer")
		}
		if !slices.ContainsFunc(c.Countries, func(x string) bool { return strings.EqualFold(x, r.Country) }) {
			return Forbidden("recipient.country", "consent-country", "the consent's cross-border transfer does not name the recipient's country")
		}
	}
	return nil
}
