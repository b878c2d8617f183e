package portal

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// view is the subject's data as the page and the PDF report show it: every
// text already in the subject's language.
type view struct {
	SubjectID string
	Operator  string
	Values    []valueRow
	Purposes  []purposeRow
	Consents  []consentRow
	Transfers []transferRow
	Requests  []requestRow
	Orders    []orderRow
	Authority authority
	Sent      *requestRow // the request just filed, for the flash
}

type valueRow struct {
	Category, Label, Value, Source, Date string
}

type purposeRow struct {
	Code, Title, Basis, Processing, Storage string
}

type consentRow struct {
	ID, Given, Until, Status string
	Purposes                 []string
	Live                     bool
}

type transferRow struct {
	Recipient, Country, Date, Basis string
	Categories                      []string
}

type orderRow struct {
	ID, Short, Services, Institutions, Year, Status string
	History                                         []string
	Documents                                       []string
	Messages                                        []messageRow
	CanAdd                                          []option
}

type messageRow struct {
	FromStaff  bool
	Text, Date string
}

type requestRow struct {
	ID, Kind, Received, Due, Status, State, Details, Response string
	Open, Overdue                                             bool
}

// view builds the view of d in language l.
func (p *Portal) view(ctx context.Context, l i18n.Lang, d *service.MyData) *view {
	T := func(key string, args ...any) string { return p.msgs.T(l, key, args...) }
	date := func(t time.Time) string { return i18n.FormatDate(l, t) }
	cat := p.svc.Catalogue()
	v := &view{SubjectID: d.SubjectID, Authority: p.authority(l)}
	v.Operator = d.Operator["name"]
	if bin := d.Operator["bin"]; bin != "" {
		v.Operator = T("portal.operator", "name", d.Operator["name"], "bin", bin)
	}
	label := func(key string) string {
		if c := cat.Category(key); c != nil {
			return c.Label.In(string(l))
		}
		return key
	}
	// The values in the catalogue's order: name and identifiers first.
	rank := map[string]int{}
	for i, c := range cat.Categories {
		rank[c.Key] = i
	}
	values := slices.Clone(d.Values)
	slices.SortStableFunc(values, func(a, b service.MyValue) int { return rank[a.Category] - rank[b.Category] })
	for _, x := range values {
		v.Values = append(v.Values, valueRow{Category: x.Category, Label: x.Label.In(string(l)), Value: showValue(x.Value),
			Source: p.source(l, x.Source), Date: date(x.At)})
	}
	consents := map[string]derbes.Consent{}
	now := p.svc.Now()
	for _, k := range d.Consents {
		consents[k.ID] = k
		row := consentRow{ID: k.ID, Given: date(k.GivenAt), Live: k.Live(now)}
		for _, code := range k.Purposes {
			row.Purposes = append(row.Purposes, p.purposeTitle(l, code))
		}
		if k.ExpiresAt != nil {
			row.Until = date(*k.ExpiresAt)
		}
		switch {
		case row.Live:
			row.Status = T("consents.live")
		case k.WithdrawnAt != nil:
			row.Status = T("portal.consents.withdrawn_on", "date", date(*k.WithdrawnAt))
		default:
			row.Status = T("portal.consents.ended")
		}
		v.Consents = append(v.Consents, row)
	}
	// Consents in force first, the newest first within each group.
	sort.SliceStable(v.Consents, func(i, j int) bool { return v.Consents[i].Live && !v.Consents[j].Live })
	for _, x := range d.Purposes {
		row := purposeRow{Code: x.Code, Title: x.Title.In(string(l)), Storage: p.storage(l, x.Storage)}
		kind, ref, _ := strings.Cut(x.Basis, ":")
		k, ok := consents[ref]
		switch {
		case kind == "consent" && ok:
			row.Basis = T("portal.basis.consent", "date", date(k.GivenAt))
			if k.ExpiresAt != nil {
				row.Processing = T("portal.processing.until", "date", date(*k.ExpiresAt))
			} else {
				row.Processing = T("portal.processing.open")
			}
		case strings.HasPrefix(x.Basis, "art9-"):
			row.Basis = T("portal.basis.law")
			row.Processing = T("portal.processing.law")
		default:
			row.Basis = T("portal.basis.law")
			row.Processing = T("portal.processing.law")
		}
		v.Purposes = append(v.Purposes, row)
	}
	// One row per transfer, with the categories it carried, and the
	// recipient named in the subject's language where the registry has it.
	names := map[string]string{}
	if len(d.Transfers) > 0 {
		if recs, err := p.svc.Recipients(ctx); err == nil {
			for _, rec := range recs {
				if n := rec.Names[string(l)]; n != "" {
					names[rec.ID] = n
				}
			}
		}
	}
	byID := map[string]*transferRow{}
	var order []string
	for _, x := range d.Transfers {
		t := byID[x.TransferID]
		if t == nil {
			name := x.Recipient
			if n := names[x.RecipientID]; n != "" {
				name = n
			}
			t = &transferRow{Recipient: name, Country: x.Country, Date: date(x.At), Basis: p.transferBasis(l, x.Basis, consents)}
			byID[x.TransferID] = t
			order = append(order, x.TransferID)
		}
		if lb := label(x.Category); !slices.Contains(t.Categories, lb) {
			t.Categories = append(t.Categories, lb)
		}
	}
	for _, id := range order {
		v.Transfers = append(v.Transfers, *byID[id])
	}
	for _, x := range d.Requests {
		v.Requests = append(v.Requests, p.requestRow(l, x))
	}
	for _, o := range d.Orders {
		v.Orders = append(v.Orders, p.orderRow(l, o, label))
	}
	return v
}

func (p *Portal) orderRow(l i18n.Lang, o service.MyOrder, label func(string) string) orderRow {
	T := func(key string) string { return p.msgs.T(l, key) }
	row := orderRow{ID: o.ID, Short: o.ID[:8], Institutions: strings.Join(o.Institutions, "; "), Year: o.AcademicYear,
		Status: T("console.orders.status." + o.Status)}
	var svcs []string
	for _, sv := range o.Services {
		svcs = append(svcs, T("console.orders.service."+sv))
	}
	row.Services = strings.Join(svcs, ", ")
	for _, h := range o.History {
		row.History = append(row.History, i18n.FormatDate(l, h.At)+": "+T("console.orders.status."+h.Status))
	}
	for _, d := range o.Documents {
		row.Documents = append(row.Documents, label(d))
	}
	for _, m := range o.Messages {
		row.Messages = append(row.Messages, messageRow{FromStaff: m.FromStaff, Text: m.Text, Date: i18n.FormatDate(l, m.At)})
	}
	for _, k := range o.CanAdd {
		row.CanAdd = append(row.CanAdd, option{Value: k, Label: label(k)})
	}
	return row
}

func (p *Portal) requestRow(l i18n.Lang, x service.RequestView) requestRow {
	row := requestRow{ID: x.ID, Kind: p.kindLabel(l, x.Kind), Received: i18n.FormatDate(l, x.ReceivedAt), Due: i18n.FormatDate(l, x.DueAt),
		Status: p.msgs.T(l, "portal.status."+x.Status), State: x.Status, Details: x.Details, Response: x.Response,
		Open: x.Status == "open" || x.Status == "in-progress", Overdue: x.Overdue}
	if !p.msgs.Has(l, "portal.status."+x.Status) {
		row.Status = x.Status
	}
	return row
}

// showValue renders a value: text as it is, "other information" as
// "key: value" lines.
func showValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		lines := make([]string, len(keys))
		for i, k := range keys {
			lines[i] = k + ": " + x[k]
		}
		return strings.Join(lines, "\n")
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// source says where a value came from.
func (p *Portal) source(l i18n.Lang, s derbes.Source) string {
	key := "portal.source." + string(s.Kind)
	if !p.msgs.Has(l, key) {
		return string(s.Kind)
	}
	text := p.msgs.T(l, key)
	if s.Ref != "" {
		text += ": " + s.Ref
	}
	return text
}

// storage says how long data is kept for a purpose, and from when.
func (p *Portal) storage(l i18n.Lang, s derbes.StoragePeriod) string {
	var period string
	switch {
	case s.Months >= 12 && s.Months%12 == 0:
		period = p.msgs.T(l, "portal.period.years", "count", s.Months/12)
	default:
		period = p.msgs.T(l, "portal.period.months", "count", s.Months)
	}
	if !p.msgs.Has(l, "portal.from."+s.From) {
		return period + " (" + s.From + ")"
	}
	return p.msgs.T(l, "portal.from."+s.From, "period", period)
}

func (p *Portal) purposeTitle(l i18n.Lang, code string) string {
	if pu := p.svc.Catalogue().Purpose(code); pu != nil {
		return pu.Title.In(string(l))
	}
	return code
}

// transferBasis says on what ground a transfer was made.
func (p *Portal) transferBasis(l i18n.Lang, basis string, consents map[string]derbes.Consent) string {
	kind, ref, _ := strings.Cut(basis, ":")
	switch kind {
	case "consent":
		if k, ok := consents[ref]; ok {
			return p.msgs.T(l, "portal.basis.consent", "date", i18n.FormatDate(l, k.GivenAt))
		}
		return p.msgs.T(l, "portal.transfer_basis.consent")
	case "request":
		return p.msgs.T(l, "portal.transfer_basis.request")
	case "life-health":
		return p.msgs.T(l, "portal.transfer_basis.life-health")
	}
	return basis
}

// kindLabel is a request kind's name in language l.
func (p *Portal) kindLabel(l i18n.Lang, kind string) string {
	for _, k := range p.kinds {
		if k.Kind == kind {
			return k.Label.In(string(l))
		}
	}
	return kind
}

// myData gathers the session subject's data.
func (p *Portal) myData(r *http.Request) (*service.MyData, error) {
	return p.svc.MyData(r.Context(), subjectFrom(r.Context()))
}

// MePage shows the subject everything derbes holds about them.
func (p *Portal) MePage(w http.ResponseWriter, r *http.Request) error {
	d, err := p.myData(r)
	if err != nil {
		return err
	}
	pg := p.page(w, r, "portal.title")
	v := p.view(r.Context(), pg.Lang, d)
	if ck, err := r.Cookie(flashCookie); err == nil {
		if key, id, ok := strings.Cut(ck.Value, "|"); ok && key == "portal.flash.request_sent" {
			for i := range v.Requests {
				if v.Requests[i].ID == id {
					v.Sent = &v.Requests[i]
					pg.Flash = pg.T("portal.request_sent", "date", v.Requests[i].Due)
				}
			}
		}
	}
	pg.Data = v
	return p.render(w, http.StatusOK, "me", pg)
}
