// Package policy holds the operator's published personal-data processing
// policy (R-OPS-2, P-8.1–8.2): its versions in Kazakh, Russian and English,
// the seed text that is version 1 (embedded from texts/), a small and safe
// Markdown renderer, and the public HTML page that serves the current
// version with its history.
//
// A version records what it adds to the previous one (purposes, categories
// of data, kinds of recipient): those additions are not covered by the
// consents subjects gave before it, and the service reports who must be
// asked again (re-consent).
package policy

import (
	"embed"
	"encoding/json"
	"fmt"
	"github.com/derbes-kz/derbes/internal/i18n"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed texts
var texts embed.FS

// Languages are the languages every version is published in, Kazakh first
// (the state language).
var Languages = []string{"kk", "ru", "en"}

// DateLayout is the layout of a version's effective date.
const DateLayout = "2006-01-02"

// Adds is what a version adds to the previous one: purpose codes and
// category keys of the catalogue, and recipient kinds.
type Adds struct {
	Purposes       []string `json:"purposes"`
	Categories     []string `json:"categories"`
	RecipientKinds []string `json:"recipientKinds"`
}

// Empty reports whether the version adds nothing that needs re-consent.
func (a Adds) Empty() bool {
	return len(a.Purposes) == 0 && len(a.Categories) == 0 && len(a.RecipientKinds) == 0
}

// Version is one published version of the policy.
type Version struct {
	Number    int               `json:"version"`
	Effective string            `json:"effective"` // YYYY-MM-DD
	Texts     map[string]string `json:"texts"`     // language → Markdown
	Summary   map[string]string `json:"summary"`   // language → one-line summary of the change
	Adds      Adds              `json:"adds"`
	// PublishedAt and PublishedBy record the publication (a principal id).
	PublishedAt time.Time `json:"publishedAt"`
	PublishedBy string    `json:"publishedBy,omitempty"`
}

// EffectiveDate parses the version's effective date.
func (v *Version) EffectiveDate() (time.Time, error) {
	return time.Parse(DateLayout, v.Effective)
}

// Seed returns version 1: the baseline text embedded from texts/v1 with its
// entry of texts/versions.json. PublishedAt and PublishedBy are left for
// the caller to set.
func Seed() (Version, error) {
	raw, err := texts.ReadFile("texts/versions.json")
	if err != nil {
		return Version{}, fmt.Errorf("policy: read seed index: %w", err)
	}
	var index []Version
	if err := json.Unmarshal(raw, &index); err != nil {
		return Version{}, fmt.Errorf("policy: decode texts/versions.json: %w", err)
	}
	i := slices.IndexFunc(index, func(v Version) bool { return v.Number == 1 })
	if i < 0 {
		return Version{}, fmt.Errorf("policy: texts/versions.json has no version 1")
	}
	v := index[i]
	v.Texts = map[string]string{}
	for _, lang := range Languages {
		b, err := texts.ReadFile("texts/v" + strconv.Itoa(v.Number) + "/" + lang + ".md")
		if err != nil {
			return Version{}, fmt.Errorf("policy: seed text: %w", err)
		}
		v.Texts[lang] = string(b)
		if strings.TrimSpace(v.Summary[lang]) == "" {
			return Version{}, fmt.Errorf("policy: seed version 1 has no %s summary", lang)
		}
	}
	if _, err := v.EffectiveDate(); err != nil {
		return Version{}, fmt.Errorf("policy: seed version 1: effective date: %w", err)
	}
	return v, nil
}

// Current returns the index in vs (ascending by number) of the version in
// force on today (YYYY-MM-DD): the newest whose effective date has come.
// Before the first version takes effect, the first is shown. It returns -1
// when vs is empty.
func Current(vs []Version, today string) int {
	if len(vs) == 0 {
		return -1
	}
	cur := 0
	for i := range vs {
		if vs[i].Effective <= today { // YYYY-MM-DD compares as a date
			cur = i
		}
	}
	return cur
}

// Today returns t's date in Kazakhstan (UTC+5 since March 2024), as
// YYYY-MM-DD: the date a version's effective date is compared with.
func Today(t time.Time) string {
	return t.In(kazakhstan).Format(DateLayout)
}

var kazakhstan = time.FixedZone("Asia/Almaty", 5*3600)

// Lang picks the page's language: ?lang= when it is kk, ru or en, else the
// first supported language of Accept-Language, else Kazakh (the same rule
// as everywhere else in derbes: i18n.Negotiate).
func Lang(query, acceptLanguage string) string {
	return string(i18n.Negotiate(query, acceptLanguage))
}
