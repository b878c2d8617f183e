package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/app"
	"github.com/derbes-kz/derbes/internal/demo"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// The responsible person opens the statistics page in Kazakh over the demo
// population plus one rare applicant (stateless, studying archaeology in
// New Zealand) and finds the charts, none of which shows the rare
// applicant's country; then the retention page previews 2031 and refuses
// a legal hold without a basis, at the field, in Kazakh.
//
// covers the retention issue's done-when (a browser test opens the
// statistics page in Kazakh and finds the charts; the rare subject is not
// identifiable on the page); R-RETAIN-1, R-RETAIN-2
func TestStatisticsAndRetentionPages(t *testing.T) {
	e := launch(t, "statistics", app.Config{DataDir: t.TempDir(), Addr: "127.0.0.1:0", Location: "KZ", OperatorName: "Test operator", OperatorBIN: app.ExampleBIN})
	if _, err := app.SeedDemo(context.Background(), e.svc, app.DemoSize); err != nil {
		t.Fatal(err)
	}
	e.seedStaff()
	e.rareApplicant()
	x, err := e.svc.MakeStatsExtract(system(), 5)
	if err != nil {
		t.Fatal(err)
	}
	e.tab = browser(t)
	e.txSignIn(e.base + "/console/statistics")
	e.submit("#lang-kk")
	e.do(chromedp.WaitVisible(chromedp.CSS(`html[lang="kk"] #chart-country svg`)))
	e.want("page title", e.text("h1"), e.T(i18n.KK, "console.stats.title"))
	if n := e.count(".chart svg"); n != 9 {
		t.Errorf("%d charts, want 9", n)
	}
	e.want("country chart title", e.text("#chart-country h2"), e.T(i18n.KK, "console.stats.chart.country"))
	if n := e.count("#chart-country rect.chart-bar"); n < 2 {
		t.Errorf("the country chart has %d bars", n)
	}
	kz := display.Regions(language.Kazakh).Name(language.MustParseRegion("KZ"))
	if got := e.text("#chart-country"); !strings.Contains(got, kz) {
		t.Errorf("the country chart lacks %q: %q", kz, got)
	}
	page := e.text("main")
	nz := display.Regions(language.Kazakh).Name(language.MustParseRegion("NZ"))
	for _, rare := range []string{nz, "NZ", "Археология", e.T(i18n.KK, "console.stats.v.ulytau")} {
		if strings.Contains(page, rare) {
			t.Errorf("the statistics page shows %q: the rare applicant is identifiable", rare)
		}
	}
	if !strings.Contains(e.text("#stats-meta"), x.Digest[:6]) {
		t.Errorf("the page does not name the extract it shows")
	}
	e.shot("statistics-kk")

	e.do(chromedp.Navigate(e.base+"/console/retention?at=2031-01-01"), chromedp.WaitVisible(chromedp.ID("plan-table")))
	e.want("retention title", e.text("h1"), e.T(i18n.KK, "console.retention.title"))
	if n := e.count("#plan-table tbody tr"); n == 0 {
		t.Error("the 2031 preview shows nothing due")
	}
	e.shot("retention-preview-2031")
	e.do(chromedp.SetValue(chromedp.ID("f-subjectId"), e.rareID))
	e.submit("#hold-place")
	e.do(chromedp.WaitVisible(chromedp.ID("f-reason-err")))
	e.want("hold without a basis", e.text("#f-reason-err"), e.T(i18n.KK, "errors.required"))
	if hs, _ := e.svc.Holds(system()); len(hs) != 0 {
		t.Errorf("a hold was placed without a basis: %+v", hs)
	}
	e.shot("retention-hold-error")
	e.do(chromedp.SetValue(chromedp.ID("f-reason"), "Азаматтық іс № 2-77/2026"))
	e.submit("#hold-place")
	e.do(chromedp.WaitVisible(chromedp.ID("holds-table")))
	e.want("flash", e.text("#flash"), e.T(i18n.KK, "console.retention.flash.held"))
	e.shot("retention-hold-placed")
}

// rareApplicant adds one applicant no group of five shares: stateless,
// born 1985, from Ulytau, studying archaeology in New Zealand.
func (e *env) rareApplicant() {
	e.t.Helper()
	nz, err := e.svc.CreateRecipient(system(), store.Recipient{Kind: "education-org", Country: "NZ", Channel: "email", Contact: "office@example.org",
		Names: map[string]string{"kk": "Оңтүстік Альпі университеті", "ru": "Университет Южных Альп", "en": "Southern Alps University"}})
	if err != nil {
		e.t.Fatal(err)
	}
	v, err := e.svc.CreateSubject(system(), service.NewSubject{Kind: "applicant", Citizenship: "stateless", Purpose: "p4.1b",
		Consent: &service.NewConsent{Purposes: []string{"p4.1b", "p4.2e"}},
		Values: values(demo.Person{Values: map[string]string{"full_name": "Жоқбаев Сирек Бірегейұлы", "iin": "850101300015",
			"address": "Ұлытау облысы, Жезқазған қ., Бірлік к-сі, 1"}}, func(string) bool { return true }),
		Source: derbes.Source{Kind: derbes.SourceSubject}})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.CreateOrder(system(), v.ID, service.NewOrder{Services: []string{"admission"}, Institutions: []string{nz.ID},
		AcademicYear: "2026/2027", Programme: "Археология"}); err != nil {
		e.t.Fatal(err)
	}
	e.rareID = v.ID
}
