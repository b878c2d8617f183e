package catalogue

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/derbes-kz/derbes"
)

func mustDefault(t *testing.T) *derbes.Catalogue {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

// covers R-CAT-4
func TestDefaultIsTheSeedPolicy(t *testing.T) {
	c := mustDefault(t)
	if err := c.Check(); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if c.Version != 1 || c.Policy != "ECSA.ME personal data processing policy, version 1" {
		t.Errorf("version %d, policy %q", c.Version, c.Policy)
	}
	// Default hands out copies: changing one changes neither the next nor DefaultJSON.
	c.Categories[0].Key = "changed"
	b := DefaultJSON()
	b[0] = 'x'
	if mustDefault(t).Categories[0].Key == "changed" || DefaultJSON()[0] != '{' {
		t.Error("Default or DefaultJSON shares state between calls")
	}
}

// covers R-CAT-1
func TestKinds(t *testing.T) {
	c := mustDefault(t)
	keys := func(ks []derbes.Kind) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.Key)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		got  []derbes.Kind
		want []string
	}{
		{"subjectKinds", c.SubjectKinds, []string{"applicant", "employee", "contractor", "counterparty", "third-party", "representative"}},
		{"citizenships", c.Citizenships, []string{"kz-citizen", "foreign-citizen", "stateless"}},
		{"relationships", c.Relationships, []string{"parent", "guardian", "trustee", "other"}},
	} {
		if got := keys(tc.got); !slices.Equal(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !c.HasSubjectKind("representative") || !c.HasCitizenship("stateless") {
		t.Error("HasSubjectKind/HasCitizenship disagree with the lists")
	}
}

// covers R-CAT-2
func TestCategoryKeysAndTypes(t *testing.T) {
	c := mustDefault(t)
	type want struct {
		typ                derbes.ValueType
		search             derbes.SearchMode
		masked, identifier bool
	}
	none, exact := derbes.SearchNone, derbes.SearchExact
	wants := map[string]want{
		"full_name":                   {derbes.TypeName, exact, false, true},
		"iin":                         {derbes.TypeIIN, exact, true, true},
		"passport_number":             {derbes.TypeDocNumber, exact, true, true},
		"passport_details":            {derbes.TypeText, none, false, true},
		"identity_scan":               {derbes.TypeFile, none, false, true},
		"photo":                       {derbes.TypeFile, none, false, true},
		"citizenship":                 {derbes.TypeCountry, none, false, false},
		"education":                   {derbes.TypeText, none, false, false},
		"professional_education_docs": {derbes.TypeText, none, false, false},
		"academic_degree":             {derbes.TypeText, none, false, false},
		"education_files":             {derbes.TypeFile, none, false, true},
		"languages":                   {derbes.TypeText, none, false, false},
		"specialty":                   {derbes.TypeText, none, false, false},
		"work_experience":             {derbes.TypeText, none, false, false},
		"workplace":                   {derbes.TypeText, none, false, false},
		"position":                    {derbes.TypeText, none, false, false},
		"military_registration":       {derbes.TypeText, none, false, true},
		"tax_status":                  {derbes.TypeEnum, none, false, false},
		"income":                      {derbes.TypeMoney, none, false, false},
		"training_files":              {derbes.TypeFile, none, false, true},
		"address":                     {derbes.TypeText, none, false, true},
		"phone":                       {derbes.TypePhone, exact, false, true},
		"email":                       {derbes.TypeEmail, exact, false, true},
		"other":                       {derbes.TypeKV, none, false, true},
	}
	if len(c.Categories) != len(wants) {
		t.Errorf("%d categories, want %d", len(c.Categories), len(wants))
	}
	for key, w := range wants {
		cat := c.Category(key)
		if cat == nil {
			t.Errorf("category %s missing", key)
			continue
		}
		got := want{cat.Type, cat.Search, cat.Masked, cat.Identifier}
		if got != w {
			t.Errorf("category %s = %+v, want %+v", key, got, w)
		}
	}
	var opts []string
	for _, o := range c.Category("tax_status").Options {
		opts = append(opts, o.Key)
	}
	if !slices.Equal(opts, []string{"resident", "non-resident"}) {
		t.Errorf("tax_status options = %v", opts)
	}
}

// policyClauses lists every clause of the seed policy's data lists and
// purposes (policy.en.md P-3.2.1, P-3.2.2, P-4.1, P-4.2). It is written out
// here because the policy text lives outside the repository.
func policyClauses() []string {
	var out []string
	for _, r := range "abcdefghijklm" {
		out = append(out, "P-3.2.1"+string(r))
	}
	for _, r := range "abcdefghijklmnopqr" {
		out = append(out, "P-3.2.2"+string(r))
	}
	for _, r := range "abcd" {
		out = append(out, "P-4.1"+string(r))
	}
	return append(out, "P-4.2a", "P-4.2b1", "P-4.2b2", "P-4.2b3", "P-4.2c", "P-4.2d", "P-4.2e")
}

// covers R-CAT-2, R-CAT-3
func TestEveryClauseIsCited(t *testing.T) {
	c := mustDefault(t)
	cited := map[string]bool{}
	for _, cat := range c.Categories {
		for _, p := range cat.Policy {
			cited[p] = true
		}
	}
	for _, p := range c.Purposes {
		cited[p.Policy] = true
	}
	clauses := policyClauses()
	if len(clauses) != 13+18+4+7 {
		t.Fatalf("clause list has %d entries", len(clauses))
	}
	for _, cl := range clauses {
		if !cited[cl] {
			t.Errorf("policy clause %s is cited by no category or purpose", cl)
		}
	}
	// Each data-list item is a category; each purpose clause is a purpose.
	for _, p := range []string{"P-4.1a", "P-4.1b", "P-4.1c", "P-4.1d", "P-4.2a", "P-4.2b1", "P-4.2b2", "P-4.2b3", "P-4.2c", "P-4.2d", "P-4.2e"} {
		if c.Purpose("p"+strings.TrimPrefix(p, "P-")) == nil {
			t.Errorf("no purpose for %s", p)
		}
	}
}

// texts returns every translated text of c, named.
func texts(c *derbes.Catalogue) map[string]derbes.Text {
	out := map[string]derbes.Text{}
	for name, ks := range map[string][]derbes.Kind{"subjectKinds": c.SubjectKinds, "citizenships": c.Citizenships, "relationships": c.Relationships} {
		for _, k := range ks {
			out[name+"/"+k.Key] = k.Label
		}
	}
	for _, cat := range c.Categories {
		out["category/"+cat.Key] = cat.Label
		for _, o := range cat.Options {
			out["category/"+cat.Key+"/"+o.Key] = o.Label
		}
	}
	for _, p := range c.Purposes {
		out["purpose/"+p.Code+"/title"] = p.Title
		out["purpose/"+p.Code+"/description"] = p.Description
	}
	return out
}

func hasCyrillic(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) >= 0
}

// covers R-CAT-1, R-CAT-2, R-CAT-3
func TestThreeLanguages(t *testing.T) {
	c := mustDefault(t)
	kazakh := 0
	for name, tx := range texts(c) {
		if strings.TrimSpace(tx.KK) == "" || strings.TrimSpace(tx.RU) == "" || strings.TrimSpace(tx.EN) == "" {
			t.Errorf("%s: missing a language: %+v", name, tx)
			continue
		}
		if !hasCyrillic(tx.KK) || !hasCyrillic(tx.RU) {
			t.Errorf("%s: kk %q or ru %q has no Cyrillic letter", name, tx.KK, tx.RU)
		}
		if hasCyrillic(tx.EN) {
			t.Errorf("%s: en %q is not English", name, tx.EN)
		}
		if strings.ContainsAny(tx.KK, "әғқңөұүһіӘҒҚҢӨҰҮҺІ") {
			kazakh++
		}
	}
	// Short labels may coincide in Kazakh and Russian ("Контрагент"), but
	// the catalogue as a whole must really be in Kazakh.
	if kazakh < len(texts(c))*3/4 {
		t.Errorf("only %d of %d kk texts use a Kazakh letter", kazakh, len(texts(c)))
	}
}

// covers R-CAT-3
func TestBases(t *testing.T) {
	c := mustDefault(t)
	codes := map[string]bool{}
	for _, p := range c.Purposes {
		codes[p.Code] = true
		b := p.Basis
		switch {
		case strings.HasPrefix(p.Code, "p4.1"):
			if b.Kind != derbes.BasisConsent || b.ConsentForm != "contract" {
				t.Errorf("%s: basis %+v, want consent by contract", p.Code, b)
			}
		case strings.HasPrefix(p.Code, "p4.2"):
			if b.Kind != derbes.BasisConsent || b.ConsentForm != "separate" {
				t.Errorf("%s: basis %+v, want separate consent", p.Code, b)
			}
		default:
			if b.Kind != derbes.BasisArt9 {
				t.Errorf("%s: basis %+v, want art9", p.Code, b)
			}
		}
	}
	want := []string{"p4.1a", "p4.1b", "p4.1c", "p4.1d", "p4.2a", "p4.2b1", "p4.2b2", "p4.2b3", "p4.2c", "p4.2d", "p4.2e", "p5.1", "p5.2", "rights"}
	if len(codes) != len(want) {
		t.Errorf("%d purposes, want %d", len(codes), len(want))
	}
	for _, w := range want {
		if !codes[w] {
			t.Errorf("purpose %s missing", w)
		}
	}
	for code, art9 := range map[string]string{"p5.1": "5", "p5.2": "1", "rights": "10"} {
		if b := c.Purpose(code).Basis; b.Art9 != art9 || b.String() != "art9-"+art9 {
			t.Errorf("%s: art9 %q, want %q", code, b.Art9, art9)
		}
	}
	if l := c.Purpose("p5.2").Basis.Law; !strings.Contains(l, "sub. 1") || !strings.Contains(l, "sub. 10") {
		t.Errorf("p5.2 law %q does not name Art. 9 sub. 1 and 10", l)
	}
	if l := c.Purpose("rights").Basis.Law; l != "Law 94-V Art. 25 p.2" {
		t.Errorf("rights law %q", l)
	}
}

// covers R-CAT-3
func TestMinimisation(t *testing.T) {
	c := mustDefault(t)
	all := make([]string, 0, len(c.Categories))
	for _, cat := range c.Categories {
		all = append(all, cat.Key)
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	for code, want := range map[string][]string{
		"p4.2a": {"full_name", "phone", "email"},
		"p4.2d": {"full_name", "phone", "email"},
		"p5.1":  all, "p5.2": all, "rights": all,
	} {
		if got := c.Purpose(code).Categories; !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s categories = %v, want %v", code, got, want)
		}
	}
	for code, never := range map[string][]string{
		"p4.2b3": {"income", "military_registration", "education_files", "other"},
		"p4.2b2": {"income", "military_registration", "tax_status", "other"},
		"p4.2b1": {"income", "military_registration", "tax_status", "other"},
		"p4.1b":  {"income", "military_registration", "tax_status", "training_files"},
		"p4.1d":  {"passport_number", "identity_scan", "photo", "military_registration"},
		"p4.2c":  {"iin", "passport_number", "income"},
	} {
		for _, k := range never {
			if c.Purpose(code).Covers(k) {
				t.Errorf("%s covers %s: more than it needs", code, k)
			}
		}
	}
	// Statistics: only non-identifying categories, plus the IIN and address
	// that the extract turns into an age band and a region and then drops.
	for _, k := range c.Purpose("p4.2e").Categories {
		if c.Category(k).Identifier && k != "iin" && k != "address" {
			t.Errorf("p4.2e covers identifier %s", k)
		}
	}
	// Every category can be collected under some consent-based purpose.
	for _, k := range all {
		if !slices.ContainsFunc(c.Purposes, func(p derbes.Purpose) bool {
			return p.Basis.Kind == derbes.BasisConsent && p.Covers(k)
		}) {
			t.Errorf("category %s is covered by no consent-based purpose", k)
		}
	}
}

// covers R-CAT-3, R-ACCESS-2
func TestWhole(t *testing.T) {
	c := mustDefault(t)
	for _, code := range []string{"p4.1a", "p4.1b", "p4.1c", "p4.2b1", "p4.2b2", "p4.2b3", "p5.1", "p5.2", "rights"} {
		p := c.Purpose(code)
		if !p.NeedsWhole("iin") || !p.NeedsWhole("passport_number") {
			t.Errorf("%s whole = %v, want iin and passport_number", code, p.Whole)
		}
	}
	for _, code := range []string{"p4.2a", "p4.2c", "p4.2d", "p4.2e"} {
		if w := c.Purpose(code).Whole; len(w) != 0 {
			t.Errorf("%s whole = %v, want none", code, w)
		}
	}
	if w := c.Purpose("p4.1d").Whole; !slices.Equal(w, []string{"iin"}) {
		t.Errorf("p4.1d whole = %v", w)
	}
}

// covers R-CAT-3, R-TRANSFER-1
func TestRecipientsAndStorage(t *testing.T) {
	c := mustDefault(t)
	for code, want := range map[string][]string{
		"p4.2b1": {"ministry-education", "education-org"},
		"p4.2b2": {"migration-service", "foreign-ministry", "consulate", "foreign-state-body"},
		"p4.2b3": {"insurer"},
		"p5.2":   {"court", "national-security", "prosecutor", "police", "investigator", "other-authority"},
		"p4.2a":  nil, "p4.2c": nil, "p4.2d": nil, "p4.2e": nil,
		"p4.1a": nil, "p4.1b": nil, "p4.1c": nil, "p4.1d": nil,
	} {
		if got := c.Purpose(code).RecipientKinds; !slices.Equal(got, want) {
			t.Errorf("%s recipients = %v, want %v", code, got, want)
		}
	}
	if got := c.Purpose("rights").RecipientKinds; !slices.Equal(got, RecipientKinds()) {
		t.Errorf("rights recipients = %v, want all (to notify earlier recipients, P-6.2.1d)", got)
	}
	for _, p := range c.Purposes {
		s := p.Storage
		if s.Months <= 0 || !slices.Contains(StorageEvents(), s.From) || s.Reference == "" {
			t.Errorf("%s storage %+v", p.Code, s)
		}
	}
	if s := c.Purpose("p4.1d").Storage; s.Months != 60 || !strings.Contains(s.Reference, "Tax Code") {
		t.Errorf("p4.1d storage %+v, want the Tax Code's 5 years", s)
	}
}

// covers R-CAT-4
func TestDefaultRoundTrips(t *testing.T) {
	c := mustDefault(t)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Parse(b)
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	b2, _ := json.Marshal(c2)
	if !bytes.Equal(b, b2) {
		t.Error("marshal → Parse → marshal changed the catalogue")
	}
}
