package web

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
)

// transfersData is the transfers' page: how a transfer is prepared, and
// the motivated requests of the bodies of P-5.2 (registered by the
// members who may transfer under it, decided by the responsible person).
type transfersData struct {
	Registry     bool
	Register     *form
	Categories   *checks
	Confidential *checks
	Decide       *form
	NoBodies     bool   // the registry has no body of P-5.2
	Registered   string // the id of the request just registered
	Search       string
}

// TransfersPage is the transfers' page.
func (c *Console) TransfersPage(w http.ResponseWriter, r *http.Request) error {
	p := c.page(w, r, "console.transfers.title")
	d, err := c.transfersData(p, r)
	if err != nil {
		return err
	}
	if id := r.URL.Query().Get("registered"); isID(id) {
		d.Registered = id
	}
	p.Data = d
	return c.render(w, http.StatusOK, "transfers", p)
}

// isID reports whether s looks like one of derbes's ids (hex).
func isID(s string) bool {
	return len(s) > 0 && len(s) <= 64 && strings.Trim(s, "0123456789abcdef") == ""
}

func (c *Console) transfersData(p *page, r *http.Request) (*transfersData, error) {
	ctx := r.Context()
	role := derbes.PrincipalFrom(ctx).Role
	if !c.mayTransfer(role) && !role.AllowsAny(derbes.ActApprove, "p5.2") {
		return nil, c.svc.Refuse(ctx, "transfer.page", "", "", nil, derbes.Forbidden("", "permission", "your role does not transfer data"))
	}
	d := &transfersData{Registry: c.mayReadRegistry(role), Search: "/console/subjects"}
	if role.AllowsAny(derbes.ActTransfer, "p5.2") {
		g, err := c.registry(ctx)
		if err != nil {
			return nil, err
		}
		d.Register = &form{}
		rec := d.Register.Add(htmlkit.NewField("recipientId", p.T("console.authority.body"), "select"))
		rec.Required, rec.Options = true, g.options(p, derbes.AuthorityKinds, nil)
		num := d.Register.Add(htmlkit.NewField("number", p.T("console.authority.number"), "text"))
		num.Required, num.Auto = true, "off"
		date := d.Register.Add(htmlkit.NewField("date", p.T("console.authority.date"), "date"))
		date.Required = true
		scan := d.Register.Add(htmlkit.NewField("scan", p.T("console.authority.scan"), "file"))
		scan.Required, scan.Accept, scan.Hint = true, documentAccept, p.T("console.authority.scan_hint")
		gr := d.Register.Add(htmlkit.NewField("grounds", p.T("console.authority.grounds"), "textarea"))
		gr.Required, gr.Hint = true, p.T("console.authority.grounds_hint")
		subj := d.Register.Add(htmlkit.NewField("subjects", p.T("console.authority.subjects"), "textarea"))
		subj.Required, subj.Hint = true, p.T("console.authority.subjects_hint")
		d.NoBodies = len(rec.Options) == 0
		d.Categories = &checks{Name: "categories", ID: fieldID("categories"), Label: p.T("console.authority.categories")}
		pu := c.svc.Catalogue().Purpose("p5.2")
		for _, key := range pu.Categories {
			if cat := c.svc.Catalogue().Category(key); cat != nil && cat.Type != derbes.TypeFile {
				d.Categories.Options = append(d.Categories.Options, option{Value: key, Label: p.In(cat.Label)})
			}
		}
		d.Confidential = &checks{Name: "confidential", ID: fieldID("confidential"), Label: p.T("console.authority.confidential"),
			Hint: p.T("console.authority.confidential_hint"), Options: []option{{Value: "yes", Label: p.T("console.authority.confidential_yes")}}}
	}
	if role.AllowsAny(derbes.ActApprove, "p5.2") {
		d.Decide = &form{}
		id := d.Decide.Add(htmlkit.NewField("id", p.T("console.authority.request_id"), "text"))
		id.Required, id.Auto, id.Hint = true, "off", p.T("console.authority.request_id_hint")
		dec := d.Decide.Add(htmlkit.NewField("decision", p.T("console.authority.decision"), "select"))
		dec.Required = true
		dec.Options = []option{{Value: "approve", Label: p.T("console.authority.approve")}, {Value: "reject", Label: p.T("console.authority.reject")}}
	}
	return d, nil
}

// RegisterAuthorityRequest records a motivated request with its scan's
// SHA-256 (the scan itself is not kept by the service), for the
// responsible person to decide.
func (c *Console) RegisterAuthorityRequest(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	const limit = service.MaxScan + 1<<20
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if perr := r.ParseMultipartForm(limit); perr != nil {
		err = derbes.Invalid("scan", "file-upload-required", "the upload is not a multipart form with a file")
		var mbe *http.MaxBytesError
		if errors.As(perr, &mbe) {
			err = &derbes.Error{Code: derbes.ETooLarge, Field: "scan", Rule: "scan-too-large", Message: "the scan is larger than 10 MiB"}
		}
	} else {
		defer r.MultipartForm.RemoveAll()
	}
	p := c.page(w, r, "console.transfers.title")
	p.Here = "/console/transfers"
	d, derr := c.transfersData(p, r)
	if derr != nil {
		return derr
	}
	if d.Register == nil {
		return c.svc.Refuse(ctx, "authority-request.register", "", "p5.2", nil, derbes.Forbidden("", "permission", "your role may not register motivated requests"))
	}
	f := r.PostForm
	var a *store.AuthorityRequest
	if err == nil {
		var data []byte
		if data, err = readUpload(r, "scan"); err == nil {
			sum := sha256.Sum256(data)
			in := service.AuthorityRequestInput{RecipientID: f.Get("recipientId"), Number: f.Get("number"), Date: f.Get("date"),
				Grounds: f.Get("grounds"), Subjects: lines(f.Get("subjects")), Categories: f["categories"],
				Confidential: f.Get("confidential") == "yes", ScanSHA256: hex.EncodeToString(sum[:])}
			a, err = c.svc.RegisterAuthorityRequest(ctx, in)
		}
	}
	if err != nil {
		e := derbes.AsError(err)
		if e == nil || (!userError(err) && e.Code != derbes.ETooLarge && !(e.Code == derbes.ENotFound && e.Field == "recipientId")) {
			return err
		}
		if f != nil {
			d.Register.Fill(f.Get)
			d.Categories.Values, d.Confidential.Values = f["categories"], f["confidential"]
		}
		switch e.Field {
		case "categories":
			c.markChecks(p, d.Categories, c.errText(p.Lang, err))
		case "scanSha256":
			c.mark(p, d.Register.Get("scan"), c.errText(p.Lang, err))
		default:
			c.place(p, d.Register, err)
		}
		p.Data = d
		return c.render(w, formStatus(err), "transfers", p)
	}
	c.flash(w, r, "console.authority.flash.registered")
	htmlkit.Redirect(w, r, "/console/transfers?registered="+url.QueryEscape(a.ID)+"#authority")
	return nil
}

// lines splits a textarea into its non-empty trimmed lines (commas and
// spaces separate too).
func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' })
}

// DecideAuthorityRequest approves or rejects a registered motivated
// request by its id: the responsible person's decision.
func (c *Console) DecideAuthorityRequest(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	p := c.page(w, r, "console.transfers.title")
	p.Here = "/console/transfers"
	d, err := c.transfersData(p, r)
	if err != nil {
		return err
	}
	if d.Decide == nil {
		return c.svc.Refuse(ctx, "authority-request.decide", "", "p5.2", nil, derbes.Forbidden("", "permission", "only the responsible person approves motivated requests"))
	}
	f := r.PostForm
	id, decision := strings.TrimSpace(f.Get("id")), f.Get("decision")
	switch {
	case id == "":
		err = derbes.Invalid("id", "required", "the request's id")
	case decision != "approve" && decision != "reject":
		err = derbes.Invalid("decision", "required", "approve or reject")
	default:
		err = c.svc.DecideAuthorityRequest(ctx, id, decision == "approve")
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		d.Decide.Fill(f.Get)
		c.place(p, d.Decide, err)
		p.Data = d
		return c.render(w, formStatus(err), "transfers", p)
	}
	c.flash(w, r, "console.authority.flash."+map[bool]string{true: "approved", false: "rejected"}[decision == "approve"])
	htmlkit.Redirect(w, r, "/console/transfers#authority")
	return nil
}
