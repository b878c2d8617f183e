package derbes

import "slices"

// Transfer channels (R-TRANSFER-3). Telephone is not one: the operator's
// staff do not answer questions about personal data by telephone (P-5.3).
var Channels = []string{"email", "portal-upload", "courier", "hand-delivery", "system-to-system"}

// CheckChannel validates a transfer channel.
// Errors: EInvalid (channel-telephone, channel-unknown).
func CheckChannel(ch string) error {
	switch {
	case ch == "telephone" || ch == "phone":
		return Invalid("channel", "channel-telephone", "personal data is never disclosed by telephone (policy clause 5.3)")
	case !slices.Contains(Channels, ch):
		return Invalid("channel", "channel-unknown", "the channel is email, portal-upload, courier, hand-delivery or system-to-system")
	}
	return nil
}

// Transfer bases (R-TRANSFER-2): the subject's consent; a motivated request
// of a body of P-5.2, approved by the responsible person; or a documented
// threat to life or health (P-5.1).
const (
	TransferByConsent    = "consent"
	TransferByAuthority  = "authority-request"
	TransferByLifeHealth = "life-health"
)

// AuthorityKinds are the recipient kinds of the bodies of P-5.2a–f, which
// may receive data on a motivated request without consent.
var AuthorityKinds = []string{"court", "national-security", "prosecutor", "police", "investigator", "other-authority"}

// Recipient kinds' countries: a recipient outside Kazakhstan makes the
// transfer cross-border (Art. 16).
func CrossBorder(country string) bool { return country != "KZ" }

// Problem is one item of a refusal that lists several: a transfer is
// refused whole, with every subject and category that lacks a basis.
type Problem struct {
	Field   string `json:"field"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}
