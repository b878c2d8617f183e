package server

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/derbes-kz/derbes/internal/api"
)

// The OpenAPI document is read from disk rather than from package api, so
// that api exports nothing for tests; TestOpenAPIGolden in package api
// pins the embedded copy to the same bytes.
const openapiPath = "../api/openapi.yaml"

type oaDoc struct {
	OpenAPI    string                          `yaml:"openapi"`
	Security   *[]map[string][]string          `yaml:"security"`
	Paths      map[string]map[string]yaml.Node `yaml:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `yaml:"type"`
			Scheme string `yaml:"scheme"`
		} `yaml:"securitySchemes"`
		Parameters map[string]oaParam `yaml:"parameters"`
	} `yaml:"components"`
}

type oaParam struct {
	Ref      string `yaml:"$ref"`
	Name     string `yaml:"name"`
	In       string `yaml:"in"`
	Required bool   `yaml:"required"`
}

type oaOp struct {
	OperationID string                 `yaml:"operationId"`
	Summary     string                 `yaml:"summary"`
	Security    *[]map[string][]string `yaml:"security"`
	Parameters  []oaParam              `yaml:"parameters"`
	Responses   map[string]yaml.Node   `yaml:"responses"`
}

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// consolePrefixes are the path prefixes of the staff console: its HTML
// pages (/console/…) and their static assets (/static/console…). They are
// served by the same route table but are not part of the REST API, so
// openapi.yaml does not document them and TestOpenAPICoversRoutes skips
// them. They are recognised by pattern prefix, not by access level, so that
// the test does not depend on what the console's Access constant is called.
var consolePrefixes = []string{"/console", "/static/console"}

// isConsole reports whether a route pattern (or an OpenAPI path) belongs to
// the staff console rather than the REST API.
func isConsole(pattern string) bool {
	return slices.ContainsFunc(consolePrefixes, func(p string) bool { return strings.HasPrefix(pattern, p) })
}

// docPath is the OpenAPI path of a route pattern: "/{$}" (exactly "/")
// is "/"; wildcards keep their names.
func docPath(pattern string) string {
	return strings.ReplaceAll(pattern, "{$}", "")
}

func loadOpenAPI(t *testing.T) *oaDoc {
	t.Helper()
	raw, err := os.ReadFile(openapiPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc oaDoc
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", openapiPath, err)
	}
	return &doc
}

// TestOpenAPICoversRoutes checks the contract against the route table:
// the same (method, path) pairs both ways, each operation identified,
// summarised and with its client errors, and the security the route's
// access level implies. The staff console's routes (see consolePrefixes)
// are not part of the REST API and are left out.
//
// covers N-3
func TestOpenAPICoversRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Security != nil {
		t.Errorf("the document sets a global security requirement; each operation states its own")
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("components.securitySchemes.bearerAuth = %+v, want an HTTP bearer scheme", s)
	}

	type key struct{ method, path string }
	routes := map[key]Route{}
	for _, rt := range Routes(&api.API{}) {
		if isConsole(rt.Pattern) {
			continue // HTML pages and assets of the staff console, not the REST API
		}
		k := key{strings.ToLower(rt.Method), docPath(rt.Pattern)}
		if _, dup := routes[k]; dup {
			t.Errorf("route %s %s appears twice in the table", rt.Method, rt.Pattern)
		}
		routes[k] = rt
	}

	ops := map[key]oaOp{}
	pathParams := map[string][]oaParam{}
	for p, item := range doc.Paths {
		for name, node := range item {
			if name == "parameters" {
				var ps []oaParam
				if err := node.Decode(&ps); err != nil {
					t.Fatalf("%s parameters: %v", p, err)
				}
				pathParams[p] = ps
				continue
			}
			if !slices.Contains(oaMethods, name) {
				continue // summary, description, servers, …
			}
			var op oaOp
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", name, p, err)
			}
			ops[key{name, p}] = op
		}
	}

	for k, rt := range routes {
		if _, ok := ops[k]; !ok {
			t.Errorf("route %s %s is not in openapi.yaml (as %s %s)", rt.Method, rt.Pattern, k.method, k.path)
		}
	}
	ids := map[string]key{}
	wildcard := regexp.MustCompile(`\{([^}]+)\}`)
	for k, op := range ops {
		where := strings.ToUpper(k.method) + " " + k.path
		if isConsole(k.path) {
			t.Errorf("openapi.yaml documents %s, a staff-console path that is not part of the REST API", where)
			continue
		}
		rt, ok := routes[k]
		if !ok {
			t.Errorf("openapi.yaml documents %s, which no route serves", where)
			continue
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", where)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s: operationId %q is also used by %s %s", where, op.OperationID, other.method, other.path)
		}
		ids[op.OperationID] = k
		if strings.TrimSpace(op.Summary) == "" {
			t.Errorf("%s: no summary", where)
		}

		var ok2xx, has4xx bool
		for code := range op.Responses {
			ok2xx = ok2xx || code[0] == '2'
			has4xx = has4xx || code[0] == '4'
		}
		if !ok2xx {
			t.Errorf("%s: no 2xx response", where)
		}
		// Public routes take no input and cannot fail with a client error
		// (a wrong method or path is answered by the catch-all 404, not by
		// them); every other operation documents its 4xx responses.
		if rt.Access != Public && !has4xx {
			t.Errorf("%s: no 4xx response", where)
		}

		switch rt.Access {
		case Public:
			if op.Security == nil || len(*op.Security) != 0 {
				t.Errorf("%s: a public route must say security: []", where)
			}
		case Token:
			if op.Security == nil || len(*op.Security) != 1 {
				t.Errorf("%s: a token route must require exactly bearerAuth", where)
			} else if _, ok := (*op.Security)[0]["bearerAuth"]; !ok || len((*op.Security)[0]) != 1 {
				t.Errorf("%s: security = %v, want bearerAuth", where, *op.Security)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s: a token route must document 401", where)
			}
		default:
			t.Errorf("%s: access %q has no security rule in this test", where, rt.Access)
		}
		// State-changing requests pass the cross-origin check, which
		// answers 403.
		if k.method != "get" {
			if _, ok := op.Responses["403"]; !ok {
				t.Errorf("%s: a state-changing route must document 403 (cross-origin)", where)
			}
		}

		// Each path wildcard is a required path parameter.
		params := map[string]oaParam{}
		for _, p := range append(slices.Clone(pathParams[k.path]), op.Parameters...) {
			if ref, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
				p = doc.Components.Parameters[ref]
			}
			if p.In == "path" {
				params[p.Name] = p
			}
		}
		var names []string
		for _, m := range wildcard.FindAllStringSubmatch(k.path, -1) {
			names = append(names, m[1])
			if p, ok := params[m[1]]; !ok || !p.Required {
				t.Errorf("%s: path parameter %q is not declared as required", where, m[1])
			}
		}
		for name := range params {
			if !slices.Contains(names, name) {
				t.Errorf("%s: declares path parameter %q that the path does not have", where, name)
			}
		}
	}
}
