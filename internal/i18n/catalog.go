package i18n

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"
)

//go:embed messages/*.json
var embedded embed.FS

// Catalog holds the messages of every supported language. It is immutable
// once built, so one Catalog may serve any number of goroutines.
type Catalog struct {
	msgs map[Lang]map[string]string
}

// Default returns the catalogue embedded in the binary (messages/kk.json,
// ru.json and en.json). Its error, which a test rules out, is one of
// [Load]'s.
func Default() (*Catalog, error) {
	sub, err := fs.Sub(embedded, "messages")
	if err != nil {
		return nil, fmt.Errorf("i18n: embedded messages: %w", err)
	}
	return Load(sub)
}

// Load reads one file per supported language from fsys, named after the
// language ("kk.json", "ru.json", "en.json"). Each must hold one JSON object
// whose values are all strings. Load fails, naming the file, if a file is
// missing or unreadable, is not such an object, repeats a key, or has an
// empty key. It does not check completeness: that is [Catalog.Missing].
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{msgs: make(map[Lang]map[string]string, len(Langs))}
	for _, l := range Langs {
		name := string(l) + ".json"
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m, err := parseMessages(data)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", name, err)
		}
		c.msgs[l] = m
	}
	return c, nil
}

// parseMessages decodes a flat JSON object of strings, refusing repeated
// keys, which encoding/json would otherwise let the last one win silently.
func parseMessages(data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("want one JSON object of strings")
	}
	m := make(map[string]string)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		if key == "" {
			return nil, errors.New("empty key")
		}
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, fmt.Errorf("key %q: the value must be a string: %w", key, err)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		m[key] = text
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return m, nil
}

// T returns the message key in language l with its placeholders filled.
// args are name/value pairs: T(KK, "subjects.found", "count", 3).
//
// If the catalogue has no key, T looks for plural forms: key.one, key.few,
// key.many or key.other, chosen by the argument named "count" under l's
// plural rules (key.other when the count is not an integer or is absent).
//
// Each {name} in the text is replaced by the value of the argument name:
// integers are formatted with [FormatNumber], a time.Time with [FormatDate],
// anything else with fmt.Sprint. A placeholder without an argument stays
// as it is. An unsupported l is treated as KK.
//
// T has no error and never panics: a key missing (or empty) in l yields
// "[key]", so the gap shows on the page and in tests.
func (c *Catalog) T(l Lang, key string, args ...any) string {
	l = l.orDefault()
	text, ok := c.lookup(l, key, args)
	if !ok {
		return "[" + key + "]"
	}
	if len(args) < 2 || !strings.Contains(text, "{") {
		return text
	}
	return fill(l, text, args)
}

// Has reports whether T(l, key, …) finds a message: key itself or, for a
// plural message, key.other. A caller can use it to fall back to a generic
// message (say errors.invalid for a rule without its own). It has no error.
func (c *Catalog) Has(l Lang, key string) bool {
	m := c.msgs[l.orDefault()]
	return m[key] != "" || m[key+"."+formOther] != ""
}

// lookup finds the text of key in l, resolving plural forms.
func (c *Catalog) lookup(l Lang, key string, args []any) (string, bool) {
	m := c.msgs[l]
	if text := m[key]; text != "" {
		return text, true
	}
	form := formOther
	if count, ok := arg(args, "count"); ok {
		form = countForm(l, count)
	}
	if text := m[key+"."+form]; text != "" {
		return text, true
	}
	text := m[key+"."+formOther]
	return text, text != ""
}

// arg returns the value of the argument called name.
func arg(args []any, name string) (any, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if s, ok := args[i].(string); ok && s == name || !ok && fmt.Sprint(args[i]) == name {
			return args[i+1], true
		}
	}
	return nil, false
}

// fill replaces every {name} in text that has an argument.
func fill(l Lang, text string, args []any) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(text, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(text[open:], '}')
		if end < 0 {
			break
		}
		name := text[open+1 : open+end]
		b.WriteString(text[:open])
		if v, ok := arg(args, name); ok && name != "" {
			b.WriteString(formatArg(l, v))
		} else {
			b.WriteString(text[open : open+end+1])
		}
		text = text[open+end+1:]
	}
	b.WriteString(text)
	return b.String()
}

// formatArg writes a placeholder value the way l writes it.
func formatArg(l Lang, v any) string {
	if n, ok := asInt64(v); ok {
		return FormatNumber(l, n)
	}
	if t, ok := v.(time.Time); ok {
		return FormatDate(l, t)
	}
	return fmt.Sprint(v)
}

// Missing returns, for each language that has gaps, the sorted keys it
// lacks or leaves empty while another language has them. A plural message
// counts by its base key: each language must have every form its rules use
// (kk and en key.one and key.other; ru also key.few and key.many), so a
// Russian .few needs no English twin. A complete catalogue returns an empty
// map; the completeness test asserts that (requirement N-3). It has no error.
func (c *Catalog) Missing() map[Lang][]string {
	plural := make(map[string]bool) // every message: base key → plural?
	for _, m := range c.msgs {
		for key := range m {
			if base, _ := splitPlural(key); base != "" {
				plural[base] = true
			} else if !plural[key] {
				plural[key] = false
			}
		}
	}
	missing := make(map[Lang][]string)
	for _, l := range Langs {
		m := c.msgs[l]
		for _, base := range slices.Sorted(maps.Keys(plural)) {
			if !plural[base] {
				if m[base] == "" {
					missing[l] = append(missing[l], base)
				}
				continue
			}
			for _, form := range pluralForms(l) {
				if key := base + "." + form; m[key] == "" {
					missing[l] = append(missing[l], key)
				}
			}
		}
	}
	return missing
}

// splitPlural splits the key of a plural form into its base and form
// ("common.records.few" → "common.records", "few"). For any other key it
// returns "", "".
func splitPlural(key string) (base, form string) {
	if i := strings.LastIndexByte(key, '.'); i > 0 && isPluralForm(key[i+1:]) {
		return key[:i], key[i+1:]
	}
	return "", ""
}
