package service

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/ident"
)

// Limits on free-form values: generous for real documents, small enough
// that one request cannot fill the vault.
const (
	maxTextRunes = 4000
	maxKVPairs   = 50
	maxKVKey     = 64
)

// checked is a validated value: its canonical plaintext and, for searchable
// categories, the normalised form its blind index is computed from.
type checked struct {
	cat   *derbes.Category
	plain string
	index string
}

// checkValue validates raw (a JSON value from a request) as a value of cat
// for a subject of the given citizenship status, and returns its canonical
// form. Errors are EInvalid naming field and rule, never the value.
func checkValue(field string, cat *derbes.Category, citizenship string, raw json.RawMessage) (checked, error) {
	out := checked{cat: cat}
	if cat.Type == derbes.TypeKV {
		plain, err := checkKV(field, raw)
		out.plain = plain
		return out, err
	}
	if cat.Type == derbes.TypeFile {
		return out, derbes.Invalid(field, "file-upload-required", "files are uploaded as documents, not sent as values")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return out, derbes.Invalid(field, "type-string", "the value must be a JSON string")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return out, derbes.Invalid(field, "required", "the value is empty")
	}
	plain, index, err := canonical(cat, citizenship, s)
	if err != nil {
		if e := derbes.AsError(err); e != nil {
			ce := *e
			ce.Field = field
			return out, &ce
		}
		return out, derbes.Invalid(field, "format", "the value is not valid")
	}
	out.plain = plain
	if cat.Search == derbes.SearchExact {
		out.index = index
	}
	return out, nil
}

// canonical validates and normalises one string value by type. The second
// result is the key the blind index is computed from.
func canonical(cat *derbes.Category, citizenship, s string) (string, string, error) {
	switch cat.Type {
	case derbes.TypeIIN:
		_, err := ident.IIN(s)
		return s, s, err
	case derbes.TypeBIN:
		return s, s, ident.BIN(s)
	case derbes.TypeDocNumber:
		n, err := ident.DocNumber(s, citizenship == "kz-citizen")
		return n, n, err
	case derbes.TypePhone:
		n, _, err := ident.Phone(s)
		return n, n, err
	case derbes.TypeEmail:
		n, err := ident.Email(s)
		return n, n, err
	case derbes.TypeName:
		n, err := ident.Name(s)
		return n, ident.FoldName(n), err
	case derbes.TypeDate:
		t, err := ident.Date(s)
		if err != nil {
			return "", "", err
		}
		return t.Format("2006-01-02"), t.Format("2006-01-02"), nil
	case derbes.TypeCountry:
		n, err := ident.Country(s)
		return n, n, err
	case derbes.TypeMoney:
		n, err := ident.Money(s)
		return n, n, err
	case derbes.TypeEnum:
		if !slices.ContainsFunc(cat.Options, func(o derbes.Option) bool { return o.Key == s }) {
			return "", "", derbes.Invalid("", "enum-option", "the value is not one of the category's options")
		}
		return s, s, nil
	default:
		if err := checkText(s); err != nil {
			return "", "", err
		}
		return s, strings.ToLower(s), nil
	}
}

func checkText(s string) error {
	if !utf8.ValidString(s) {
		return derbes.Invalid("", "text-utf8", "the text is not valid UTF-8")
	}
	if utf8.RuneCountInString(s) > maxTextRunes {
		return derbes.Invalid("", "text-length", "the text is longer than 4000 characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return derbes.Invalid("", "text-control", "the text contains control characters")
		}
	}
	return nil
}

// checkKV validates "other information" (P-3.2.1m): a flat JSON object of
// strings, and returns it in a canonical encoding (sorted keys).
func checkKV(field string, raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var m map[string]string
	if err := dec.Decode(&m); err != nil || m == nil {
		return "", derbes.Invalid(field, "type-object", "the value must be a JSON object of strings")
	}
	if len(m) == 0 || len(m) > maxKVPairs {
		return "", derbes.Invalid(field, "kv-size", "the object must have 1 to 50 entries")
	}
	for k, v := range m {
		if k == "" || utf8.RuneCountInString(k) > maxKVKey || checkText(k) != nil {
			return "", derbes.Invalid(field, "kv-key", "a key is empty, too long or not plain text")
		}
		if err := checkText(v); err != nil {
			return "", derbes.Invalid(field, "kv-value", "a value is too long or not plain text")
		}
	}
	b, err := json.Marshal(m) // encoding/json sorts map keys: canonical
	if err != nil {
		return "", derbes.Invalid(field, "type-object", "the value must be a JSON object of strings")
	}
	return string(b), nil
}
