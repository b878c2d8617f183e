package service

import (
	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/consentdoc"
)

// stampText fills in the version and hash of the exact consent text the
// terms produce: what the subject was shown, provable later.
func (s *Service) stampText(t *derbes.ConsentTerms) error {
	text, err := consentdoc.Text(consentdoc.Input{Catalogue: s.cat, Terms: *t}, t.Language)
	if err != nil {
		return err
	}
	t.TextVersion, t.TextSHA256 = consentdoc.TextVersion, consentdoc.TextSHA256(text)
	return nil
}
