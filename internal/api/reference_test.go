package api

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

const apiReference = "../../docs/api.md"

// apiMarkdown renders the API reference from openapi.yaml: per tag, each
// operation with its method, path, summary, description and answers.
func apiMarkdown(t *testing.T) string {
	doc := loadOpenAPI(t)
	var b strings.Builder
	b.WriteString("# API reference\n\nGenerated from `internal/api/openapi.yaml` (served at `/api/v1/openapi.yaml`, the contract) by\n")
	b.WriteString("`go test ./internal/api -run TestAPIReference -update`; a test keeps it current. Every call takes\n")
	b.WriteString("`Authorization: Bearer TOKEN` unless marked public; refusals are `application/problem+json` (RFC 9457) naming\n")
	b.WriteString("the field and the rule. Examples: [integration.md](integration.md).\n")
	type op struct {
		tag, method, path string
		v                 map[string]any
	}
	var ops []op
	var tags []string
	for _, tg := range doc["tags"].([]any) {
		tags = append(tags, at(tg, "name").(string))
	}
	for p, item := range doc["paths"].(map[string]any) {
		for m, o := range item.(map[string]any) {
			om, ok := o.(map[string]any)
			if !ok {
				continue
			}
			tag := "other"
			if ts, ok := om["tags"].([]any); ok && len(ts) > 0 {
				tag = ts[0].(string)
			}
			ops = append(ops, op{tag, strings.ToUpper(m), p, om})
		}
	}
	slices.SortFunc(ops, func(a, c op) int {
		if d := slices.Index(tags, a.tag) - slices.Index(tags, c.tag); d != 0 {
			return d
		}
		if a.path != c.path {
			return strings.Compare(a.path, c.path)
		}
		return strings.Compare(a.method, c.method)
	})
	last := ""
	for _, o := range ops {
		if o.tag != last {
			fmt.Fprintf(&b, "\n## %s\n", o.tag)
			last = o.tag
		}
		fmt.Fprintf(&b, "\n### `%s %s`\n\n", o.method, o.path)
		if s, ok := o.v["summary"].(string); ok {
			b.WriteString(s + ".")
		}
		if sec, ok := o.v["security"].([]any); ok && len(sec) == 0 {
			b.WriteString(" Public.")
		}
		b.WriteString("\n")
		if d, ok := o.v["description"].(string); ok {
			b.WriteString("\n" + strings.TrimSpace(d) + "\n")
		}
		var codes []string
		for c := range o.v["responses"].(map[string]any) {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		fmt.Fprintf(&b, "\nAnswers: %s.\n", strings.Join(codes, ", "))
	}
	return b.String()
}

// covers the documents item (the API reference from the OpenAPI
// document): docs/api.md is what the document renders to.
func TestAPIReference(t *testing.T) {
	got := apiMarkdown(t)
	if *update {
		if err := os.WriteFile(apiReference, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(apiReference)
	if err != nil || string(want) != got {
		t.Fatalf("docs/api.md is stale (%v): run go test ./internal/api -run TestAPIReference -update", err)
	}
}
