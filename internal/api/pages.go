package api

import (
	_ "embed"
	"html/template"
	"net/http"

	"github.com/derbes-kz/derbes"
)

//go:embed openapi.yaml
var openapiDoc []byte

// OpenAPI handles GET /api/v1/openapi.yaml: the contract of this API.
func (a *API) OpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	_, err := w.Write(openapiDoc)
	return err
}

// NotFound answers any path no route matches.
func (a *API) NotFound(w http.ResponseWriter, r *http.Request) error {
	return derbes.NotFound("no such resource")
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="kk"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>derbes</title></head>
<body>
<h1>derbes</h1>
<p>{{.Operator}}: дербес деректерді өңдеу жүйесі · система обработки персональных данных · personal-data processing system.</p>
<ul>
<li><a href="/api/v1/openapi.yaml">API (OpenAPI 3.1)</a></li>
<li><a href="/policy">Саясат · Политика · Policy</a></li>
<li><a href="/api/v1/catalogue">Каталог · Каталог · Catalogue</a></li>
<li><a href="/healthz">healthz</a> · <a href="/readyz">readyz</a></li>
</ul>
</body></html>
`))

// Home handles GET /: a landing page pointing at what exists.
func (a *API) Home(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return homePage.Execute(w, map[string]string{"Operator": a.svc.Operator().Name})
}
