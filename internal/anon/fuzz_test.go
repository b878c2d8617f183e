package anon

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzRegions are region keys, a few of them unknown to Region.
var fuzzRegions = []string{"astana", "almaty", "almaty-region", "turkistan", "abai", "abroad", "unknown", "", "Нур-Султан"}

// fuzzRows decodes data into rows of three fields (age, region, a
// two-letter code), three bytes a row, at most 200 rows.
func fuzzRows(data []byte) [][]string {
	var rows [][]string
	for i := 0; i+3 <= len(data) && len(rows) < 200; i += 3 {
		age := strconv.Itoa(int(data[i] % 64))
		if data[i] >= 250 {
			age = ""
		}
		code := string([]byte{'a' + data[i+2]%3, '0' + data[i+2]/3%4})
		rows = append(rows, []string{age, fuzzRegions[int(data[i+1])%len(fuzzRegions)], code})
	}
	return rows
}

// FuzzAnonymise anonymises arbitrary small tables. Every release must pass
// Check, account for every row, respect the suppression budget unless
// every attribute is at its top, be reproducible from its levels, and be
// the same on a second call. Seeds are in testdata/fuzz/FuzzAnonymise.
//
// covers R-RETAIN-2
func FuzzAnonymise(f *testing.F) {
	f.Add([]byte("\x12\x00\x00\x12\x00\x00\x13\x01\x05"), byte(2), byte(0))
	f.Fuzz(func(t *testing.T, data []byte, kb, maxb byte) {
		rows := fuzzRows(data)
		attrs := []Attribute{AgeBand(), Region(), letters()}
		k, maxSuppress := 2+int(kb%6), float64(maxb%100)/100
		res, err := Anonymise(rows, attrs, k, maxSuppress)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(res.Rows, k); err != nil {
			t.Fatal(err)
		}
		if res.Suppressed+len(res.Rows) != len(rows) {
			t.Fatalf("suppressed %d + released %d != %d rows", res.Suppressed, len(res.Rows), len(rows))
		}
		top := true
		for i, l := range res.Levels {
			top = top && l == attrs[i].Levels-1
		}
		if !top && float64(res.Suppressed) > maxSuppress*float64(len(rows)) {
			t.Fatalf("levels %v: suppressed %d of %d rows, budget %v", res.Levels, res.Suppressed, len(rows), maxSuppress)
		}
		gen, err := Generalised(rows, attrs, res.Levels)
		if err != nil {
			t.Fatal(err)
		}
		kept, suppressed := Suppress(gen, k)
		if suppressed != res.Suppressed || !slices.EqualFunc(kept, res.Rows, slices.Equal) {
			t.Fatal("Generalised and Suppress did not reproduce the release")
		}
		again, err := Anonymise(rows, attrs, k, maxSuppress)
		if err != nil || !slices.Equal(again.Levels, res.Levels) || !slices.EqualFunc(again.Rows, res.Rows, slices.Equal) {
			t.Fatal("a second call gave a different result")
		}
	})
}

// FuzzTextClassifiers feeds free text (an address, a programme name as
// typed by anyone) to RegionOf and FieldOf: they never panic and only ever
// answer a key of their hierarchy, so no typed text can reach a release.
func FuzzTextClassifiers(f *testing.F) {
	for _, s := range []string{"г. Алматы, ул. Абая, 1", "Алматинская обл., г. Қонаев", "Ұлытау облысы", "Almaty region",
		"Information systems", "Халықаралық қатынастар", "", "\xff\xfe", strings.Repeat("обл. ", 1000)} {
		f.Add(s)
	}
	regions := map[string]bool{}
	for _, k := range []string{"astana", "almaty", "shymkent", "akmola", "aktobe", "almaty-region", "atyrau", "east-kazakhstan", "zhambyl",
		"west-kazakhstan", "karaganda", "kostanay", "kyzylorda", "mangystau", "pavlodar", "north-kazakhstan", "turkistan", "abai",
		"zhetysu", "ulytau", "abroad", Unknown} {
		regions[k] = true
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r := RegionOf(s); !regions[r] {
			t.Fatalf("RegionOf(%q) = %q, not a region key", s, r)
		}
		if k := FieldOf(s); k == "" || field(k, 0) != k {
			t.Fatalf("FieldOf(%q) = %q, not a field key", s, k)
		}
	})
}
