package service

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf/pdftest"
	"github.com/derbes-kz/derbes/internal/store"
)

type registry struct{ kzUni, ruUni, consulate, police string }

func (e *env) recipients(t *testing.T) registry {
	t.Helper()
	add := func(kind, country, kk, ru, en, reg string) string {
		r, err := e.svc.CreateRecipient(e.ctx, store.Recipient{Kind: kind, Country: country, RegNumber: reg, Channel: "email",
			Contact: "office@example.org", Names: map[string]string{"kk": kk, "ru": ru, "en": en}})
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	return registry{
		kzUni:     add("education-org", "KZ", "Алатау техникалық университеті", "Алатауский технический университет", "Alatau Technical University", "180340021791"),
		ruUni:     add("education-org", "RU", "Волга мемлекеттік университеті", "Волжский государственный университет", "Volga State University", ""),
		consulate: add("consulate", "DE", "Германияның Алматыдағы бас консулдығы", "Генеральное консульство Германии в Алматы", "Consulate General of Germany in Almaty", ""),
		police:    add("police", "KZ", "Алматы қаласының полиция департаменті", "Департамент полиции города Алматы", "Almaty City Police Department", ""),
	}
}

func (e *env) transfer(req TransferRequest) (*TransferResult, error) {
	if req.Channel == "" {
		req.Channel = "email"
	}
	return e.svc.Transfer(e.ctx, req)
}

// covers R-TRANSFER-2, R-TRANSFER-3 (done-when: each basis path and each
// refusal; a refused transfer leaves no register row and no package).
func TestTransferBases(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		reg := e.recipients(t)
		a := e.create(applicant(), "p4.1b")
		other := applicant()
		other["iin"], other["passport_number"], other["email"] = "051103645675", "N87654321", "b@example.kz"
		b := e.create(other, "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, a.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{ID: reg.kzUni, Kind: "education-org", Country: "KZ"}}}); err != nil {
			t.Fatal(err)
		}
		cats := []string{"full_name", "iin", "education"}
		refused := func(name string, req TransferRequest, rule string) {
			t.Helper()
			before, beforeItems := e.count("transfers"), e.count("transfer_items")
			_, err := e.transfer(req)
			de := derbes.AsError(err)
			if de == nil {
				t.Fatalf("%s: transfer went ahead", name)
			}
			got := de.Rule
			if len(de.Problems) > 0 {
				got = de.Problems[0].Rule
			}
			if got != rule {
				t.Errorf("%s: refused with %s %+v, want %s", name, de.Rule, de.Problems, rule)
			}
			if e.count("transfers") != before || e.count("transfer_items") != beforeItems {
				t.Errorf("%s: a refused transfer left register rows", name)
			}
		}
		byConsent := func(subjects []string, recipient string) TransferRequest {
			return TransferRequest{RecipientID: recipient, Purpose: "p4.2b1", Subjects: subjects, Categories: cats, Basis: "consent"}
		}
		refused("no consent", byConsent([]string{b.ID}, reg.kzUni), "consent-purpose")
		refused("one of two without consent", byConsent([]string{a.ID, b.ID}, reg.kzUni), "consent-purpose")
		refused("another recipient", byConsent([]string{a.ID}, reg.ruUni), "consent-recipient")
		tel := byConsent([]string{a.ID}, reg.kzUni)
		tel.Channel = "telephone"
		refused("telephone", tel, "channel-telephone")
		if _, err := e.svc.GiveConsent(e.ctx, a.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{Kind: "education-org", Country: "KZ"}}}); err != nil {
			t.Fatal(err)
		}
		refused("Kazakh-only consent, Russian university", byConsent([]string{a.ID}, reg.ruUni), "consent-cross-border")
		res, err := e.transfer(byConsent([]string{a.ID}, reg.kzUni))
		if err != nil {
			t.Fatalf("consent path: %v", err)
		}
		if len(res.Items) != 3 || res.Transfer.PackageHash == "" || len(res.Package) == 0 {
			t.Fatalf("transfer: %+v", res.Transfer)
		}
		// Blocked data never leaves.
		if _, err := e.svc.Block(e.ctx, a.ID, "*", "the subject asked to block (request 5)"); err != nil {
			t.Fatal(err)
		}
		refused("blocked subject", byConsent([]string{a.ID}, reg.kzUni), "blocked")

		// A motivated request: registered, refused until approved, then allowed.
		req, err := e.svc.RegisterAuthorityRequest(e.ctx, AuthorityRequestInput{RecipientID: reg.police, Number: "12-3/456",
			Date: "2026-05-04", Grounds: "Code of Criminal Procedure, Art. 122", Subjects: []string{b.ID}, Categories: []string{"full_name", "iin"},
			ScanSHA256: strings.Repeat("ab", 32)})
		if err != nil {
			t.Fatal(err)
		}
		byRequest := TransferRequest{RecipientID: reg.police, Purpose: "p5.2", Subjects: []string{b.ID}, Categories: []string{"full_name", "iin"},
			Basis: "authority-request", BasisRef: req.ID, Channel: "courier"}
		refused("request not approved", byRequest, "request-not-approved")
		admissions := as(e.ctx, RoleAdmissions, DefaultRoles())
		wantErr(t, e.svc.DecideAuthorityRequest(admissions, req.ID, true), derbes.EForbidden, "", "permission")
		if err := e.svc.DecideAuthorityRequest(e.ctx, req.ID, true); err != nil {
			t.Fatal(err)
		}
		wider := byRequest
		wider.Categories = []string{"full_name", "iin", "phone"}
		refused("category beyond the request", wider, "request-category")
		if _, err := e.transfer(byRequest); err != nil {
			t.Fatalf("approved request: %v", err)
		}
		// A documented threat to life or health.
		lh, err := e.svc.RecordLifeHealth(e.ctx, b.ID, reg.consulate, "hospitalised abroad; the consulate needs identity data")
		if err != nil {
			t.Fatal(err)
		}
		byLife := TransferRequest{RecipientID: reg.consulate, Purpose: "p5.1", Subjects: []string{b.ID}, Categories: []string{"full_name", "passport_number"},
			Basis: "life-health", BasisRef: "no-such-record"}
		refused("no life-health record", byLife, "life-health-missing")
		byLife.BasisRef = lh
		if _, err := e.transfer(byLife); err != nil {
			t.Fatalf("life-health path: %v", err)
		}
	})
}

// covers R-TRANSFER-3, R-TRANSFER-4 (done-when: a package to a consulate;
// the register answers which version of the passport number it holds; the
// cover letter names recipient, basis and enclosed categories).
func TestTransferRegisterAndPackage(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		reg := e.recipients(t)
		v := e.create(applicant(), "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b2"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{ID: reg.consulate, Kind: "consulate", Country: "DE"}}, CrossBorder: true, Countries: []string{"DE"}}); err != nil {
			t.Fatal(err)
		}
		res, err := e.transfer(TransferRequest{RecipientID: reg.consulate, Purpose: "p4.2b2", Subjects: []string{v.ID},
			Categories: []string{"full_name", "passport_number", "citizenship"}, Basis: "consent"})
		if err != nil {
			t.Fatal(err)
		}
		// The passport is renewed afterwards: the consulate still holds version 1.
		if _, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1b", Values: raw(map[string]string{"passport_number": "N55555555"}),
			Source: derbes.Source{Kind: derbes.SourceStaff, Ref: "new passport"}}); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.ReceivedBy(e.ctx, v.ID, "passport_number")
		if err != nil || len(got) != 1 || got[0].RecipientID != reg.consulate || got[0].Version != 1 || got[0].Country != "DE" {
			t.Fatalf("register: %v %+v", err, got)
		}
		files := unzip(t, res.Package)
		var data struct {
			Subjects map[string]map[string]struct {
				Value   string
				Version int
			}
		}
		if err := json.Unmarshal(files["data.json"], &data); err != nil {
			t.Fatal(err)
		}
		if p := data.Subjects[v.ID]["passport_number"]; p.Value != "N12345678" || p.Version != 1 {
			t.Errorf("package passport = %+v", p)
		}
		if !strings.Contains(string(files["data.csv"]), "passport_number,1,N12345678") {
			t.Errorf("csv: %s", files["data.csv"])
		}
		// English letter to a German consulate: recipient, basis, categories.
		text := strings.Join(strings.Fields(pdftest.ExtractText(t, files["cover-letter.pdf"])), " ")
		for _, w := range []string{"Consulate General of Germany in Almaty", "the subject's consent", "Identity document number", "Citizenship"} {
			if !strings.Contains(text, w) {
				t.Errorf("cover letter lacks %q", w)
			}
		}
		if strings.Contains(text, "N12345678") {
			t.Error("the cover letter names a personal value")
		}
		// The package rebuilds to the registered hash; after the update it still does (versions are kept).
		again, err := e.svc.TransferPackage(e.ctx, res.Transfer.ID)
		if err != nil || !bytes.Equal(again, res.Package) {
			t.Fatalf("rebuilt package differs: %v", err)
		}
	})
}

// covers R-TRANSFER-4: cover letters in Kazakh and Russian by the
// recipient's country, with Kazakh letters intact.
func TestCoverLetterLanguages(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		reg := e.recipients(t)
		v := e.create(applicant(), "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true, CrossBorder: true, Countries: []string{"RU"},
			Recipients: []derbes.Recipient{{ID: reg.kzUni, Kind: "education-org", Country: "KZ"}, {ID: reg.ruUni, Kind: "education-org", Country: "RU"}}}); err != nil {
			t.Fatal(err)
		}
		for rec, want := range map[string][]string{
			reg.kzUni: {"Ілеспе хат", "Алатау техникалық университеті", "субъектінің келісімі", "Білімі"},
			reg.ruUni: {"Сопроводительное письмо", "Волжский государственный университет", "согласие субъекта"},
		} {
			res, err := e.transfer(TransferRequest{RecipientID: rec, Purpose: "p4.2b1", Subjects: []string{v.ID},
				Categories: []string{"full_name", "education"}, Basis: "consent"})
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(pdftest.ExtractText(t, unzip(t, res.Package)["cover-letter.pdf"])), " ")
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("letter lacks %q:\n%s", w, text)
				}
			}
		}
	})
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return out
}

// covers R-RIGHTS-5, P-6.2.1d (done-when: a package to two recipients —
// consulate: passport number; insurer: name and phone — then the passport
// number is rectified, and a notice is drafted for the consulate only).
func TestRectificationNotifiesEarlierRecipients(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		reg := e.recipients(t)
		insurer, err := e.svc.CreateRecipient(e.ctx, store.Recipient{Kind: "insurer", Country: "KZ", Channel: "email",
			Names: map[string]string{"kk": "Дала Сақтандыру", "ru": "Дала Страхование", "en": "Dala Insurance"}})
		if err != nil {
			t.Fatal(err)
		}
		v := e.create(applicant(), "p4.1b")
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b2"}, ThirdParty: true, CrossBorder: true, Countries: []string{"DE"},
			Recipients: []derbes.Recipient{{ID: reg.consulate, Kind: "consulate", Country: "DE"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.GiveConsent(e.ctx, v.ID, NewConsent{Purposes: []string{"p4.2b3"}, ThirdParty: true,
			Recipients: []derbes.Recipient{{ID: insurer.ID, Kind: "insurer", Country: "KZ"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.transfer(TransferRequest{RecipientID: reg.consulate, Purpose: "p4.2b2", Subjects: []string{v.ID}, Categories: []string{"passport_number"}, Basis: "consent"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.transfer(TransferRequest{RecipientID: insurer.ID, Purpose: "p4.2b3", Subjects: []string{v.ID}, Categories: []string{"full_name", "phone"}, Basis: "consent"}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.UpdateSubject(e.ctx, v.ID, SubjectUpdate{Purpose: "p4.1b", Values: raw(map[string]string{"passport_number": "N99999999"}),
			Source: derbes.Source{Kind: derbes.SourceSubject, Ref: "rectification request"}}); err != nil {
			t.Fatal(err)
		}
		ns, err := e.svc.RecipientNotices(e.ctx, v.ID)
		if err != nil || len(ns) != 1 || ns[0].RecipientID != reg.consulate || ns[0].Category != "passport_number" || ns[0].OldVersion != 1 || ns[0].NewVersion != 2 {
			t.Fatalf("notices: %v %+v", err, ns)
		}
		doc, err := e.svc.RecipientNoticeDocument(e.ctx, v.ID, ns[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(pdftest.ExtractText(t, doc)), " ")
		for _, w := range []string{"Notice of correction", "Consulate General of Germany", "N99999999"} {
			if !strings.Contains(text, w) {
				t.Errorf("notice lacks %q", w)
			}
		}
		wantErr(t, e.svc.MarkRecipientNoticeSent(e.ctx, v.ID, ns[0].ID, "telephone"), derbes.EInvalid, "channel", "channel-telephone")
		if err := e.svc.MarkRecipientNoticeSent(e.ctx, v.ID, ns[0].ID, "email"); err != nil {
			t.Fatal(err)
		}
		if ns, _ := e.svc.RecipientNotices(e.ctx, v.ID); !ns[0].SentAt.Valid {
			t.Error("sending not tracked")
		}
	})
}
