package calendar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/derbes-kz/derbes"
)

// The data files are edited by hand by an operator, so a mistake must be
// refused with a message that points at the line to fix, not silently
// ignored. encoding/json's DisallowUnknownFields names the unknown key but
// not where it is, and it lets duplicate keys through (the last one wins),
// so objects are walked token by token here and every error carries the
// file and the JSON path of the field ("2026.json:transfers[1].date").

// maxString bounds names and references: they are shown on a page, and a
// megabyte of text in a reference is a mistake, not a citation.
const maxString = 1000

// bad returns the error of every rule this package checks in a file.
func bad(file, path, rule, format string, args ...any) error {
	field := file
	if path != "" {
		field = file + ":" + path
	}
	return derbes.Invalid(field, rule, fmt.Sprintf(format, args...))
}

// document checks that data is one well-formed JSON value in UTF-8 and
// returns it. A leading byte-order mark is dropped because some editors
// on operators' desktops add one, and it is not a mistake worth a refusal.
func document(file string, data []byte) (json.RawMessage, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return nil, bad(file, "", "json-utf8", "the file is not valid UTF-8")
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, bad(file, "", "json-syntax", "invalid JSON at byte %d: %v", syn.Offset, err)
		}
		return nil, bad(file, "", "json-syntax", "invalid JSON: %v", err)
	}
	return raw, nil
}

// object reads the JSON object raw at path, refusing keys outside allowed
// and keys given twice. A missing key is absent from the result: the
// caller decides what is required.
func object(file, path string, raw json.RawMessage, allowed ...string) (map[string]json.RawMessage, error) {
	if raw == nil {
		return nil, bad(file, path, "required", "the field is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, bad(file, path, "json-type", "must be an object")
	}
	fields := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, bad(file, path, "json-syntax", "invalid JSON: %v", err)
		}
		key, _ := tok.(string) // object keys are always strings
		at := join(path, key)
		if !slices.Contains(allowed, key) {
			return nil, bad(file, at, "unknown-field", "unknown field (allowed: %v)", allowed)
		}
		if _, dup := fields[key]; dup {
			return nil, bad(file, at, "duplicate-field", "the field is given twice")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, bad(file, at, "json-syntax", "invalid JSON: %v", err)
		}
		fields[key] = v
	}
	return fields, nil
}

// join appends a key to a JSON path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// array reads the JSON array raw at path. max bounds its length.
func array(file, path string, raw json.RawMessage, max int) ([]json.RawMessage, error) {
	if raw == nil {
		return nil, bad(file, path, "required", "the field is required (use [] for none)")
	}
	var items []json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil {
		return nil, bad(file, path, "json-type", "must be an array")
	}
	if len(items) > max {
		return nil, bad(file, path, "too-many", "at most %d entries", max)
	}
	return items, nil
}

// text reads a required, non-empty JSON string.
func text(file, path string, raw json.RawMessage) (string, error) {
	if raw == nil {
		return "", bad(file, path, "required", "the field is required")
	}
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", bad(file, path, "json-type", "must be a string")
	}
	if len(bytes.TrimSpace([]byte(s))) == 0 {
		return "", bad(file, path, "required", "must not be empty")
	}
	if len(s) > maxString {
		return "", bad(file, path, "too-long", "at most %d bytes", maxString)
	}
	return s, nil
}

// optionalText reads a JSON string that may be absent.
func optionalText(file, path string, raw json.RawMessage) (string, error) {
	if raw == nil {
		return "", nil
	}
	return text(file, path, raw)
}

// integer reads a JSON integer. Fractions and exponents are refused
// rather than rounded: "2025.5" is a typo, not a year.
func integer(file, path string, raw json.RawMessage) (int, error) {
	if raw == nil {
		return 0, bad(file, path, "required", "the field is required")
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, bad(file, path, "json-type", "must be an integer")
	}
	return n, nil
}

// boolean reads a required JSON true or false. It is required, not
// defaulted, because for weekend_move a forgotten field would silently
// change deadlines.
func boolean(file, path string, raw json.RawMessage) (bool, error) {
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "":
		return false, bad(file, path, "required", "the field is required")
	}
	return false, bad(file, path, "json-type", "must be true or false")
}
