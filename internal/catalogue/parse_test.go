package catalogue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
)

// edited returns the default catalogue as JSON after edit changed it.
func edited(t *testing.T, edit func(c *derbes.Catalogue)) []byte {
	t.Helper()
	c := mustDefault(t)
	edit(c)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replaced returns the default JSON with the first old replaced by new.
func replaced(t *testing.T, old, new string) []byte {
	t.Helper()
	s := string(DefaultJSON())
	if !strings.Contains(s, old) {
		t.Fatalf("default.json has no %q", old)
	}
	return []byte(strings.Replace(s, old, new, 1))
}

// covers R-CAT-4, N-4
func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		rule string
		want string // the offending key, quoted in the message
	}{
		{"unknown top-level field", replaced(t, `"version": 1,`, `"version": 1, "approvedBy": "x",`),
			"catalogue-unknown-field", "approvedBy"},
		{"field valid elsewhere but not here", replaced(t, `"key": "full_name",`, `"key": "full_name", "code": "x",`),
			"catalogue-unknown-field", "code"},
		{"field in the wrong case", replaced(t, `"key": "full_name",`, `"Key": "full_name",`),
			"catalogue-unknown-field", "Key"},
		{"repeated member", replaced(t, `"key": "full_name",`, `"key": "full_name", "key": "iin_copy",`),
			"catalogue-duplicate-member", "key"},
		{"duplicate category key", edited(t, func(c *derbes.Catalogue) { c.Categories[1].Key = c.Categories[0].Key }),
			"catalogue-inconsistent", "full_name"},
		{"duplicate purpose code", edited(t, func(c *derbes.Catalogue) { c.Purposes[1].Code = "p4.1a" }),
			"catalogue-inconsistent", "p4.1a"},
		{"duplicate subject kind", edited(t, func(c *derbes.Catalogue) { c.SubjectKinds[1].Key = "applicant" }),
			"catalogue-invalid", "applicant"},
		{"duplicate category in a purpose", edited(t, func(c *derbes.Catalogue) {
			p := c.Purpose("p4.2a")
			p.Categories = append(p.Categories, "phone")
		}), "catalogue-invalid", "phone"},
		{"purpose naming an unknown category", edited(t, func(c *derbes.Catalogue) {
			p := c.Purpose("p4.2d")
			p.Categories = append(p.Categories, "shoe_size")
		}), "catalogue-inconsistent", "shoe_size"},
		{"whole naming a category the purpose lacks", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2a").Whole = []string{"iin"} }),
			"catalogue-invalid", "iin"},
		{"whole naming an unmasked category", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2a").Whole = []string{"phone"} }),
			"catalogue-invalid", "phone"},
		{"category label without kk", edited(t, func(c *derbes.Catalogue) { c.Category("iin").Label.KK = "" }),
			"catalogue-inconsistent", "iin"},
		{"purpose title without ru", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2c").Title.RU = "" }),
			"catalogue-inconsistent", "p4.2c"},
		{"purpose description without en", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2e").Description.EN = " " }),
			"catalogue-invalid", "p4.2e"},
		{"kind label without kk", edited(t, func(c *derbes.Catalogue) { c.Citizenships[2].Label.KK = "" }),
			"catalogue-invalid", "stateless"},
		{"option label without kk", edited(t, func(c *derbes.Catalogue) { c.Category("tax_status").Options[1].Label.KK = "" }),
			"catalogue-invalid", "non-resident"},
		{"unknown value type", edited(t, func(c *derbes.Catalogue) { c.Category("income").Type = "float" }),
			"catalogue-invalid", "income"},
		{"unknown search mode", edited(t, func(c *derbes.Catalogue) { c.Category("address").Search = "fuzzy" }),
			"catalogue-invalid", "address"},
		{"unknown recipient kind", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2b3").RecipientKinds = []string{"bank"} }),
			"catalogue-invalid", "bank"},
		{"unknown storage event", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2d").Storage.From = "forever" }),
			"catalogue-invalid", "forever"},
		{"storage without months", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2d").Storage.Months = 0 }),
			"catalogue-inconsistent", "p4.2d"},
		{"consent without a form", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.2d").Basis.ConsentForm = "" }),
			"catalogue-invalid", "p4.2d"},
		{"art9 sub. 10 without a law", edited(t, func(c *derbes.Catalogue) { c.Purpose("rights").Basis.Law = "" }),
			"catalogue-invalid", "rights"},
		{"art9 without its case", edited(t, func(c *derbes.Catalogue) { c.Purpose("p5.1").Basis.Art9 = "" }),
			"catalogue-inconsistent", "p5.1"},
		{"unknown basis", edited(t, func(c *derbes.Catalogue) { c.Purpose("p4.1c").Basis.Kind = "contract" }),
			"catalogue-inconsistent", "p4.1c"},
		{"category without a clause", edited(t, func(c *derbes.Catalogue) { c.Category("photo").Policy = nil }),
			"catalogue-invalid", "photo"},
		{"version 0", replaced(t, `"version": 1,`, `"version": 0,`), "catalogue-inconsistent", "version"},
		{"version as text", replaced(t, `"version": 1,`, `"version": "1",`), "catalogue-json", "version"},
		{"trailing data", append(DefaultJSON(), []byte(`{}`)...), "catalogue-json", "trailing"},
		{"trailing garbage", append(DefaultJSON(), []byte(`x`)...), "catalogue-json", "invalid character"},
		{"empty", nil, "catalogue-json", "empty"},
		{"not an object", []byte(`[]`), "catalogue-json", "array"},
		{"invalid UTF-8", replaced(t, `"Талапкер`, "\"\xff"), "catalogue-json", "UTF-8"},
		{"truncated", DefaultJSON()[:1000], "catalogue-json", "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(tc.data)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", c)
			}
			if c != nil {
				t.Error("Parse returned a catalogue with its error")
			}
			if derbes.CodeOf(err) != derbes.EInvalid || derbes.RuleOf(err) != tc.rule {
				t.Errorf("code %s, rule %s, want invalid, %s: %v", derbes.CodeOf(err), derbes.RuleOf(err), tc.rule, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// covers N-4
func TestParseKeepsTheCause(t *testing.T) {
	_, err := Parse(replaced(t, `"version": 1,`, `"version": "1",`))
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		t.Errorf("%v: the json error is not in the chain", err)
	}
	if e := derbes.AsError(err); e == nil || e.Field == "" {
		t.Errorf("%v: no *derbes.Error with a field", err)
	}
}

// covers R-CAT-4
func TestParseAcceptsAnEdit(t *testing.T) {
	b := edited(t, func(c *derbes.Catalogue) {
		c.Version = 2
		c.Purpose("p4.2d").Storage.Months = 3
		c.Relationships = nil
	})
	c, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || c.Purpose("p4.2d").Storage.Months != 3 {
		t.Errorf("edit lost: version %d", c.Version)
	}
	// White space after the object is not trailing data.
	if _, err := Parse(append(DefaultJSON(), " \n\t"...)); err != nil {
		t.Errorf("trailing white space: %v", err)
	}
}
