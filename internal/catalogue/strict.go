package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/derbes-kz/derbes"
)

// frame is one open JSON object or array while scanning.
type frame struct {
	object    bool
	members   map[string]bool // names seen so far (objects)
	expectKey bool            // the next string token is a member name (objects)
	name      string          // the current member name (objects)
	index     int             // the current element (arrays)
}

// scan walks the tokens of data before it is decoded and refuses what
// encoding/json would silently accept: a member repeated in one object (the
// last would win), a member name that matches a field only when case is
// ignored ("Key" for "key"), and a second value after the first.
// Errors: "catalogue-json", "catalogue-duplicate-member",
// "catalogue-unknown-field".
func scan(data []byte) error {
	names := memberNames(reflect.TypeFor[derbes.Catalogue]())
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	values := 0 // top-level values seen
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return invalid(or(path(stack), "catalogue"), "catalogue-json", "syntax: "+err.Error(), err)
		}
		if len(stack) == 0 {
			if values++; values > 1 {
				return invalid("catalogue", "catalogue-json", "trailing data after the catalogue object", nil)
			}
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.expectKey {
			if err := member(stack, top, s, names); err != nil {
				return err
			}
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, members: map[string]bool{}, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				continue
			}
			top = stack[len(stack)-1]
		}
		// A value ended: the next token in an object is a name again.
		if top != nil {
			if top.object {
				top.expectKey = true
			} else {
				top.index++
			}
		}
	}
	if values == 0 {
		return invalid("catalogue", "catalogue-json", "empty input: no catalogue object", nil)
	}
	return nil
}

// member checks and records the member name s of the object top.
func member(stack []*frame, top *frame, s string, names map[string]bool) error {
	if !names[s] {
		return invalid(join(path(stack), s), "catalogue-unknown-field",
			fmt.Sprintf("unknown member %q (names are case-sensitive)", s), nil)
	}
	if top.members[s] {
		return invalid(join(path(stack), s), "catalogue-duplicate-member",
			fmt.Sprintf("member %q appears twice in one object", s), nil)
	}
	top.members[s] = true
	top.name = s
	top.expectKey = false
	return nil
}

// path renders the position of the innermost open value as a JSON path,
// "categories[3].label"; the top-level object is "".
func path(stack []*frame) string {
	p := ""
	for i, f := range stack {
		last := i == len(stack)-1
		switch {
		case f.object && f.name != "" && !(last && f.expectKey):
			p = join(p, f.name)
		case !f.object:
			p += fmt.Sprintf("[%d]", f.index)
		}
	}
	return p
}

// join appends member name to JSON path p.
func join(p, name string) string {
	if p == "" {
		return name
	}
	return p + "." + name
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// memberNames returns the JSON member names of the struct type t and of
// every struct type reachable from it.
func memberNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			names[name] = true
			walk(f.Type)
		}
	}
	walk(t)
	return names
}
