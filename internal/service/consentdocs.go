package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/consentdoc"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// MaxScan is the largest signed-consent scan accepted.
const MaxScan = 10 << 20

// evidencePurpose is the purpose under which consent documents and their
// scans are handled: proving consent is the operator's own legal duty
// (Law 94-V Art. 25 p.2 sub.5), the catalogue's Art. 9 "rights" purpose.
const evidencePurpose = "rights"

// consentInput loads a consent and the subject's name and IIN for its
// documents; the read of those two values is audited as action.
func (s *Service) consentInput(ctx context.Context, action, subjectID, consentID string) (consentdoc.Input, error) {
	in := consentdoc.Input{Catalogue: s.cat}
	cats := []string{"full_name", "iin"}
	role := derbes.PrincipalFrom(ctx).Role
	if !role.Allows(derbes.ActRead, evidencePurpose, "full_name") || !role.Allows(derbes.ActRead, evidencePurpose, "iin") {
		return in, s.Refuse(ctx, action, subjectID, evidencePurpose, cats, s.denied(ctx, "", "your role may not read consents"))
	}
	ks, err := s.db.Read().Consents(ctx, subjectID)
	if err != nil {
		return in, err
	}
	i := slices.IndexFunc(ks, func(k derbes.Consent) bool { return k.ID == consentID })
	if i < 0 {
		return in, s.Refuse(ctx, action, subjectID, evidencePurpose, cats,
			&derbes.Error{Code: derbes.ENotFound, Field: "consentId", Rule: "consent-unknown", Message: "no such consent for this subject"})
	}
	in.Terms, in.ConsentID, in.GivenAt = ks[i].ConsentTerms, ks[i].ID, ks[i].GivenAt
	if in.Terms.Representative != "" {
		if in.RepresentativeName, err = s.optionalPlain(ctx, in.Terms.Representative, "full_name"); err != nil {
			return in, err
		}
	}
	if in.SubjectName, err = s.optionalPlain(ctx, subjectID, "full_name"); err != nil {
		return in, err
	}
	if in.SubjectIIN, err = s.optionalPlain(ctx, subjectID, "iin"); err != nil {
		return in, err
	}
	e := s.entry(ctx, action, subjectID, evidencePurpose, cats, derbes.OutcomeOK, "")
	e.Basis = "art9-10"
	return in, s.db.Audit(ctx, e)
}

func (s *Service) optionalPlain(ctx context.Context, subjectID, cat string) (string, error) {
	v, err := s.currentPlain(ctx, subjectID, cat)
	if derbes.RuleOf(err) == "code-no-address" {
		return "", nil
	}
	return v, err
}

// ConsentForm renders the printable consent form of a recorded consent in
// lang, with the subject's name, to be signed (R-BASIS-4).
// Errors: EInvalid (language), ENotFound, EForbidden.
func (s *Service) ConsentForm(ctx context.Context, subjectID, consentID, lang string) ([]byte, error) {
	in, err := s.consentInput(ctx, "consent.form", subjectID, consentID)
	if err != nil {
		return nil, err
	}
	return consentdoc.Form(in, lang)
}

// ConsentReceipt renders an electronic consent's receipt as PDF and JSON.
// Errors: EInvalid (language), ENotFound, EForbidden.
func (s *Service) ConsentReceipt(ctx context.Context, subjectID, consentID, lang string) ([]byte, []byte, error) {
	in, err := s.consentInput(ctx, "consent.receipt", subjectID, consentID)
	if err != nil {
		return nil, nil, err
	}
	return consentdoc.Receipt(in, lang)
}

// scanType tells a scan's type by its content, not by what the caller says.
func scanType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

// AttachConsentScan stores the signed form's scan, encrypted, and appends
// its SHA-256 to the consent's history as evidence (R-BASIS-4).
// Errors: EInvalid (empty or not PDF/JPEG/PNG), ETooLarge, ENotFound, EForbidden.
func (s *Service) AttachConsentScan(ctx context.Context, subjectID, consentID string, data []byte) (string, error) {
	const action = "consent.scan"
	ct := scanType(data)
	var err error
	switch {
	case len(data) > MaxScan:
		err = &derbes.Error{Code: derbes.ETooLarge, Field: "scan", Rule: "scan-too-large", Message: "the scan is larger than 10 MiB"}
	case ct == "":
		err = derbes.Invalid("scan", "scan-type", "the scan must be a PDF, JPEG or PNG file (checked by content)")
	case !s.canAny(ctx, derbes.ActWrite):
		err = s.denied(ctx, "", "your role may not attach consent evidence")
	}
	if err != nil {
		return "", s.Refuse(ctx, action, subjectID, evidencePurpose, nil, err)
	}
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	fileID := newID()
	err = s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, evidencePurpose, nil, derbes.OutcomeOK, "")
		e.Basis = "consent:" + consentID
		ks, err := c.Consents(ctx, subjectID)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(ks, func(k derbes.Consent) bool { return k.ID == consentID }) {
			err := &derbes.Error{Code: derbes.ENotFound, Field: "consentId", Rule: "consent-unknown", Message: "no such consent for this subject"}
			e.Outcome, e.Reason = derbes.OutcomeRefused, err.Rule
			return []derbes.AuditEntry{e}, err
		}
		sk, err := s.purposeKey(ctx, c, subjectID, evidencePurpose)
		if err != nil {
			return nil, err
		}
		f := store.File{ID: fileID, SubjectID: subjectID, Purpose: evidencePurpose, Category: "consent-scan", ContentType: ct,
			Size: int64(len(data)), Digest: sum[:], CreatedAt: s.now().UnixMicro(), CreatedBy: derbes.PrincipalFrom(ctx).ID}
		f.Ciphertext = sk.Seal(data, vault.ValueAD(subjectID, "file:"+fileID, evidencePurpose, 1))
		if err := c.InsertFile(ctx, f); err != nil {
			return nil, err
		}
		ev := &derbes.ConsentEvent{ID: newID(), SubjectID: subjectID, Kind: derbes.EventScanAttached, ConsentID: consentID,
			Reason: fileID + " " + digest, At: s.now(), RecordedBy: derbes.PrincipalFrom(ctx).ID}
		return []derbes.AuditEntry{e}, c.AppendConsentEvent(ctx, ev)
	})
	return digest, err
}
