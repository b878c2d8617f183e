package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/chart"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

type statsData struct {
	X          *service.StatsExtract
	Charts     []statChart
	Population int // subjects and depersonalised records in the extract
	Released   int // rows of the research view
	MayExport  bool
}

type statChart struct {
	ID, Title string
	SVG       template.HTML
}

func mayExportStats(role derbes.Role) bool {
	return role.AllowsAny(derbes.ActExport, "p4.2e") || role.AllowsAny(derbes.ActAudit, "*")
}

// StatisticsPage shows charts computed only from the newest released
// depersonalised extract (R-RETAIN-2), server-rendered as SVG; every
// number on it counts at least k subjects.
func (c *Console) StatisticsPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.stats.title")
	ctx := r.Context()
	d := &statsData{MayExport: mayExportStats(derbes.PrincipalFrom(ctx).Role)}
	x, err := c.svc.StatsExtractByID(ctx, "")
	switch {
	case derbes.CodeOf(err) == derbes.ENotFound:
	case err != nil:
		return err
	default:
		d.X = x
		if v := x.Views["year"]; v != nil {
			d.Population = len(v.Rows) + v.Suppressed
		}
		if v := x.Applicants(); v != nil {
			d.Released = len(v.Rows)
		}
		d.Charts = c.statCharts(p, x)
	}
	p.Data = d
	return c.render(w, http.StatusOK, "statistics", p)
}

// statCharts draws the operator's charts from the extract's views and tables.
func (c *Console) statCharts(p *page, x *service.StatsExtract) []statChart {
	empty := p.T("console.stats.empty_chart")
	opt := func(key string) chart.Options {
		// 480 units across: labels stay legible when a card is ~450 px wide.
		return chart.Options{Title: p.T("console.stats.chart." + key), Empty: empty, Width: 480}
	}
	country := func(v string) string {
		if len(v) == 2 && v == strings.ToUpper(v) {
			return countryName(p.Lang, v)
		}
		return c.statValue(p, v)
	}
	var out []statChart
	add := func(key string, svg template.HTML) {
		out = append(out, statChart{ID: "chart-" + key, Title: p.T("console.stats.chart." + key), SVG: svg})
	}
	add("country", chart.HBar(viewBars(x.Views["countryField"], 0, country), opt("country")))
	add("field", chart.HBar(viewBars(x.Views["countryField"], 1, func(v string) string { return c.statValue(p, "field."+v) }), opt("field")))
	add("year", chart.HBar(viewBars(x.Views["year"], 0, func(v string) string { return c.statValue(p, v) }), opt("year")))
	groups, series, values := viewGrid(x.Views["ageCitizenship"])
	for i := range groups {
		groups[i] = c.statValue(p, groups[i])
	}
	for i := range series {
		series[i] = c.statValue(p, "citizenship."+series[i])
	}
	add("age", chart.Grouped(groups, series, values, opt("age")))
	add("region", chart.HBar(viewBars(x.Views["region"], 0, func(v string) string { return c.statValue(p, "region."+v) }), opt("region")))
	label := func(prefix string) func(string) string {
		return func(v string) string {
			if k := prefix + v; c.msgs.Has(p.Lang, k) {
				return p.T(k)
			}
			return c.statValue(p, v)
		}
	}
	add("order_status", chart.HBar(tableBars(x.Tables["ordersByStatus"], label("console.orders.status.")), opt("order_status")))
	add("order_service", chart.HBar(tableBars(x.Tables["ordersByService"], label("console.orders.service.")), opt("order_service")))
	add("transfers", chart.HBar(tableBars(x.Tables["transfersByRecipientKind"], label("console.recipients.kind.")), opt("transfers")))
	add("requests", chart.HBar(c.requestBars(p, x.Tables["requestsByKind"]), opt("requests")))
	return out
}

// statValue translates a generalised value ("*", "unknown", "CIS",
// "field.medicine", "region.astana"…), or shows it as it is.
func (c *Console) statValue(p *page, v string) string {
	// "other" would read as a plural form of the key: it is "misc" there.
	if v == "other" || strings.HasSuffix(v, ".other") {
		v = strings.TrimSuffix(v, "other") + "misc"
	}
	if k := "console.stats.v." + v; c.msgs.Has(p.Lang, k) {
		return p.T(k)
	}
	if _, rest, ok := strings.Cut(v, "."); ok {
		if k := "console.stats.v." + rest; c.msgs.Has(p.Lang, k) {
			return p.T(k)
		}
		return rest
	}
	return v
}

// viewBars counts a view's rows by one column, largest first.
func viewBars(v *service.StatView, col int, label func(string) string) []chart.Bar {
	if v == nil {
		return nil
	}
	counts := map[string]int{}
	for _, row := range v.Rows {
		counts[row[col]]++
	}
	return sortedBars(counts, label)
}

func sortedBars(counts map[string]int, label func(string) string) []chart.Bar {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[b] - counts[a]
		}
		return strings.Compare(a, b)
	})
	out := make([]chart.Bar, 0, len(keys))
	for _, k := range keys {
		out = append(out, chart.Bar{Label: label(k), Value: float64(counts[k])})
	}
	return out
}

// viewGrid counts a two-column view: groups by the first column, series
// by the second.
func viewGrid(v *service.StatView) (groups, series []string, values [][]float64) {
	if v == nil {
		return nil, nil, nil
	}
	counts := map[[2]string]int{}
	for _, row := range v.Rows {
		counts[[2]string{row[0], row[1]}]++
		if !slices.Contains(groups, row[0]) {
			groups = append(groups, row[0])
		}
		if !slices.Contains(series, row[1]) {
			series = append(series, row[1])
		}
	}
	slices.Sort(groups)
	slices.Sort(series)
	for _, g := range groups {
		row := make([]float64, len(series))
		for j, s := range series {
			row[j] = float64(counts[[2]string{g, s}])
		}
		values = append(values, row)
	}
	return groups, series, values
}

func tableBars(cells []service.StatCount, label func(string) string) []chart.Bar {
	counts := map[string]int{}
	for _, c := range cells {
		counts[c.Key] += c.Count
	}
	return sortedBars(counts, label)
}

// requestBars shows requests by kind with the share answered on time.
func (c *Console) requestBars(p *page, cells []service.StatCount) []chart.Bar {
	kinds, _ := service.RequestKinds()
	total, onTime, late := map[string]int{}, map[string]int{}, map[string]int{}
	for _, cl := range cells {
		total[cl.Key] += cl.Count
		switch cl.Series {
		case "on-time":
			onTime[cl.Key] += cl.Count
		case "late":
			late[cl.Key] += cl.Count
		}
	}
	bars := sortedBars(total, func(k string) string { return k })
	for i := range bars {
		k := bars[i].Label
		if done := onTime[k] + late[k]; done > 0 {
			bars[i].Note = p.T("console.stats.on_time", "percent", fmt.Sprint(100*onTime[k]/done))
		}
		for _, rk := range kinds {
			if rk.Kind == k {
				bars[i].Label = p.In(rk.Label)
			}
		}
	}
	return bars
}

// MakeStatsExtract releases a new extract from the page.
func (c *Console) MakeStatsExtract(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if _, err := c.svc.MakeStatsExtract(r.Context(), 0); err != nil {
		return err
	}
	c.flash(w, r, "console.stats.flash.made")
	htmlkit.Redirect(w, r, "/console/statistics")
	return nil
}

// StatsCSV sends the newest extract's research microdata as CSV.
func (c *Console) StatsCSV(w http.ResponseWriter, r *http.Request) error {
	x, err := c.svc.StatsCSV(r.Context(), "")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := x.WriteCSV(&buf); err != nil {
		return err
	}
	return htmlkit.Download(w, "text/csv; charset=utf-8", "derbes-statistics-"+x.At.Format("20060102")+".csv", buf.Bytes())
}
