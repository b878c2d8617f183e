package policy

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// covers R-OPS-2
func TestRenderEscapes(t *testing.T) {
	got := string(Render("# Title <script>alert(1)</script>\n\nA <b>bold</b> & \"quoted\" [link](javascript:x) <img src=x onerror=y>\n- item <script>x</script>\n"))
	for _, bad := range []string{"<script", "<b>", "<img", "href", "onerror=y>"} {
		if strings.Contains(got, bad) {
			t.Errorf("Render let %q through:\n%s", bad, got)
		}
	}
	for _, want := range []string{"<h1>Title &lt;script&gt;alert(1)&lt;/script&gt;</h1>", "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34; [link](javascript:x)",
		"<li>item &lt;script&gt;x&lt;/script&gt;</li>"} {
		if !strings.Contains(got, want) {
			t.Errorf("Render output lacks %q:\n%s", want, got)
		}
	}
	// Bold markers around markup do not unescape it.
	if got := string(Render("**<i>x</i>**")); got != "<p><strong>&lt;i&gt;x&lt;/i&gt;</strong></p>\n" {
		t.Errorf("bold: %q", got)
	}
}

// covers R-OPS-2
func TestRenderStructure(t *testing.T) {
	md := `# Policy

## 1. General
- **1.1** First clause
  continued here.
- **1.2** Second:
  - a. one;
  - b. two:
    - b1. deep;
  - c. three.
- **1.3** Third
  1. numbered **bold**;
  2. second:
     - a. nested under a number;
  3. third.

A paragraph
on two lines, with ** unmatched.
`
	want := `<h1>Policy</h1>
<h2>1. General</h2>
<ul>
<li><strong>1.1</strong> First clause continued here.</li>
<li><strong>1.2</strong> Second:<ul>
<li>a. one;</li>
<li>b. two:<ul>
<li>b1. deep;</li>
</ul>
</li>
<li>c. three.</li>
</ul>
</li>
<li><strong>1.3</strong> Third<ol>
<li value="1">numbered <strong>bold</strong>;</li>
<li value="2">second:<ul>
<li>a. nested under a number;</li>
</ul>
</li>
<li value="3">third.</li>
</ol>
</li>
</ul>
<p>A paragraph
on two lines, with ** unmatched.</p>
`
	if got := string(Render(md)); got != want {
		t.Errorf("Render:\n%s\nwant:\n%s", got, want)
	}
}

// covers R-OPS-2
func TestSeedThreeLanguagesSameClauses(t *testing.T) {
	v, err := Seed()
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 1 || v.Effective != "2026-01-01" || !v.Adds.Empty() {
		t.Errorf("seed = version %d effective %s adds %+v", v.Number, v.Effective, v.Adds)
	}
	marker := regexp.MustCompile(`\*\*(\d+(?:\.\d+)+)`)
	var ref []string
	for _, lang := range Languages {
		text := v.Texts[lang]
		if strings.TrimSpace(text) == "" || strings.TrimSpace(v.Summary[lang]) == "" {
			t.Fatalf("%s: text or summary missing", lang)
		}
		var markers []string
		for _, m := range marker.FindAllStringSubmatch(text, -1) {
			markers = append(markers, m[1])
		}
		if !slices.Contains(markers, "4.2") || !slices.Contains(markers, "8.2") {
			t.Errorf("%s: clause markers %v lack 4.2 or 8.2", lang, markers)
		}
		if ref == nil {
			ref = markers
		} else if !slices.Equal(markers, ref) {
			t.Errorf("%s clause markers differ from kk:\n%v\n%v", lang, markers, ref)
		}
		// The whole seed renders, and every clause survives.
		html := string(Render(text))
		for _, m := range markers {
			if !strings.Contains(html, "<strong>"+m+"</strong>") && !strings.Contains(html, "<strong>"+m+" ") {
				t.Errorf("%s: clause %s lost in rendering", lang, m)
			}
		}
		if strings.Count(html, "<ul>")+strings.Count(html, "<ol>") != strings.Count(html, "</ul>")+strings.Count(html, "</ol>") {
			t.Errorf("%s: unbalanced lists", lang)
		}
	}
}

func TestLang(t *testing.T) {
	for _, c := range []struct{ query, header, want string }{
		{"ru", "en", "ru"},
		{"", "", "kk"},
		{"de", "", "kk"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "de-DE, ru;q=0.8, en;q=0.9", "en"},
		{"", "fr, ru-RU;q=0.5", "ru"},
		{"", "KK-kz", "kk"},
		{"", "en;q=0, ru;q=0.1", "ru"},
		{"xx", "zh", "kk"},
	} {
		if got := Lang(c.query, c.header); got != c.want {
			t.Errorf("Lang(%q, %q) = %q, want %q", c.query, c.header, got, c.want)
		}
	}
}

func TestCurrent(t *testing.T) {
	vs := []Version{{Number: 1, Effective: "2026-01-01"}, {Number: 2, Effective: "2026-06-01"}, {Number: 3, Effective: "2027-01-01"}}
	for today, want := range map[string]int{"2025-12-31": 0, "2026-01-01": 0, "2026-06-01": 1, "2026-12-31": 1, "2027-02-01": 2} {
		if got := Current(vs, today); got != want {
			t.Errorf("Current(%s) = %d, want %d", today, got, want)
		}
	}
	if Current(nil, "2026-01-01") != -1 {
		t.Error("Current(nil) != -1")
	}
	// 2026-05-31 20:00 UTC is already 1 June in Kazakhstan.
	if got := Today(time.Date(2026, 5, 31, 20, 0, 0, 0, time.UTC)); got != "2026-06-01" {
		t.Errorf("Today = %s", got)
	}
}

// covers R-OPS-2
func TestWritePage(t *testing.T) {
	v1, err := Seed()
	if err != nil {
		t.Fatal(err)
	}
	v2 := Version{Number: 2, Effective: "2026-06-01",
		Texts:   map[string]string{"kk": "# Саясат 2", "ru": "# Политика 2\n\n- **4.2** <script>x</script>", "en": "# Policy 2"},
		Summary: map[string]string{"kk": "Екінші", "ru": "Вторая <b>", "en": "Second"}}
	var b bytes.Buffer
	err = WritePage(&b, PageInput{Lang: "ru", Operator: `ТОО "Оператор" <x>`, Versions: []Version{v1, v2}, Today: "2026-07-01"})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{`<html lang="ru">`, "<h1>Политика 2</h1>", "&lt;script&gt;x&lt;/script&gt;", "История редакций",
		`href="/policy?lang=ru&amp;version=1"`, "2026-01-01", "2026-06-01", "Вторая &lt;b&gt;", v1.Summary["ru"],
		`href="/policy?lang=kk"`, `href="/policy?lang=en"`, "ТОО &#34;Оператор&#34; &lt;x&gt;", `href="/static/policy.css"`, "(действующая)"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "style=") || strings.Contains(page, "<style") {
		t.Error("page has a script or inline style")
	}
	// An older version, by number, in Kazakh; the switcher keeps the version.
	b.Reset()
	if err := WritePage(&b, PageInput{Lang: "kk", Operator: "op", Versions: []Version{v1, v2}, Number: 1, Today: "2026-07-01"}); err != nil {
		t.Fatal(err)
	}
	if page := b.String(); !strings.Contains(page, `<html lang="kk">`) || !strings.Contains(page, "<h1>Жеке деректерді өңдеу саясаты</h1>") ||
		!strings.Contains(page, `href="/policy?lang=en&amp;version=1"`) || !strings.Contains(page, "күшін жойған") {
		t.Errorf("version 1 page:\n%s", page)
	}
	if err := WritePage(&b, PageInput{Lang: "kk", Versions: []Version{v1}, Number: 7, Today: "2026-07-01"}); err != ErrNoVersion {
		t.Errorf("unknown version: %v", err)
	}
}
