package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/store"
)

// The purposes the console's pages of this issue work under.
const (
	orderPurpose  = "p4.1b"  // orders (R-APPLY-1)
	rightsPurpose = "rights" // subjects' requests (R-RIGHTS-2)
)

// transferPurposes are the purposes a transfer is made under (P-4.2b,
// P-5.1, P-5.2), in the order the console offers them.
var transferPurposes = []string{"p4.2b1", "p4.2b2", "p4.2b3", "p5.1", "p5.2"}

// mayTransfer reports whether role may send data to third parties under
// some purpose.
func (c *Console) mayTransfer(role derbes.Role) bool {
	return slices.ContainsFunc(transferPurposes, func(code string) bool { return role.AllowsAny(derbes.ActTransfer, code) })
}

// mayEditRegistry is the service's rule for the recipient registry: the
// responsible person and the administrator.
func mayEditRegistry(role derbes.Role) bool {
	return role.AllowsAny(derbes.ActAdminister, "*") || role.AllowsAny(derbes.ActApprove, "*")
}

// mayReadRegistry: the registry holds organisations, no personal data; it
// is shown to the members who manage orders, transfer data or keep it.
func (c *Console) mayReadRegistry(role derbes.Role) bool {
	return role.AllowsAny(derbes.ActWrite, orderPurpose) || c.mayTransfer(role) || mayEditRegistry(role)
}

// countryCodes are the current ISO 3166-1 codes ident accepts.
var countryCodes = htmlkit.CountryCodes()

// countryName is the country's name in l (htmlkit.CountryName).
func countryName(l i18n.Lang, code string) string { return htmlkit.CountryName(l, code) }

// countryOptions lists the countries by name in the page's language,
// Kazakhstan first.
func countryOptions(p *page) []option {
	out := make([]option, 0, len(countryCodes))
	for _, code := range countryCodes {
		if code != "KZ" {
			out = append(out, option{Value: code, Label: countryName(p.Lang, code)})
		}
	}
	slices.SortFunc(out, func(a, b option) int { return alphaCompare(a.Label, b.Label) })
	return append([]option{{Value: "KZ", Label: countryName(p.Lang, "KZ")}}, out...)
}

// kazakhAlphabet is the Cyrillic alphabet of Kazakh; Russian's is a part
// of it in the same order.
const kazakhAlphabet = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"

// alphaRank places Kazakh letters in their alphabet's order (Unicode puts
// ә, ғ, қ… after я), after every Latin letter.
var alphaRank = func() map[rune]rune {
	m := map[rune]rune{}
	i := rune(0)
	for _, r := range kazakhAlphabet {
		m[r] = 0x400 + i
		i++
	}
	return m
}()

// alphaCompare orders names as a Kazakh, Russian or English reader looks
// for them: by letter, ignoring case, Kazakh letters in their places. The
// full Unicode collation (x/text/collate) would cost 1.3 MB of tables for
// the order of a few hundred names.
func alphaCompare(a, b string) int {
	key := func(s string) []rune {
		out := make([]rune, 0, len(s))
		for _, r := range strings.ToLower(s) {
			if k, ok := alphaRank[r]; ok {
				r = k
			}
			out = append(out, r)
		}
		return out
	}
	return slices.Compare(key(a), key(b))
}

// recipientName is the recipient's name in the page's language.
func recipientName(p *page, r store.Recipient) string {
	if n := r.Names[string(p.Lang)]; n != "" {
		return n
	}
	return r.Names["en"]
}

// recipientLabel is "name — country", as selects show a recipient.
func recipientLabel(p *page, r store.Recipient) string {
	return recipientName(p, r) + " — " + countryName(p.Lang, r.Country)
}

// registry is the recipient registry, by id, in the order it lists them.
type registry struct {
	list []store.Recipient
	byID map[string]store.Recipient
}

func (c *Console) registry(ctx context.Context) (*registry, error) {
	list, err := c.svc.Recipients(ctx)
	if err != nil {
		return nil, err
	}
	g := &registry{list: list, byID: map[string]store.Recipient{}}
	for _, r := range list {
		g.byID[r.ID] = r
	}
	return g, nil
}

// options lists the active recipients of the given kinds, by name.
func (g *registry) options(p *page, kinds []string, only []string) []option {
	var out []option
	for _, r := range g.list {
		if !r.Active || !slices.Contains(kinds, r.Kind) || (only != nil && !slices.Contains(only, r.ID)) {
			continue
		}
		out = append(out, option{Value: r.ID, Label: recipientLabel(p, r)})
	}
	slices.SortFunc(out, func(a, b option) int { return alphaCompare(a.Label, b.Label) })
	return out
}

type recipientsData struct {
	Rows []recipientRow
	Form *form
}

type recipientRow struct {
	ID, Kind, Name, Country, Channel, RegNumber, Contact string
	Active                                               bool
	Proposed                                             bool // by an applicant, to confirm
}

// RecipientsPage lists the recipient registry (R-TRANSFER-1); the
// responsible person and the administrator also get the form to add one.
func (c *Console) RecipientsPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.recipients.title")
	d, err := c.recipientsData(p, r)
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "recipients", p)
}

func (c *Console) recipientsData(p *page, r *http.Request) (*recipientsData, error) {
	ctx := r.Context()
	role := derbes.PrincipalFrom(ctx).Role
	if !c.mayReadRegistry(role) {
		return nil, c.svc.Refuse(ctx, "recipient.list", "", "", nil, derbes.Forbidden("", "permission", "your role does not use the recipient registry"))
	}
	g, err := c.registry(ctx)
	if err != nil {
		return nil, err
	}
	d := &recipientsData{}
	kinds := catalogue.RecipientKinds()
	list := slices.Clone(g.list)
	slices.SortStableFunc(list, func(a, b store.Recipient) int {
		if c := slices.Index(kinds, a.Kind) - slices.Index(kinds, b.Kind); c != 0 {
			return c
		}
		return alphaCompare(recipientName(p, a), recipientName(p, b))
	})
	for _, rec := range list {
		d.Rows = append(d.Rows, recipientRow{ID: rec.ID, Kind: p.T("console.recipients.kind." + rec.Kind), Name: recipientName(p, rec),
			Country: countryName(p.Lang, rec.Country), Channel: channelLabel(p, rec.Channel), RegNumber: rec.RegNumber,
			Contact: rec.Contact, Active: rec.Active, Proposed: !rec.Active && strings.HasPrefix(rec.CreatedBy, "subject:")})
	}
	if !mayEditRegistry(role) {
		return d, nil
	}
	d.Form = &form{}
	kind := d.Form.Add(htmlkit.NewField("kind", p.T("console.recipients.kind"), "select"))
	kind.Required = true
	for _, k := range catalogue.RecipientKinds() {
		kind.Options = append(kind.Options, option{Value: k, Label: p.T("console.recipients.kind." + k)})
	}
	for _, l := range i18n.Langs {
		n := d.Form.Add(htmlkit.NewField("names."+string(l), p.T("console.recipients.name_in", "lang", p.T("lang."+string(l))), "text"))
		n.Required, n.Auto = true, "off"
	}
	country := d.Form.Add(htmlkit.NewField("country", p.T("console.recipients.country"), "select"))
	country.Required, country.Options, country.Value = true, countryOptions(p), "KZ"
	country.Hint = p.T("console.recipients.country_hint")
	reg := d.Form.Add(htmlkit.NewField("regNumber", p.T("console.recipients.reg_number"), "text"))
	reg.Hint, reg.Auto = p.T("console.recipients.reg_number_hint"), "off"
	ch := d.Form.Add(htmlkit.NewField("channel", p.T("console.transfers.channel"), "select"))
	ch.Required, ch.Options = true, channelOptions(p)
	contact := d.Form.Add(htmlkit.NewField("contact", p.T("console.recipients.contact"), "text"))
	contact.Hint, contact.Auto = p.T("console.recipients.contact_hint"), "off"
	return d, nil
}

// CreateRecipient adds an organisation to the registry.
func (c *Console) CreateRecipient(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	p := c.page(w, r, "console.recipients.title")
	p.Here = "/console/recipients"
	d, err := c.recipientsData(p, r)
	if err != nil {
		return err
	}
	if d.Form == nil {
		return c.svc.Refuse(ctx, "recipient.create", "", "", nil, derbes.Forbidden("", "permission", "your role may not edit the recipient registry"))
	}
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	rec, err := c.svc.CreateRecipient(ctx, store.Recipient{Kind: get("kind"),
		Names:   map[string]string{"kk": get("names.kk"), "ru": get("names.ru"), "en": get("names.en")},
		Country: get("country"), RegNumber: get("regNumber"), Channel: get("channel"), Contact: get("contact")})
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Form.Fill(r.PostForm.Get)
		c.place(p, d.Form, err)
		p.Data = d
		return c.render(w, formStatus(err), "recipients", p)
	}
	c.flash(w, r, "console.recipients.flash.created")
	htmlkit.Redirect(w, r, "/console/recipients#r-"+url.PathEscape(rec.ID))
	return nil
}

// channelOptions are the transfer channels; telephone is never one (P-5.3).
func channelOptions(p *page) []option {
	out := make([]option, 0, len(derbes.Channels))
	for _, ch := range derbes.Channels {
		out = append(out, option{Value: ch, Label: channelLabel(p, ch)})
	}
	return out
}

func channelLabel(p *page, ch string) string {
	if ch == "" {
		return ""
	}
	return p.T("console.transfers.channel." + ch)
}

// formStatus is the status of a form shown again with its error.
func formStatus(err error) int {
	if s := htmlkit.Status(derbes.CodeOf(err)); s != 0 {
		return s
	}
	return http.StatusBadRequest
}

// ConfirmRecipient confirms an institution an applicant proposed.
func (c *Console) ConfirmRecipient(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if err := c.svc.ConfirmRecipient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	c.flash(w, r, "console.recipients.flash.confirmed")
	htmlkit.Redirect(w, r, "/console/recipients")
	return nil
}
