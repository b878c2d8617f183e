package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// documentAccept is what the document upload offers to pick; the service
// checks the type by content.
const documentAccept = ".pdf,.jpg,.jpeg,.png"

// ordersData is the orders section of a subject's page (R-APPLY-1).
// queueRow is an order waiting for staff, in the queue of the orders page.
type queueRow struct {
	ID, SubjectID, Year string
	Created             time.Time
	Services            []string
	Institutions        int
}

type ordersData struct {
	Orders         []*orderRow
	Err            string
	New            *form // nil when the member may not create orders
	Services       *checks
	NoInstitutions bool
	Registry       string // the registry's page, when the member may see it
}

type orderRow struct {
	ID, Anchor              string
	Services                string   // their names, by commas
	Institutions            []string // "name — country"
	AcademicYear, Programme string
	Status                  string
	Closed                  bool
	History                 []historyRow
	Move                    *form // the next statuses; nil when closed or read-only
	Upload                  *form // a document: its category and file
	Transfer                string
	Err                     string // an error of this order's forms that names no field
	Messages                []service.OrderMessage
	Ask                     bool // the member may ask the applicant
}

type historyRow struct {
	Status, By, ByID string
	At               time.Time
}

func (d *ordersData) find(id string) *orderRow {
	if d == nil {
		return nil
	}
	for _, o := range d.Orders {
		if o.ID == id {
			return o
		}
	}
	return nil
}

// ordersData reads the subject's orders with the forms the member may
// use. Orders serve P-4.1b: the section shows on the page under it.
func (c *Console) ordersData(p *page, r *http.Request, subjectID string, g *registry) (*ordersData, error) {
	ctx := r.Context()
	s := sessionFrom(ctx)
	role := derbes.PrincipalFrom(ctx).Role
	if !role.AllowsAny(derbes.ActRead, orderPurpose) {
		return nil, nil
	}
	d := &ordersData{}
	if c.mayReadRegistry(role) {
		d.Registry = "/console/recipients"
	}
	list, err := c.svc.Orders(ctx, subjectID)
	if err != nil {
		if !userError(err) {
			return nil, err
		}
		d.Err = c.errText(p.Lang, err)
		return d, nil
	}
	write := role.AllowsAny(derbes.ActWrite, orderPurpose)
	for _, o := range list {
		row := &orderRow{ID: o.ID, Anchor: "order-" + o.ID, AcademicYear: o.AcademicYear, Programme: o.Programme,
			Status: p.T("console.orders.status." + o.Status), Closed: o.Status == "closed"}
		var services []string
		for _, sv := range o.Services {
			services = append(services, p.T("console.orders.service."+sv))
		}
		row.Services = strings.Join(services, ", ")
		for _, id := range o.Institutions {
			if rec, ok := g.byID[id]; ok {
				row.Institutions = append(row.Institutions, recipientLabel(p, rec))
			} else {
				row.Institutions = append(row.Institutions, id)
			}
		}
		for _, ev := range o.History {
			h := historyRow{Status: p.T("console.orders.status." + ev.Status), At: ev.At, ByID: ev.By, By: p.Short(ev.By)}
			if s != nil && ev.By == s.who.ID {
				h.By = s.me.Name
			}
			row.History = append(row.History, h)
		}
		if write {
			row.Move = c.moveForm(p, o.ID, o.Status)
			row.Upload = c.uploadForm(p, role, o.ID)
			row.Ask = !row.Closed
		}
		if row.Messages, err = c.svc.OrderMessages(ctx, "", o.ID); err != nil {
			return nil, err
		}
		if len(o.Institutions) > 0 && role.AllowsAny(derbes.ActTransfer, "p4.2b1") {
			row.Transfer = transferHref(subjectID, "p4.2b1", o.ID, orderPurpose)
		}
		d.Orders = append(d.Orders, row)
	}
	if write {
		d.New, d.Services = c.newOrderForm(p, g)
		d.NoInstitutions = len(d.New.Get("institutions").Options) == 0
	}
	return d, nil
}

// newOrderForm is the form of a new order: services, institutions from the
// registry's educational organisations, academic year, programme.
func (c *Console) newOrderForm(p *page, g *registry) (*form, *checks) {
	sv := &checks{Name: "services", ID: fieldID("services"), Label: p.T("console.orders.services")}
	for _, k := range service.Services {
		sv.Options = append(sv.Options, option{Value: k, Label: p.T("console.orders.service." + k)})
	}
	f := &form{}
	inst := f.Add(htmlkit.NewField("institutions", p.T("console.orders.institutions"), "select"))
	inst.Multiple, inst.Options, inst.Hint = true, g.options(p, []string{"education-org"}, nil), p.T("console.orders.institutions_hint")
	year := f.Add(htmlkit.NewField("academicYear", p.T("console.orders.academic_year"), "text"))
	year.Required, year.Auto, year.Value, year.Hint = true, "off", academicYear(c.svc.Now()), p.T("console.orders.academic_year_hint")
	prog := f.Add(htmlkit.NewField("programme", p.T("console.orders.programme"), "text"))
	prog.Auto, prog.Hint = "off", p.T("console.orders.programme_hint")
	return f, sv
}

// academicYear is the academic year that starts next: from January to
// August the one starting this September, else next year's.
func academicYear(now time.Time) string {
	y := now.In(almaty).Year()
	if now.In(almaty).Month() >= time.September {
		y++
	}
	return fmt.Sprintf("%d/%d", y, y+1)
}

// moveForm offers the statuses after the current one (an order moves
// forward only); nil when there is none.
func (c *Console) moveForm(p *page, orderID, status string) *form {
	i := slices.Index(service.OrderStatuses, status)
	if i < 0 || i == len(service.OrderStatuses)-1 {
		return nil
	}
	f := &form{}
	st := f.Add(htmlkit.NewField("status", p.T("console.orders.next_status"), "select"))
	st.ID = "f-status-" + orderID
	for _, s := range service.OrderStatuses[i+1:] {
		st.Options = append(st.Options, option{Value: s, Label: p.T("console.orders.status." + s)})
	}
	return f
}

// uploadForm is a document upload: a file category of P-4.1b the member
// may write, and the file.
func (c *Console) uploadForm(p *page, role derbes.Role, orderID string) *form {
	pu := c.svc.Catalogue().Purpose(orderPurpose)
	f := &form{}
	cat := f.Add(htmlkit.NewField("category", p.T("console.orders.document_category"), "select"))
	cat.ID = "f-category-" + orderID
	for _, key := range pu.Categories {
		if cc := c.svc.Catalogue().Category(key); cc != nil && cc.Type == derbes.TypeFile && role.Allows(derbes.ActWrite, orderPurpose, key) {
			cat.Options = append(cat.Options, option{Value: key, Label: p.In(cc.Label)})
		}
	}
	if len(cat.Options) == 0 {
		return nil
	}
	doc := f.Add(htmlkit.NewField("document", p.T("console.orders.document"), "file"))
	doc.ID, doc.Accept, doc.Required, doc.Hint = "f-document-"+orderID, documentAccept, true, p.T("console.orders.document_hint")
	return f
}

// OrdersPage is the orders' entry: an applicant's orders are on their
// page, found by a search under P-4.1b.
func (c *Console) OrdersPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	role := derbes.PrincipalFrom(ctx).Role
	if !role.AllowsAny(derbes.ActRead, orderPurpose) {
		return c.svc.Refuse(ctx, "order.list", "", orderPurpose, nil, derbes.Forbidden("", "permission", "your role may not read orders"))
	}
	p := c.page(w, r, "console.orders.title")
	f := c.searchForm(p, role)
	f.Fields = f.Fields[1:] // the purpose is P-4.1b, sent hidden
	queue, err := c.svc.OrderQueue(ctx, 50)
	if err != nil {
		return err
	}
	d := struct {
		Form     *form
		Purpose  *derbes.Purpose
		Registry bool
		Queue    []queueRow
	}{f, c.svc.Catalogue().Purpose(orderPurpose), c.mayReadRegistry(role), nil}
	for _, o := range queue {
		row := queueRow{ID: o.ID, SubjectID: o.SubjectID, Created: time.UnixMicro(o.CreatedAt), Year: o.AcademicYear, Institutions: len(o.Institutions)}
		for _, sv := range o.Services {
			row.Services = append(row.Services, p.T("console.orders.service."+sv))
		}
		d.Queue = append(d.Queue, row)
	}
	p.Data = &d
	return c.render(w, http.StatusOK, "orders", p)
}

// CreateOrder records a new order as a draft.
func (c *Console) CreateOrder(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	id := r.PathValue("id")
	in := service.NewOrder{Services: r.PostForm["services"], Institutions: r.PostForm["institutions"],
		AcademicYear: strings.TrimSpace(r.PostForm.Get("academicYear")), Programme: strings.TrimSpace(r.PostForm.Get("programme"))}
	if _, err := c.svc.CreateOrder(ctx, id, in); err != nil {
		if !userError(err) {
			return err
		}
		return c.subjectAgain(w, r, id, err, func(p *page, d *subjectData) bool {
			if d.Orders == nil || d.Orders.New == nil {
				return false
			}
			o := d.Orders
			o.New.FillAll(r.PostForm)
			o.Services.Values = in.Services
			if e := derbes.AsError(err); e != nil && e.Field == o.Services.Name {
				c.markChecks(p, o.Services, c.errText(p.Lang, err))
			} else {
				c.place(p, o.New, err)
			}
			return true
		})
	}
	c.flash(w, r, "console.orders.flash.created")
	htmlkit.Redirect(w, r, subjectHref(id, orderPurpose)+"#orders")
	return nil
}

// subjectAgain shows the subject's page under P-4.1b again with err placed
// by put in the form it concerns (at the top of the page when put cannot).
func (c *Console) subjectAgain(w http.ResponseWriter, r *http.Request, id string, err error, put func(*page, *subjectData) bool) error {
	p := c.page(w, r, "console.subject.title")
	p.Here = subjectHref(id, orderPurpose)
	d, lerr := c.loadSubject(p, r, id, orderPurpose)
	if lerr != nil {
		return lerr
	}
	if !put(p, d) {
		p.Error = c.errText(p.Lang, err)
	}
	p.Data = d
	return c.render(w, formStatus(err), "subject", p)
}

// markChecks puts msg next to a group of checkboxes and in the summary.
func (c *Console) markChecks(p *page, ch *checks, msg string) {
	ch.Err = msg
	p.Issues = append(p.Issues, issue{ID: ch.ID, Label: ch.Label, Message: msg})
}

// subjectOrder checks that the order is the subject's.
func (c *Console) subjectOrder(r *http.Request, subjectID, orderID string) error {
	list, err := c.svc.Orders(r.Context(), subjectID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(list, func(o service.OrderView) bool { return o.ID == orderID }) {
		return derbes.NotFound("no such order of this subject")
	}
	return nil
}

// MoveOrder moves an order to a later status; the applicant is told by
// e-mail when their consent to P-4.2a allows it.
func (c *Console) MoveOrder(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id, oid := r.PathValue("id"), r.PathValue("orderId")
	if err := c.subjectOrder(r, id, oid); err != nil {
		return err
	}
	ev, err := c.svc.MoveOrder(r.Context(), oid, r.PostForm.Get("status"))
	if err != nil {
		if !userError(err) {
			return err
		}
		return c.subjectAgain(w, r, id, err, func(p *page, d *subjectData) bool {
			o := d.Orders.find(oid)
			if o == nil || o.Move == nil {
				return false
			}
			o.Move.Fill(r.PostForm.Get)
			c.placeOrder(p, o, o.Move, err)
			return true
		})
	}
	key := "console.orders.flash.moved"
	if ev.Mailed == "sent" {
		key = "console.orders.flash.moved_mailed"
	}
	c.flash(w, r, key)
	htmlkit.Redirect(w, r, subjectHref(id, orderPurpose)+"#order-"+url.PathEscape(oid))
	return nil
}

// placeOrder shows err next to the order form's field it names, else in
// the order's box.
func (c *Console) placeOrder(p *page, o *orderRow, f *form, err error) {
	msg := c.errText(p.Lang, err)
	if e := derbes.AsError(err); e != nil {
		if fl := f.Get(e.Field); fl != nil {
			c.mark(p, fl, msg)
			return
		}
	}
	o.Err = msg
	p.Error = msg
}

// AttachOrderDocument stores a document of an order (a multipart upload).
// The whole upload is held in memory, never in a temporary file: it is a
// scan of an identity document or a diploma.
func (c *Console) AttachOrderDocument(w http.ResponseWriter, r *http.Request) error {
	id, oid := r.PathValue("id"), r.PathValue("orderId")
	const limit = service.MaxScan + 1<<20
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	var category string
	var data []byte
	if perr := r.ParseMultipartForm(limit); perr != nil {
		err = &derbes.Error{Code: derbes.ETooLarge, Field: "document", Rule: "scan-too-large", Message: "the document is larger than 10 MiB"}
		var mbe *http.MaxBytesError
		if !errors.As(perr, &mbe) {
			err = derbes.Invalid("document", "file-upload-required", "the upload is not a multipart form with a file")
		}
	} else {
		defer r.MultipartForm.RemoveAll()
		category = r.PostForm.Get("category")
		data, err = readUpload(r, "document")
	}
	if err == nil {
		if err = c.subjectOrder(r, id, oid); err != nil {
			return err
		}
		_, err = c.svc.AttachOrderDocument(r.Context(), oid, category, data)
	}
	if err != nil {
		if !userError(err) && derbes.CodeOf(err) != derbes.ETooLarge {
			return err
		}
		return c.subjectAgain(w, r, id, err, func(p *page, d *subjectData) bool {
			o := d.Orders.find(oid)
			if o == nil || o.Upload == nil {
				return false
			}
			o.Upload.Get("category").Value = category
			c.placeOrder(p, o, o.Upload, err)
			return true
		})
	}
	c.flash(w, r, "console.orders.flash.document")
	htmlkit.Redirect(w, r, subjectHref(id, orderPurpose)+"#order-"+url.PathEscape(oid))
	return nil
}

// readUpload reads the file of a parsed multipart form's field.
func readUpload(r *http.Request, name string) ([]byte, error) {
	f, hdr, err := r.FormFile(name)
	if err != nil || hdr.Size == 0 {
		return nil, derbes.Invalid(name, "file-upload-required", "attach a file")
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, service.MaxScan+1))
}

// AskApplicant posts a question to the applicant about an order; they
// answer in the portal.
func (c *Console) AskApplicant(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id, oid := r.PathValue("id"), r.PathValue("orderId")
	if err := c.subjectOrder(r, id, oid); err != nil {
		return err
	}
	if err := c.svc.AskApplicant(r.Context(), oid, r.PostForm.Get("text")); err != nil {
		return err
	}
	c.flash(w, r, "console.orders.flash.asked")
	htmlkit.Redirect(w, r, "/console/subjects/"+url.PathEscape(id)+"?purpose="+orderPurpose+"#order-"+oid)
	return nil
}
