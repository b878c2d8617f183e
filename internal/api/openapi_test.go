package api

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/policy"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

const openapiGolden = "testdata/openapi.golden.yaml"

// TestOpenAPIGolden pins the contract: the document the server embeds and
// serves must equal the golden copy byte for byte, so that any change of
// the API contract is a deliberate two-file change (openapi.yaml and,
// with -update, its golden).
//
// covers N-3
func TestOpenAPIGolden(t *testing.T) {
	if *update {
		if err := os.MkdirAll(filepath.Dir(openapiGolden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(openapiGolden, openapiDoc, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", openapiGolden)
	}
	golden, err := os.ReadFile(openapiGolden)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api -run TestOpenAPIGolden -update to create it)", err)
	}
	if bytes.Equal(openapiDoc, golden) {
		return
	}
	got, want := strings.Split(string(openapiDoc), "\n"), strings.Split(string(golden), "\n")
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w || i >= len(got) || i >= len(want) {
			t.Fatalf("openapi.yaml differs from %s at line %d:\n openapi.yaml: %q\n golden:       %q\n"+
				"if the contract change is intended, run go test ./internal/api -run TestOpenAPIGolden -update",
				openapiGolden, i+1, g, w)
		}
	}
	t.Fatalf("openapi.yaml differs from %s", openapiGolden)
}

// loadOpenAPI parses the embedded document as generic YAML.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatalf("openapi.yaml is not YAML: %v", err)
	}
	return doc
}

// at walks doc along a JSON-pointer-like path of keys.
func at(doc any, keys ...string) any {
	for _, k := range keys {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[k]
	}
	return doc
}

// covers N-3
func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	if at(doc, "info", "title") != "derbes" || at(doc, "info", "version") != "0.1.0" {
		t.Errorf("info title %v version %v, want derbes 0.1.0", at(doc, "info", "title"), at(doc, "info", "version"))
	}
	if s, _ := doc["servers"].([]any); len(s) == 0 || at(s[0], "url") != "http://127.0.0.1:8080" {
		t.Errorf("servers = %v, want http://127.0.0.1:8080 first", doc["servers"])
	}
	if at(doc, "components", "securitySchemes", "bearerAuth", "type") != "http" ||
		at(doc, "components", "securitySchemes", "bearerAuth", "scheme") != "bearer" {
		t.Errorf("components.securitySchemes.bearerAuth is not an HTTP bearer scheme")
	}
	for _, name := range []string{"SubjectCreate", "SubjectUpdate", "Search", "Consent", "ConsentInput", "SubjectView",
		"ValueView", "Source", "AuditEntry", "VerifyReport", "Finding", "Catalogue", "Problem"} {
		if at(doc, "components", "schemas", name) == nil {
			t.Errorf("components.schemas.%s is missing", name)
		}
	}
	// Every $ref points at something in this document.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				target, found := strings.CutPrefix(ref, "#/")
				if !found || at(doc, strings.Split(target, "/")...) == nil {
					t.Errorf("%s: $ref %q does not resolve", path, ref)
				}
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path+"[]", c)
			}
		}
	}
	walk("#", doc)
	// Problem responses are problem+json with the Problem schema.
	for p, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			for code, resp := range at(op, "responses").(map[string]any) {
				if code[0] != '4' && code[0] != '5' {
					continue
				}
				if ref, ok := at(resp, "$ref").(string); ok {
					resp = at(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...)
				}
				if at(resp, "content", "application/problem+json", "schema", "$ref") != "#/components/schemas/Problem" {
					t.Errorf("%s %s: response %s is not application/problem+json with the Problem schema", method, p, code)
				}
			}
		}
	}
}

// jsonFields returns the JSON names of a struct type's fields and which of
// them are always present (no omitempty).
func jsonFields(typ reflect.Type) (all, always []string) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") {
			always = append(always, name)
		}
	}
	slices.Sort(all)
	slices.Sort(always)
	return all, always
}

func stringList(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	slices.Sort(out)
	return out
}

// TestOpenAPISchemasMatchGoTypes keeps the schemas and the Go types that
// are decoded from or encoded to JSON in step: the same properties, and a
// property is required exactly when the Go field is always encoded (and,
// in requests, when the server refuses its absence). Request schemas
// refuse unknown properties, as decode does.
//
// covers N-3
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	for _, c := range []struct {
		schema  string
		typ     reflect.Type
		request bool
	}{
		{"SubjectCreate", reflect.TypeFor[createSubjectBody](), true},
		{"SubjectUpdate", reflect.TypeFor[updateSubjectBody](), true},
		{"Search", reflect.TypeFor[searchBody](), true},
		{"ConsentInput", reflect.TypeFor[consentBody](), true},
		{"Source", reflect.TypeFor[derbes.Source](), true},
		{"Consent", reflect.TypeFor[consentView](), false},
		{"SubjectView", reflect.TypeFor[service.SubjectView](), false},
		{"ValueView", reflect.TypeFor[service.ValueView](), false},
		{"AuditEntry", reflect.TypeFor[auditEntryView](), false},
		{"VerifyReport", reflect.TypeFor[service.VerifyReport](), false},
		{"Finding", reflect.TypeFor[derbes.Finding](), false},
		{"Catalogue", reflect.TypeFor[derbes.Catalogue](), false},
		{"Problem", reflect.TypeFor[Problem](), false},
		{"Evidence", reflect.TypeFor[derbes.Evidence](), true},
		{"Recipient", reflect.TypeFor[derbes.Recipient](), false},
		{"ConsentTerms", reflect.TypeFor[derbes.ConsentTerms](), false},
		{"ConsentEvent", reflect.TypeFor[consentEventView](), false},
		{"ConsentRefusal", reflect.TypeFor[refuseBody](), true},
		{"WithdrawalRefusal", reflect.TypeFor[reasonBody](), true},
		{"Withdrawal", reflect.TypeFor[service.Withdrawal](), false},
		{"CodeRequest", reflect.TypeFor[codeBody](), true},
		{"Challenge", reflect.TypeFor[service.Challenge](), false},
		{"CodeCheck", reflect.TypeFor[verifyCodeBody](), true},
		{"LegacyItem", reflect.TypeFor[service.LegacyItem](), false},
		{"PolicyPublish", reflect.TypeFor[publishPolicyBody](), true},
		{"PolicyVersion", reflect.TypeFor[policy.Version](), false},
		{"PolicyAdds", reflect.TypeFor[policy.Adds](), false},
		{"PolicyList", reflect.TypeFor[policyView](), false},
		{"ReconsentItem", reflect.TypeFor[service.ReconsentItem](), false},
		{"StaffCreate", reflect.TypeFor[staffBody](), true},
		{"Staff", reflect.TypeFor[service.StaffView](), false},
		{"Permission", reflect.TypeFor[derbes.Permission](), true},
		{"Role", reflect.TypeFor[derbes.Role](), false},
		{"RoleUpdate", reflect.TypeFor[roleBody](), true},
		{"InstructionText", reflect.TypeFor[service.InstructionText](), true},
		{"InstructionsPublish", reflect.TypeFor[instructionsBody](), true},
		{"Instructions", reflect.TypeFor[service.Instructions](), false},
		{"AppointmentCreate", reflect.TypeFor[appointmentBody](), true},
		{"Appointment", reflect.TypeFor[service.Appointment](), false},
		{"ProblemItem", reflect.TypeFor[derbes.Problem](), false},
		{"RegistryRecipient", reflect.TypeFor[store.Recipient](), false},
		{"TransferCreate", reflect.TypeFor[transferBody](), true},
		{"TransferResult", reflect.TypeFor[service.TransferResult](), false},
		{"Transfer", reflect.TypeFor[store.Transfer](), false},
		{"TransferItem", reflect.TypeFor[store.TransferItem](), false},
		{"Received", reflect.TypeFor[service.Received](), false},
		{"LifeHealthCreate", reflect.TypeFor[lifeHealthBody](), true},
		{"BlockCreate", reflect.TypeFor[blockBody](), true},
		{"AuthorityRequest", reflect.TypeFor[store.AuthorityRequest](), false},
		{"AuthorityDecision", reflect.TypeFor[decisionBody](), true},
		{"NoticeResult", reflect.TypeFor[service.NoticeResult](), false},
		{"Order", reflect.TypeFor[store.Order](), false},
		{"OrderEvent", reflect.TypeFor[service.OrderEventView](), false},
		{"OrderMove", reflect.TypeFor[statusBody](), true},
		{"OrderDocument", reflect.TypeFor[store.FileInfo](), false},
		{"Block", reflect.TypeFor[store.Block](), false},
		{"Request", reflect.TypeFor[service.RequestView](), false},
		{"RequestUpdate", reflect.TypeFor[requestUpdateBody](), true},
		{"RecipientNotice", reflect.TypeFor[store.RecipientNotice](), false},
		{"NoticeSent", reflect.TypeFor[sentBody](), true},
		{"DestructionCreate", reflect.TypeFor[destroyBody](), true},
		{"Erasure", reflect.TypeFor[store.Erasure](), false},
		{"Breach", reflect.TypeFor[store.Breach](), false},
		{"BreachMove", reflect.TypeFor[breachMoveBody](), true},
		{"RetentionItem", reflect.TypeFor[service.RetentionItem](), false},
		{"RetentionPlan", reflect.TypeFor[service.RetentionPlan](), false},
		{"RetentionAct", reflect.TypeFor[service.RetentionAct](), false},
		{"HoldCreate", reflect.TypeFor[holdBody](), true},
		{"Hold", reflect.TypeFor[service.HoldView](), false},
		{"ExtractCreate", reflect.TypeFor[extractBody](), true},
		{"StatsSpec", reflect.TypeFor[service.StatsSpec](), false},
		{"StatView", reflect.TypeFor[service.StatView](), false},
		{"StatCount", reflect.TypeFor[service.StatCount](), false},
		{"StatsExtract", reflect.TypeFor[service.StatsExtract](), false},
		{"WebhookCreate", reflect.TypeFor[webhookBody](), true},
		{"ExportCreate", reflect.TypeFor[exportBody](), true},
		{"ExportJob", reflect.TypeFor[exportJob](), false},
		{"Webhook", reflect.TypeFor[store.Webhook](), false},
		{"WebhookDelivery", reflect.TypeFor[service.WebhookDelivery](), false},
		// Not listed: RecipientCreate (recipientBody), AuthorityRequestCreate
		// (authorityBody), OrderCreate (orderBody) and RequestCreate
		// (requestBody), whose optional fields (regNumber, contact;
		// confidential; institutions, programme; details, identityCheck) have
		// no omitempty, so this test would have the schemas require them; and
		// OrderView, an allOf over Order (service.OrderView embeds it). Nor
		// BreachCreate (breachBody), whose optional fields (categories,
		// subjects, measures, personal) have no omitempty, and BreachView,
		// an allOf over Breach (service.BreachView embeds store.Breach).
	} {
		s := at(doc, "components", "schemas", c.schema)
		if s == nil {
			t.Errorf("components.schemas.%s is missing", c.schema)
			continue
		}
		var props []string
		for k := range at(s, "properties").(map[string]any) {
			props = append(props, k)
		}
		slices.Sort(props)
		all, always := jsonFields(c.typ)
		if !slices.Equal(props, all) {
			t.Errorf("%s: schema properties %v, Go type %v has %v", c.schema, props, c.typ, all)
		}
		var required []string
		if r := at(s, "required"); r != nil {
			required = stringList(r)
		}
		if !slices.Equal(required, always) {
			t.Errorf("%s: schema requires %v, Go type %v always has %v", c.schema, required, c.typ, always)
		}
		if c.request && at(s, "additionalProperties") != false {
			t.Errorf("%s: a request schema must say additionalProperties: false (decode refuses unknown fields)", c.schema)
		}
	}
}

// TestOpenAPIExamplesDecode sends every request example through the
// server's own strict decoder: an example the server would refuse as
// malformed is a broken contract.
//
// covers N-3
func TestOpenAPIExamplesDecode(t *testing.T) {
	doc := loadOpenAPI(t)
	bodies := map[string]func() any{
		"createSubject":            func() any { return new(createSubjectBody) },
		"updateSubject":            func() any { return new(updateSubjectBody) },
		"searchSubjects":           func() any { return new(searchBody) },
		"giveConsent":              func() any { return new(consentBody) },
		"refuseConsent":            func() any { return new(refuseBody) },
		"withdrawConsent":          func() any { return new(reasonBody) },
		"refuseWithdrawal":         func() any { return new(reasonBody) },
		"sendCode":                 func() any { return new(codeBody) },
		"verifyCode":               func() any { return new(verifyCodeBody) },
		"publishPolicy":            func() any { return new(publishPolicyBody) },
		"createStaff":              func() any { return new(staffBody) },
		"putRole":                  func() any { return new(roleBody) },
		"publishInstructions":      func() any { return new(instructionsBody) },
		"appointResponsible":       func() any { return new(appointmentBody) },
		"createRecipient":          func() any { return new(recipientBody) },
		"createTransfer":           func() any { return new(transferBody) },
		"recordLifeHealth":         func() any { return new(lifeHealthBody) },
		"blockSubject":             func() any { return new(blockBody) },
		"registerAuthorityRequest": func() any { return new(authorityBody) },
		"decideAuthorityRequest":   func() any { return new(decisionBody) },
		"createOrder":              func() any { return new(orderBody) },
		"moveOrder":                func() any { return new(statusBody) },
		"openRequest":              func() any { return new(requestBody) },
		"updateRequest":            func() any { return new(requestUpdateBody) },
		"markRecipientNoticeSent":  func() any { return new(sentBody) },
		"destroySubject":           func() any { return new(destroyBody) },
		"applyErasures":            func() any { return new(erasuresBody) },
		"recordBreach":             func() any { return new(breachBody) },
		"moveBreach":               func() any { return new(breachMoveBody) },
		"placeHold":                func() any { return new(holdBody) },
		"makeStatsExtract":         func() any { return new(extractBody) },
		"createWebhook":            func() any { return new(webhookBody) },
		"createExport":             func() any { return new(exportBody) },
	}
	check := func(name string, example any, dst any) {
		t.Helper()
		raw, err := json.Marshal(example)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(raw))
		r.Header.Set("Content-Type", "application/json")
		if err := decode(httptest.NewRecorder(), r, dst); err != nil {
			t.Errorf("%s: the server refuses the example: %v", name, err)
		}
	}
	seen := 0
	for p, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			content, _ := at(op, "requestBody", "content", "application/json").(map[string]any)
			if content == nil {
				continue
			}
			id, _ := at(op, "operationId").(string)
			newBody, ok := bodies[id]
			if !ok {
				t.Errorf("%s %s (%s) has a JSON body this test does not know", method, p, id)
				continue
			}
			if ex, ok := content["example"]; ok {
				check(id, ex, newBody())
				seen++
			}
			examples, _ := content["examples"].(map[string]any)
			for name, ex := range examples {
				check(id+"/"+name, at(ex, "value"), newBody())
				seen++
			}
		}
	}
	if seen < len(bodies) {
		t.Errorf("only %d request examples, want at least one per JSON request body (%d)", seen, len(bodies))
	}

	var b createSubjectBody
	check("SubjectCreate", at(doc, "components", "schemas", "SubjectCreate", "example"), &b)
	if b.Purpose != "p4.1b" || b.Consent == nil || !slices.Equal(b.Consent.Purposes, []string{"p4.1b", "p4.2a"}) ||
		b.Source.Kind != derbes.SourceSubject {
		t.Errorf("SubjectCreate example decodes to %+v", b)
	}
	want := map[string]string{"iin": "980514301233", "full_name": "Серікқызы Айгерім Нұрланқызы",
		"phone": "+77011234567", "email": "aigerim@example.kz"}
	if len(b.Values) != len(want) {
		t.Errorf("SubjectCreate example values %v, want %v", b.Values, want)
	}
	for k, v := range want {
		var got string
		if err := json.Unmarshal(b.Values[k], &got); err != nil || got != v {
			t.Errorf("SubjectCreate example values.%s = %s, want %q", k, b.Values[k], v)
		}
	}
}

// covers N-3
func TestOpenAPIServed(t *testing.T) {
	w := httptest.NewRecorder()
	if err := (&API{}).OpenAPI(w, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.yaml", nil)); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/yaml") {
		t.Errorf("status %d, Content-Type %q", w.Code, w.Header().Get("Content-Type"))
	}
	if !bytes.Equal(w.Body.Bytes(), openapiDoc) {
		t.Error("the served document is not the embedded one")
	}
}
