// Package catalogue loads the approved catalogue of personal data (R-CAT-1..4,
// Law 94-V Art. 25 p.2 sub.1): the subject kinds, citizenship statuses,
// relationships of representatives, data categories and purposes that
// derbes may process.
//
// The operator's default catalogue is the seed policy, complete, shipped as
// default.json inside the binary (Default, DefaultJSON). An edited catalogue
// is read with Parse, which is strict: unknown, misspelt or repeated JSON
// members, trailing data and anything (*derbes.Catalogue).Check or this
// package's own consistency rules refuse are errors, so that a catalogue
// edit never half-applies. README.md maps the policy clauses to category
// keys and purpose codes and explains each purpose's category list.
package catalogue

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
)

//go:embed default.json
var defaultJSON string

// DefaultJSON returns the embedded default catalogue as JSON, a fresh copy
// on every call. It cannot fail.
func DefaultJSON() []byte { return []byte(defaultJSON) }

// Default parses the embedded default catalogue and returns a fresh copy
// that the caller may change.
// Errors: those of Parse, wrapped; they mean the shipped default.json is
// broken, which the package tests rule out.
func Default() (*derbes.Catalogue, error) {
	c, err := Parse(DefaultJSON())
	if err != nil {
		return nil, fmt.Errorf("catalogue: embedded default.json: %w", err)
	}
	return c, nil
}

// Parse decodes a catalogue from JSON and validates it. Decoding is strict:
// the input must be one JSON object in valid UTF-8 whose members all exist
// in derbes.Catalogue under their exact (case-sensitive) names, each at most
// once per object, with nothing but white space after it. The result must
// then pass (*derbes.Catalogue).Check and the rules of this package (see
// validate.go): labels, titles and descriptions in kk, ru and en; known
// value types, search modes, storage events and recipient kinds; consent
// forms that fit the basis; Whole a subset of the purpose's masked
// categories.
// Errors (*derbes.Error, EInvalid, in the chain with the underlying cause):
// "catalogue-json" (not valid JSON or UTF-8, wrong value types, trailing
// data), "catalogue-unknown-field", "catalogue-duplicate-member",
// "catalogue-inconsistent" (Check failed) and "catalogue-invalid" (this
// package's rules). Messages name the offending member, key or code.
func Parse(data []byte) (*derbes.Catalogue, error) {
	if !utf8.Valid(data) {
		return nil, invalid("catalogue", "catalogue-json", "the catalogue is not valid UTF-8", nil)
	}
	if err := scan(data); err != nil {
		return nil, err
	}
	var c derbes.Catalogue
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("catalogue", "catalogue-json", "trailing data after the catalogue object", err)
	}
	if err := c.Check(); err != nil {
		msg := strings.TrimPrefix(err.Error(), "catalogue: ")
		return nil, invalid("catalogue", "catalogue-inconsistent", msg, err)
	}
	if err := validate(&c); err != nil {
		return nil, err
	}
	return &c, nil
}

// decodeError classifies an error of json.Decoder.Decode.
func decodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := typeErr.Field
		if field == "" {
			field = "catalogue"
		}
		return invalid(field, "catalogue-json", "decode: "+err.Error(), err)
	}
	// encoding/json reports an unknown member only as text.
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return invalid("catalogue", "catalogue-unknown-field", "decode: "+msg, err)
	}
	return invalid("catalogue", "catalogue-json", "decode: "+err.Error(), err)
}
