package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// transferHref is the page preparing a transfer of a subject's data: under
// purpose (chosen there when ""), for an order's institutions, coming
// from the subject's page under from.
func transferHref(subjectID, purpose, order, from string) string {
	q := url.Values{}
	for k, v := range map[string]string{"purpose": purpose, "order": order, "from": from} {
		if v != "" {
			q.Set(k, v)
		}
	}
	h := "/console/subjects/" + url.PathEscape(subjectID) + "/transfer"
	if len(q) > 0 {
		h += "?" + q.Encode()
	}
	return h
}

// basisOf maps a register row's basis ("consent:…", "request:…",
// "life-health:…") to the transfer basis it names.
func basisOf(ref string) (kind, id string) {
	k, id, _ := strings.Cut(ref, ":")
	if k == "request" {
		k = derbes.TransferByAuthority
	}
	return k, id
}

// registerData is the register of a subject's disclosures: who received
// which version of what, when, on which basis (R-TRANSFER-3).
type registerData struct {
	Rows []registerRow
	Err  string
}

type registerRow struct {
	Href, TransferID, Recipient, Country, Category, Basis, BasisRef, Channel string
	Version                                                                  int
	At                                                                       time.Time
}

func (c *Console) registerData(p *page, r *http.Request, subjectID string, g *registry, from string) (*registerData, error) {
	got, err := c.svc.ReceivedBy(r.Context(), subjectID, "")
	d := &registerData{}
	if err != nil {
		if !userError(err) {
			return nil, err
		}
		d.Err = c.errText(p.Lang, err)
		return d, nil
	}
	slices.SortStableFunc(got, func(a, b service.Received) int { return b.At.Compare(a.At) })
	for _, x := range got {
		d.Rows = append(d.Rows, c.registerRow(p, x, g, subjectID, from))
	}
	return d, nil
}

func (c *Console) registerRow(p *page, x service.Received, g *registry, subjectID, from string) registerRow {
	kind, ref := basisOf(x.Basis)
	row := registerRow{TransferID: x.TransferID, Recipient: x.Recipient, Country: countryName(p.Lang, x.Country), Version: x.Version,
		Basis: p.T("console.transfers.basis." + kind), BasisRef: ref, Channel: channelLabel(p, x.Channel), At: x.At,
		Href: transferDoneHref(subjectID, x.TransferID, from)}
	if rec, ok := g.byID[x.RecipientID]; ok {
		row.Recipient = recipientName(p, rec)
	}
	row.Category = x.Category
	if cat := c.svc.Catalogue().Category(x.Category); cat != nil {
		row.Category = p.In(cat.Label)
	}
	return row
}

func transferDoneHref(subjectID, transferID, from string) string {
	h := "/console/subjects/" + url.PathEscape(subjectID) + "/transfers/" + url.PathEscape(transferID)
	if from != "" {
		h += "?from=" + url.QueryEscape(from)
	}
	return h
}

// transferData is the page preparing a transfer: first the purpose, then
// the recipient, the categories, the channel and the basis.
type transferData struct {
	SubjectID, Order, From, Back string
	Choose                       *form // step 1, a GET form
	Purpose                      *derbes.Purpose
	Form                         *form // step 2
	Categories                   *checks
	NoRecipients                 bool
	Registry                     string
	Refusal                      []string // why the transfer was refused, item by item
	LifeHealth                   *form    // P-5.1: document the threat first
	reg                          *registry
}

// transferBases are the bases a purpose's transfer rests on (R-TRANSFER-2).
func transferBases(pu *derbes.Purpose) []string {
	switch {
	case pu.Code == "p5.2":
		return []string{derbes.TransferByAuthority}
	case pu.Code == "p5.1":
		return []string{derbes.TransferByLifeHealth}
	case pu.Basis.Kind == derbes.BasisConsent:
		return []string{derbes.TransferByConsent}
	}
	return nil
}

func (c *Console) transferData(p *page, r *http.Request, subjectID, purpose, order, from string, prefill url.Values) (*transferData, error) {
	ctx := r.Context()
	role := derbes.PrincipalFrom(ctx).Role
	if !c.mayTransfer(role) {
		return nil, c.svc.Refuse(ctx, "transfer.prepare", subjectID, purpose, nil, derbes.Forbidden("", "permission", "your role may not transfer data"))
	}
	if from != "" && c.svc.Catalogue().Purpose(from) == nil {
		from = ""
	}
	d := &transferData{SubjectID: subjectID, Order: order, From: from, Back: subjectHref(subjectID, from), Choose: &form{}}
	if c.mayReadRegistry(role) {
		d.Registry = "/console/recipients"
	}
	ch := d.Choose.Add(htmlkit.NewField("purpose", p.T("console.transfers.purpose"), "select"))
	ch.Required = true
	for _, code := range transferPurposes {
		pu := c.svc.Catalogue().Purpose(code)
		if pu == nil || !role.AllowsAny(derbes.ActTransfer, code) {
			continue
		}
		ch.Options = append(ch.Options, option{Value: code, Label: code + " — " + p.In(pu.Title)})
		if code == purpose {
			d.Purpose, ch.Value = pu, code
		}
	}
	if d.Purpose == nil {
		ch.Options = append([]option{{Value: "", Label: p.T("console.transfers.choose_purpose")}}, ch.Options...)
		return d, nil
	}
	g, err := c.registry(ctx)
	if err != nil {
		return nil, err
	}
	d.reg = g
	var only []string
	if order != "" && slices.Contains(d.Purpose.RecipientKinds, "education-org") {
		list, err := c.svc.Orders(ctx, subjectID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(list, func(o service.OrderView) bool { return o.ID == order })
		if i < 0 {
			return nil, derbes.NotFound("no such order of this subject")
		}
		only = append([]string{}, list[i].Institutions...)
	} else {
		d.Order = ""
	}
	d.Form = &form{}
	rec := d.Form.Add(htmlkit.NewField("recipientId", p.T("console.transfers.recipient"), "select"))
	rec.Required, rec.Options = true, g.options(p, d.Purpose.RecipientKinds, only)
	d.NoRecipients = len(rec.Options) == 0
	if only != nil {
		rec.Hint = p.T("console.transfers.recipient_order_hint")
	}
	d.Categories = &checks{Name: "categories", ID: fieldID("categories"), Label: p.T("console.transfers.categories"),
		Hint: p.T("console.transfers.categories_hint")}
	for _, key := range d.Purpose.Categories {
		cat := c.svc.Catalogue().Category(key)
		if cat != nil && cat.Type != derbes.TypeFile && role.Allows(derbes.ActTransfer, d.Purpose.Code, key) {
			d.Categories.Options = append(d.Categories.Options, option{Value: key, Label: p.In(cat.Label)})
		}
	}
	chn := d.Form.Add(htmlkit.NewField("channel", p.T("console.transfers.channel"), "select"))
	chn.Required, chn.Options, chn.Hint = true, channelOptions(p), p.T("console.transfers.channel_hint")
	basis := d.Form.Add(htmlkit.NewField("basis", p.T("console.transfers.basis"), "select"))
	basis.Required = true
	bases := transferBases(d.Purpose)
	for _, b := range bases {
		basis.Options = append(basis.Options, option{Value: b, Label: p.T("console.transfers.basis." + b)})
	}
	if len(bases) == 1 && bases[0] != derbes.TransferByConsent {
		ref := d.Form.Add(htmlkit.NewField("basisRef", p.T("console.transfers.basis_ref."+bases[0]), "text"))
		ref.Required, ref.Auto, ref.Hint = true, "off", p.T("console.transfers.basis_ref_hint."+bases[0])
	}
	if d.Purpose.Code == "p5.1" && role.AllowsAny(derbes.ActTransfer, "p5.1") {
		d.LifeHealth = &form{}
		lr := d.LifeHealth.Add(htmlkit.NewField("recipientId", p.T("console.transfers.recipient"), "select"))
		lr.ID, lr.Required, lr.Options = "f-lh-recipient", true, rec.Options
		j := d.LifeHealth.Add(htmlkit.NewField("justification", p.T("console.transfers.justification"), "textarea"))
		j.ID, j.Required, j.Hint = "f-lh-justification", true, p.T("console.transfers.justification_hint")
	}
	if prefill != nil {
		rec.Value = prefill.Get("recipient")
		if ref := d.Form.Get("basisRef"); ref != nil {
			ref.Value = prefill.Get("record")
		}
	}
	return d, nil
}

// TransferPage prepares a transfer of the subject's data (R-TRANSFER-2).
func (c *Console) TransferPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p := c.page(w, r, "console.transfers.prepare")
	d, err := c.transferData(p, r, r.PathValue("id"), q.Get("purpose"), q.Get("order"), q.Get("from"), q)
	if err != nil {
		return err
	}
	p.Data = d
	return c.render(w, http.StatusOK, "transfer", p)
}

// Transfer sends the chosen categories to the recipient when the basis
// holds; a refusal is shown item by item, and nothing leaves.
func (c *Console) Transfer(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	id, f := r.PathValue("id"), r.PostForm
	purpose, order, from := f.Get("purpose"), f.Get("order"), f.Get("from")
	p := c.page(w, r, "console.transfers.prepare")
	p.Here = transferHref(id, purpose, order, from)
	d, err := c.transferData(p, r, id, purpose, order, from, nil)
	if err != nil {
		return err
	}
	if d.Form == nil {
		return c.svc.Refuse(ctx, "transfer.send", id, purpose, nil, derbes.Forbidden("purpose", "permission", "your role may not transfer under this purpose"))
	}
	req := service.TransferRequest{RecipientID: f.Get("recipientId"), Purpose: purpose, Channel: f.Get("channel"), Subjects: []string{id},
		Categories: f["categories"], Basis: f.Get("basis"), BasisRef: strings.TrimSpace(f.Get("basisRef"))}
	res, err := c.svc.Transfer(ctx, req)
	if err != nil {
		e := derbes.AsError(err)
		if !userError(err) && !(e != nil && e.Code == derbes.ENotFound && d.Form.Get(e.Field) != nil) {
			return err
		}
		d.Form.Fill(f.Get)
		d.Categories.Values = req.Categories
		switch {
		case e.Rule == "transfer-refused":
			d.Refusal = c.problemTexts(p, e.Problems, d.reg.byID[req.RecipientID], d.Purpose)
		case e.Field == d.Categories.Name:
			c.markChecks(p, d.Categories, c.errText(p.Lang, err))
		default:
			c.place(p, d.Form, err)
		}
		p.Data = d
		status := formStatus(err)
		if e.Code == derbes.ENotFound {
			status = http.StatusBadRequest
		}
		return c.render(w, status, "transfer", p)
	}
	c.flash(w, r, "console.transfers.flash.sent")
	htmlkit.Redirect(w, r, transferDoneHref(id, res.Transfer.ID, d.From))
	return nil
}

// problemTexts translates a refusal's items, each named by what it
// concerns: "Russia: the consent does not allow cross-border transfer".
func (c *Console) problemTexts(p *page, problems []derbes.Problem, rec store.Recipient, pu *derbes.Purpose) []string {
	var out []string
	for _, pr := range problems {
		msg := p.T("errors.forbidden")
		if c.msgs.Has(p.Lang, "errors."+pr.Rule) {
			msg = p.T("errors." + pr.Rule)
		}
		rest := pr.Field
		if strings.HasPrefix(rest, "subjects[") {
			if i := strings.IndexByte(rest, ']'); i >= 0 {
				rest = rest[i+1:]
			}
		}
		var what string
		switch strings.TrimPrefix(rest, ".") {
		case "recipient.country":
			what = countryName(p.Lang, rec.Country)
		case "recipient", "recipientId":
			what = recipientName(p, rec)
		case "categories":
			what = p.T("console.transfers.categories")
		case "basisRef":
			what = p.T("console.transfers.basis")
		case "purpose":
			what = pu.Code + " — " + p.In(pu.Title)
		default:
			what = p.T("console.subject.title")
		}
		if what == "" {
			what = p.T("console.transfers.recipient")
		}
		out = append(out, what+": "+msg)
	}
	return out
}

// transferDone is a registered transfer as the register shows it.
type transferDone struct {
	SubjectID, TransferID, Back, Package     string
	Recipient, Country, Basis, BasisRef, Via string
	At                                       time.Time
	Items                                    []registerRow
}

// TransferDonePage shows a registered transfer: the register's entry and
// the package to download.
func (c *Console) TransferDonePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, tid, from := r.PathValue("id"), r.PathValue("transferId"), r.URL.Query().Get("from")
	if c.svc.Catalogue().Purpose(from) == nil {
		from = ""
	}
	p := c.page(w, r, "console.transfers.done_title")
	got, err := c.svc.ReceivedBy(ctx, id, "")
	if err != nil {
		return err
	}
	g, err := c.registry(ctx)
	if err != nil {
		return err
	}
	d := &transferDone{SubjectID: id, TransferID: tid, Back: subjectHref(id, from)}
	for _, x := range got {
		if x.TransferID != tid {
			continue
		}
		row := c.registerRow(p, x, g, id, from)
		d.Items = append(d.Items, row)
		d.Recipient, d.Country, d.Basis, d.BasisRef, d.Via, d.At = row.Recipient, row.Country, row.Basis, row.BasisRef, row.Channel, row.At
	}
	if len(d.Items) == 0 {
		return derbes.NotFound("no such transfer of this subject")
	}
	slices.SortFunc(d.Items, func(a, b registerRow) int { return cmp.Compare(a.Category, b.Category) })
	if c.mayTransfer(derbes.PrincipalFrom(ctx).Role) {
		d.Package = "/console/transfers/" + url.PathEscape(tid) + "/package"
	}
	p.Data = d
	return c.render(w, http.StatusOK, "transfer_done", p)
}

// TransferPackage downloads a registered transfer's package (a zip: the
// cover letter, the data as JSON and CSV), rebuilt and checked against the
// register's hash (R-TRANSFER-4).
func (c *Console) TransferPackage(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	zip, err := c.svc.TransferPackage(r.Context(), id)
	if err != nil {
		return err
	}
	return htmlkit.Download(w, "application/zip", "derbes-transfer-"+id+".zip", zip)
}

// RecordLifeHealth documents a threat to the subject's life or health
// (P-5.1): its record is the basis of a transfer under P-5.1.
func (c *Console) RecordLifeHealth(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	id, f := r.PathValue("id"), r.PostForm
	from := f.Get("from")
	p := c.page(w, r, "console.transfers.prepare")
	p.Here = transferHref(id, "p5.1", "", from)
	d, err := c.transferData(p, r, id, "p5.1", "", from, nil)
	if err != nil {
		return err
	}
	if d.LifeHealth == nil {
		return c.svc.Refuse(ctx, "life-health.record", id, "p5.1", nil, derbes.Forbidden("", "permission", "your role may not record a threat to life or health"))
	}
	recipient := f.Get("recipientId")
	rid, err := c.svc.RecordLifeHealth(ctx, id, recipient, f.Get("justification"))
	if err != nil {
		e := derbes.AsError(err)
		if !userError(err) && !(e != nil && e.Code == derbes.ENotFound && e.Field == "recipientId") {
			return err
		}
		d.LifeHealth.Fill(f.Get)
		c.place(p, d.LifeHealth, err)
		p.Data = d
		return c.render(w, http.StatusBadRequest, "transfer", p)
	}
	c.flash(w, r, "console.transfers.flash.life_health")
	q := url.Values{"purpose": {"p5.1"}, "recipient": {recipient}, "record": {rid}}
	if from != "" {
		q.Set("from", from)
	}
	htmlkit.Redirect(w, r, "/console/subjects/"+url.PathEscape(id)+"/transfer?"+q.Encode()+"#transfer-title")
	return nil
}
