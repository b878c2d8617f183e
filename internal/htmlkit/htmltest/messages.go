package htmltest

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes/internal/i18n"
)

// MessagesNamed checks that the message catalogue is complete and that
// every message key named literally (group 1 of keyPattern) in the Go
// files of the current directory, tests aside, and in templates/*.html of
// assets exists in every language. Keys ending in "." are built at run
// time and passed over, as are those notKey rules out given the text of
// their file. It returns how many keys it checked.
func MessagesNamed(t *testing.T, assets fs.FS, keyPattern *regexp.Regexp, notKey func(file, key string) bool) int {
	t.Helper()
	msgs, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	if m := msgs.Missing(); len(m) != 0 {
		t.Errorf("incomplete catalogue: %v", m)
	}
	var sources []string
	goFiles, _ := fs.Glob(os.DirFS("."), "*.go")
	for _, f := range goFiles {
		if !strings.HasSuffix(f, "_test.go") {
			sources = append(sources, f)
		}
	}
	tmpls, _ := fs.Glob(assets, "templates/*.html")
	seen := 0
	for _, name := range append(sources, tmpls...) {
		data, err := os.ReadFile(name)
		if err != nil {
			data, err = fs.ReadFile(assets, name)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyPattern.FindAllStringSubmatch(string(data), -1) {
			key := m[1]
			if strings.HasSuffix(key, ".") || notKey(string(data), key) {
				continue
			}
			seen++
			for _, l := range i18n.Langs {
				if !msgs.Has(l, key) {
					t.Errorf("%s: %s has no message %s", name, l, key)
				}
			}
		}
	}
	return seen
}
