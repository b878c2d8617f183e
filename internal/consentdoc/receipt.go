package consentdoc

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
)

// receipt is the JSON of a consent receipt. It names no one: the subject
// is identified by the consent's id only.
type receipt struct {
	ConsentID      string             `json:"consentId"`
	GivenAt        time.Time          `json:"givenAt"`
	Language       string             `json:"language"` // of the titles and labels below
	Operator       receiptOperator    `json:"operator"`
	Purposes       []receiptPurpose   `json:"purposes"`
	Categories     []receiptCategory  `json:"categories"`
	ThirdParty     bool               `json:"thirdParty"`
	Recipients     []receiptRecipient `json:"recipients"`
	CrossBorder    bool               `json:"crossBorder"`
	Countries      []receiptCountry   `json:"countries"`
	Publication    bool               `json:"publication"`
	Other          string             `json:"other"`
	ExpiresAt      *time.Time         `json:"expiresAt"` // null: until the purposes are achieved
	Period         string             `json:"period"`
	Representative bool               `json:"representative"`
	Relationship   string             `json:"relationship,omitempty"`
	TextVersion    string             `json:"textVersion"`
	TextLanguage   string             `json:"textLanguage"`
	TextSHA256     string             `json:"textSha256"`
	Form           derbes.ConsentForm `json:"form"`
	Evidence       receiptEvidence    `json:"evidence"`
}

type receiptOperator struct {
	Name string `json:"name"`
	BIN  string `json:"bin"`
}

type receiptPurpose struct {
	Code  string `json:"code"`
	Title string `json:"title"`
}

type receiptCategory struct {
	Key   string `json:"key"`
	Label string `json:"label"`
}

type receiptRecipient struct {
	ID        string `json:"id,omitempty"`
	Kind      string `json:"kind,omitempty"`
	KindLabel string `json:"kindLabel,omitempty"`
	Name      string `json:"name,omitempty"`
	Country   string `json:"country,omitempty"`
}

type receiptCountry struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type receiptEvidence struct {
	Channel     string     `json:"channel,omitempty"`
	ConfirmedAt *time.Time `json:"confirmedAt,omitempty"`
}

// Receipt returns the receipt of a consent, meant for one given
// electronically (by one-time code or e-signature), in lang ("kk", "ru" or
// "en"; "" means in.Terms.Language): a PDF for the subject and its JSON.
//
// The JSON holds consentId, givenAt, the operator's name and BIN, the
// purposes with titles, the categories with labels, the recipients (id,
// kind, kind label, name, country), the countries with names, the
// thirdParty, crossBorder and publication flags, other, expiresAt (null
// = until the purposes are achieved) and the period as text, whether a
// representative consented and the relationship key, textVersion,
// textLanguage and textSha256 (of the text in Terms.Language, the one the
// consent was given in), the form, and the evidence's channel and
// confirmedAt. Titles and labels are in lang; times are UTC. It holds no
// name and no IIN of the subject or the representative, and no subject id:
// the consent id identifies the subject.
//
// The PDF shows the same, with the subject's and representative's names
// when given (never an IIN), and the consent text in lang, marked as a
// translation when lang is not the language the consent was given in.
//
// Errors: those of [Text], and "consent-id-required" (ConsentID empty),
// "consent-given-at-required" (GivenAt zero), "consent-form" (Terms.Form
// is not a known form), "consent-text-version" (Terms.TextVersion names a
// version other than [TextVersion]) and, with code EConflict,
// "consent-text-mismatch": Terms.TextSHA256 is not the hash of the text
// that the terms and catalogue give now, so the text the subject saw cannot
// be reproduced (a catalogue label or a recipient name has changed). An
// error of pdf.Render is returned as it is.
func Receipt(in Input, lang string) (pdfBytes []byte, jsonBytes []byte, err error) {
	m, err := prepare(&in, lang)
	if err != nil {
		return nil, nil, err
	}
	t := &in.Terms
	switch {
	case strings.TrimSpace(in.ConsentID) == "":
		return nil, nil, derbes.Invalid("consentId", "consent-id-required", "a receipt names its consent")
	case in.GivenAt.IsZero():
		return nil, nil, derbes.Invalid("givenAt", "consent-given-at-required", "a receipt states when the consent was given")
	case !derbes.ValidForm(t.Form):
		return nil, nil, derbes.Invalid("terms.form", "consent-form", fmt.Sprintf("consent form %q is not known", t.Form))
	case t.TextVersion != "" && t.TextVersion != TextVersion:
		return nil, nil, derbes.Invalid("terms.textVersion", "consent-text-version",
			fmt.Sprintf("text version %q is not %s, the version this package writes", t.TextVersion, TextVersion))
	}
	stored := m
	if t.Language != "" && t.Language != m.lang {
		if stored, err = prepare(&in, t.Language); err != nil {
			return nil, nil, err
		}
	}
	hash := TextSHA256(stored.text())
	if t.TextSHA256 != "" && !strings.EqualFold(t.TextSHA256, hash) {
		return nil, nil, derbes.Errorf(derbes.EConflict, "consent-text-mismatch",
			"the stored text hash does not match the text the terms and catalogue give now")
	}
	jsonBytes, err = json.MarshalIndent(m.receiptJSON(stored.lang, hash), "", "  ")
	if err != nil {
		return nil, nil, err
	}
	pdfBytes, err = pdf.Render(m.receiptPDF(stored.lang, hash))
	if err != nil {
		return nil, nil, err
	}
	return pdfBytes, jsonBytes, nil
}

// receiptJSON builds the receipt's JSON body; textLang and hash are the
// language and hash of the text the consent was given with.
func (m *model) receiptJSON(textLang, hash string) *receipt {
	in, t := m.in, &m.in.Terms
	r := &receipt{
		ConsentID:      strings.TrimSpace(in.ConsentID),
		GivenAt:        in.GivenAt.UTC(),
		Language:       m.lang,
		Operator:       receiptOperator{Name: strings.TrimSpace(t.OperatorName), BIN: t.OperatorBIN},
		Purposes:       make([]receiptPurpose, 0, len(m.purposes)),
		Categories:     make([]receiptCategory, 0, len(m.categories)),
		ThirdParty:     t.ThirdParty,
		Recipients:     make([]receiptRecipient, 0, len(m.recipients)),
		CrossBorder:    t.CrossBorder,
		Countries:      make([]receiptCountry, 0, len(m.countries)),
		Publication:    t.Publication,
		Other:          strings.TrimSpace(t.Other),
		Period:         m.period(),
		Representative: m.rep,
		TextVersion:    TextVersion,
		TextLanguage:   textLang,
		TextSHA256:     hash,
		Form:           t.Form,
		Evidence:       receiptEvidence{Channel: t.Evidence.Channel},
	}
	if m.rep {
		r.Relationship = m.rel.Key
	}
	if t.ExpiresAt != nil {
		e := t.ExpiresAt.UTC()
		r.ExpiresAt = &e
	}
	if c := t.Evidence.ConfirmedAt; c != nil {
		u := c.UTC()
		r.Evidence.ConfirmedAt = &u
	}
	for _, p := range m.purposes {
		r.Purposes = append(r.Purposes, receiptPurpose{Code: p.Code, Title: p.Title.In(m.lang)})
	}
	for _, c := range m.categories {
		r.Categories = append(r.Categories, receiptCategory{Key: c.Key, Label: c.Label.In(m.lang)})
	}
	for _, x := range m.recipients {
		rr := receiptRecipient{ID: x.ID, Kind: x.Kind, Country: x.Country}
		if x.Kind != "" {
			rr.KindLabel = kindLabel(x.Kind, m.lang)
		}
		if x.ID != "" {
			rr.Name = strings.TrimSpace(in.RecipientNames[x.ID])
		}
		r.Recipients = append(r.Recipients, rr)
	}
	for _, c := range m.countries {
		r.Countries = append(r.Countries, receiptCountry{Code: c, Name: countryName(c, m.lang)})
	}
	return r
}

// receiptPDF lays out the receipt's PDF.
func (m *model) receiptPDF(textLang, hash string) pdf.Document {
	in, t, w := m.in, &m.in.Terms, m.w
	rows := [][2]string{
		{w.consentNo, strings.TrimSpace(in.ConsentID)},
		{w.givenAt, m.dateTime(in.GivenAt)},
		{w.form, w.forms[t.Form]},
	}
	if ch := t.Evidence.Channel; ch != "" {
		if l, ok := w.channels[ch]; ok {
			ch = l
		}
		rows = append(rows, [2]string{w.channel, ch})
	}
	if c := t.Evidence.ConfirmedAt; c != nil {
		rows = append(rows, [2]string{w.confirmedAt, m.dateTime(*c)})
	}
	item2 := w.subjectValue
	if name := strings.TrimSpace(in.SubjectName); name != "" {
		rows = append(rows, [2]string{w.fullName, name})
		item2 = name
	}
	if m.rep {
		if rep := strings.TrimSpace(in.RepresentativeName); rep != "" {
			rows = append(rows, [2]string{w.representative, rep})
		}
		rows = append(rows, [2]string{w.relationship, m.rel.Label.In(m.lang)})
	}
	rows = append(rows, [2]string{w.textVersion, TextVersion}, [2]string{w.textHash, hash})

	blocks := []pdf.Block{
		pdf.Fields{Rows: rows},
		pdf.Paragraph{Text: w.receiptNote},
		pdf.Heading{Text: w.itemsHeading},
		pdf.Fields{Rows: m.itemRows(item2)},
		pdf.Heading{Text: w.textHeading},
	}
	if textLang != m.lang {
		blocks = append(blocks, pdf.Paragraph{Text: fmt.Sprintf(w.translationNote, w.in[textLang])})
	}
	blocks = append(blocks, textBlocks(m.text())...)
	return pdf.Document{
		Title:    w.receiptTitle,
		Subtitle: m.operator(),
		Lang:     m.lang,
		Blocks:   blocks,
		Footer:   m.footer(),
	}
}
