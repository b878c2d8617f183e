package portal

import (
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

// The online application's pages, in order. The draft's token lives in a
// cookie scoped to /portal/apply; nothing is a subject's record until the
// last page's code confirms it.
const (
	applyPath       = "/portal/apply"
	applyCookie     = "derbes_apply"
	applyChallenge  = "derbes_apply_code"
	applyCookiePath = "/portal/apply"
	maxApplyUpload  = 3*service.MaxScan + 1<<20
)

// applySteps name the progress indicator's steps.
var applySteps = []string{"contact", "services", "data", "consent", "confirm"}

type applyData struct {
	Step    int // 1-based, for the progress indicator
	Steps   []applyStep
	Form    *form
	Checks  []applyCheck
	Channel string
	St      *service.ApplyStatement
	Labels  []string // categories to be processed, in the page's language
	Insts   []applyInst
	Purpose []applyPurpose
	Minutes int
	// Countries names the countries outside Kazakhstan the data would go
	// to, in the page's language (Art. 16).
	Countries string
	// Rep names the relationship of the representative who consents.
	Rep string
	// Find is the registry search of the services step.
	Find []*field
}

type applyStep struct{ Key, State string } // State: done, now or ""

type applyCheck struct {
	Name, Label, Legend, Err string
	Options                  []option
	Checked                  []string
	Required                 bool
}

func (c applyCheck) Has(v string) bool { return slices.Contains(c.Checked, v) }

type applyInst struct{ Name, Country string }

type applyPurpose struct {
	Code, Title, Description string
	Required                 bool
}

func (p *Portal) applyPage(w http.ResponseWriter, r *http.Request, step int) (*page, *applyData) {
	pg := p.page(w, r, "portal.apply.title")
	pg.Here = safeNext(r.URL.Path)
	d := &applyData{Step: step, Minutes: int(service.CodeTTL.Minutes())}
	for i, k := range applySteps {
		st := applyStep{Key: k}
		switch {
		case i+1 == step:
			st.State = "now"
		case i+1 < step:
			st.State = "done"
		}
		d.Steps = append(d.Steps, st)
	}
	pg.Data = d
	return pg, d
}

func applyToken(r *http.Request) string {
	if ck, err := r.Cookie(applyCookie); err == nil {
		return ck.Value
	}
	return ""
}

// draftOr sends the browser back to the start when there is no verified
// draft; it reports whether the page may go on.
func (p *Portal) draftOr(w http.ResponseWriter, r *http.Request) (*service.Draft, bool, error) {
	d, err := p.svc.ApplyDraft(r.Context(), applyToken(r))
	if derbes.CodeOf(err) == derbes.EUnauthorized {
		htmlkit.ClearCookie(w, r, applyCookie, applyCookiePath)
		htmlkit.Redirect(w, r, applyPath+"?reason="+derbes.RuleOf(err))
		return nil, false, nil
	}
	return d, err == nil, err
}

// ApplyStart is the first page: the applicant's e-mail or phone.
func (p *Portal) ApplyStart(w http.ResponseWriter, r *http.Request) error {
	pg, d := p.applyPage(w, r, 1)
	if r.URL.Query().Get("reason") == "draft-expired" {
		pg.Error = pg.T("portal.apply.expired")
	}
	d.Form = p.addressForm(pg.Lang)
	return p.render(w, http.StatusOK, "apply_start", pg)
}

// ApplyBegin opens a draft and sends the code, whoever the address is.
func (p *Portal) ApplyBegin(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	address := strings.TrimSpace(r.PostForm.Get("address"))
	var err error = derbes.Invalid("address", "required", "enter an e-mail address or a phone number")
	var tok string
	var ch *service.Challenge
	if address != "" {
		host, _, serr := net.SplitHostPort(r.RemoteAddr)
		if serr != nil {
			host = r.RemoteAddr
		}
		tok, ch, err = p.svc.ApplyBegin(r.Context(), address, string(p.lang(r)), host)
	}
	if err != nil {
		pg, d := p.applyPage(w, r, 1)
		pg.Here = applyPath
		d.Form = p.addressForm(pg.Lang)
		d.Form.Get("address").Value = address
		return p.applyFail(w, pg, d.Form, err, "apply_start", "address")
	}
	htmlkit.SetCookie(w, r, applyCookie, tok, applyCookiePath, 0)
	htmlkit.SetCookie(w, r, applyChallenge, ch.ID+"|"+ch.Channel, applyCookiePath, int(service.CodeTTL.Seconds()))
	htmlkit.Redirect(w, r, applyPath+"/code")
	return nil
}

// applyFail shows a refusal at its field, or above the form.
func (p *Portal) applyFail(w http.ResponseWriter, pg *page, f *form, err error, tmpl, fallback string) error {
	status := htmlkit.Status(derbes.CodeOf(err))
	if status == 0 || status >= 500 {
		return err
	}
	if f != nil && derbes.CodeOf(err) != derbes.ETooMany {
		p.place(pg, f, err, fallback)
	} else {
		pg.Error = p.errText(pg.Lang, err)
	}
	return p.render(w, status, tmpl, pg)
}

func applyChallengeOf(r *http.Request) (string, string) {
	ck, err := r.Cookie(applyChallenge)
	if err != nil {
		return "", ""
	}
	id, ch, _ := strings.Cut(ck.Value, "|")
	return id, ch
}

// ApplyCodePage asks for the code that verifies the contact (step 1) or
// confirms the application (step 5).
func (p *Portal) ApplyCodePage(w http.ResponseWriter, r *http.Request) error {
	step := 1
	if strings.HasSuffix(r.URL.Path, "/confirm") {
		step = 5
	}
	pg, d := p.applyPage(w, r, step)
	_, d.Channel = applyChallengeOf(r)
	d.Form = p.codeForm(pg.Lang)
	return p.render(w, http.StatusOK, "apply_code", pg)
}

// ApplyVerify checks the first code.
func (p *Portal) ApplyVerify(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id, channel := applyChallengeOf(r)
	code := strings.Join(strings.Fields(r.PostForm.Get("code")), "")
	var err error = derbes.Invalid("code", "code-required", "enter the code")
	if code != "" {
		err = p.svc.ApplyVerify(r.Context(), applyToken(r), id, code)
	}
	if derbes.CodeOf(err) == derbes.EUnauthorized {
		htmlkit.Redirect(w, r, applyPath+"?reason="+derbes.RuleOf(err))
		return nil
	}
	if err != nil {
		pg, d := p.applyPage(w, r, 1)
		d.Channel, d.Form = channel, p.codeForm(pg.Lang)
		return p.applyFail(w, pg, d.Form, err, "apply_code", "code")
	}
	htmlkit.ClearCookie(w, r, applyChallenge, applyCookiePath)
	htmlkit.Redirect(w, r, applyPath+"/services")
	return nil
}

// servicesForm is step 2: who applies, which services, which institutions.
func (p *Portal) servicesForm(pg *page, d *applyData, dr *service.Draft, r *http.Request) error {
	f := &form{}
	cz := f.Add(htmlkit.NewField("citizenship", pg.T("portal.apply.citizenship"), "select"))
	cz.Required, cz.Value = true, dr.Citizenship
	cz.Options = []option{{Value: "", Label: "—"}}
	for _, k := range p.svc.Catalogue().Citizenships {
		cz.Options = append(cz.Options, option{Value: k.Key, Label: pg.In(k.Label)})
	}
	yr := f.Add(htmlkit.NewField("academicYear", pg.T("portal.apply.year"), "select"))
	yr.Required, yr.Value = true, dr.AcademicYear
	y := time.Now().Year()
	for _, a := range []int{y - 1, y, y + 1} {
		v := strconv.Itoa(a) + "/" + strconv.Itoa(a+1)
		yr.Options = append(yr.Options, option{Value: v, Label: v})
	}
	if yr.Value == "" {
		yr.Value = strconv.Itoa(y) + "/" + strconv.Itoa(y+1)
	}
	prog := f.Add(htmlkit.NewField("programme", pg.T("portal.apply.programme"), "text"))
	prog.Value, prog.Hint = dr.Programme, pg.T("portal.apply.programme_hint")
	// An institution the registry lacks, for staff to confirm.
	pn := f.Add(htmlkit.NewField("proposed.name", pg.T("portal.apply.proposed_name"), "text"))
	pn.Hint = pg.T("portal.apply.proposed_hint")
	pc := f.Add(htmlkit.NewField("proposed.country", pg.T("portal.apply.proposed_country"), "select"))
	pc.Options = []option{{Value: "", Label: "—"}}
	for _, code := range htmlkit.CountryCodes() {
		pc.Options = append(pc.Options, option{Value: code, Label: htmlkit.CountryName(pg.Lang, code)})
	}
	slices.SortFunc(pc.Options[1:], func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	if dr.Proposed != nil {
		pn.Value, pc.Value = dr.Proposed.Name, dr.Proposed.Country
	}
	// A legal representative applies for a minor (Art. 7 p.1): the
	// contact verified is theirs, and they give the consents.
	rel := f.Add(htmlkit.NewField("rep.relationship", pg.T("portal.apply.rep"), "select"))
	rel.Hint = pg.T("portal.apply.rep_hint")
	rel.Options = []option{{Value: "", Label: pg.T("portal.apply.rep_self")}}
	for _, k := range p.svc.Catalogue().Relationships {
		rel.Options = append(rel.Options, option{Value: k.Key, Label: pg.In(k.Label)})
	}
	repName := f.Add(htmlkit.NewField("rep.fullName", pg.T("portal.apply.rep_name"), "text"))
	repIIN := f.Add(htmlkit.NewField("rep.iin", pg.T("portal.apply.rep_iin"), "text"))
	repIIN.InputMode = "numeric"
	if dr.Rep != nil {
		rel.Value, repName.Value, repIIN.Value = dr.Rep.Relationship, dr.Rep.FullName, dr.Rep.IIN
	}
	d.Form = f
	svc := applyCheck{Name: "services", Legend: pg.T("portal.apply.services"), Checked: dr.Services, Required: true}
	for _, s := range service.Services {
		svc.Options = append(svc.Options, option{Value: s, Label: pg.T("console.orders.service." + s)})
	}
	inst := applyCheck{Name: "institutions", Legend: pg.T("portal.apply.institutions"), Checked: dr.Institutions, Required: true}
	recips, err := p.svc.Institutions(r.Context())
	if err != nil {
		return err
	}
	// The search (country and part of a name, in any language) narrows the
	// list; institutions already chosen stay in it.
	country, q := r.FormValue("find.country"), strings.ToLower(strings.TrimSpace(r.FormValue("find.q")))
	countries := map[string]bool{}
	for _, rc := range recips {
		countries[rc.Country] = true
		match := (country == "" || rc.Country == country) && (q == "" || slices.ContainsFunc([]string{rc.Names["kk"], rc.Names["ru"], rc.Names["en"]},
			func(n string) bool { return strings.Contains(strings.ToLower(n), q) }))
		if match || slices.Contains(inst.Checked, rc.ID) {
			inst.Options = append(inst.Options, option{Value: rc.ID, Label: rc.Names[string(pg.Lang)] + " — " + htmlkit.CountryName(pg.Lang, rc.Country)})
		}
	}
	d.Checks = []applyCheck{svc, inst}
	fc := htmlkit.NewField("find.country", pg.T("portal.apply.find_country"), "select")
	fc.Value, fc.Options = country, []option{{Value: "", Label: pg.T("portal.apply.find_any")}}
	for _, c := range slices.Sorted(maps.Keys(countries)) {
		fc.Options = append(fc.Options, option{Value: c, Label: htmlkit.CountryName(pg.Lang, c)})
	}
	fq := htmlkit.NewField("find.q", pg.T("portal.apply.find_name"), "text")
	fq.Value = r.FormValue("find.q")
	d.Find = []*field{fc, fq}
	return nil
}

// ApplyServicesPage is step 2.
func (p *Portal) ApplyServicesPage(w http.ResponseWriter, r *http.Request) error {
	dr, ok, err := p.draftOr(w, r)
	if !ok {
		return err
	}
	pg, d := p.applyPage(w, r, 2)
	if err := p.servicesForm(pg, d, dr, r); err != nil {
		return err
	}
	return p.render(w, http.StatusOK, "apply_services", pg)
}

// ApplyServices records step 2.
func (p *Portal) ApplyServices(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	dr, ok, err := p.draftOr(w, r)
	if !ok {
		return err
	}
	f := r.PostForm
	if f.Get("action") == "find" {
		// A search: show the narrowed list with everything typed so far.
		pg, d := p.applyPage(w, r, 2)
		dr.Citizenship, dr.Services, dr.Institutions, dr.AcademicYear, dr.Programme = f.Get("citizenship"), f["services"], f["institutions"], f.Get("academicYear"), f.Get("programme")
		if err := p.servicesForm(pg, d, dr, r); err != nil {
			return err
		}
		d.Form.FillAll(f)
		return p.render(w, http.StatusOK, "apply_services", pg)
	}
	in := service.ApplyChoices{Citizenship: f.Get("citizenship"), Services: f["services"], Institutions: f["institutions"],
		AcademicYear: f.Get("academicYear"), Programme: f.Get("programme")}
	if strings.TrimSpace(f.Get("proposed.name")) != "" || f.Get("proposed.country") != "" {
		in.Proposed = &service.DraftProposal{Name: f.Get("proposed.name"), Country: f.Get("proposed.country")}
	}
	if f.Get("rep.relationship") != "" || strings.TrimSpace(f.Get("rep.fullName")+f.Get("rep.iin")) != "" {
		in.Rep = &service.DraftRep{Relationship: f.Get("rep.relationship"), FullName: f.Get("rep.fullName"), IIN: f.Get("rep.iin")}
	}
	if err := p.svc.ApplyChoose(r.Context(), applyToken(r), in); err != nil {
		pg, d := p.applyPage(w, r, 2)
		dr.Citizenship, dr.Services, dr.Institutions, dr.AcademicYear, dr.Programme, dr.Rep, dr.Proposed = in.Citizenship, in.Services, in.Institutions, in.AcademicYear, in.Programme, in.Rep, in.Proposed
		if ferr := p.servicesForm(pg, d, dr, r); ferr != nil {
			return ferr
		}
		if e := derbes.AsError(err); e != nil && (e.Field == "services" || e.Field == "institutions") {
			for i := range d.Checks {
				if d.Checks[i].Name == e.Field {
					d.Checks[i].Err = p.errText(pg.Lang, err)
					pg.Issues = append(pg.Issues, issue{ID: "f-" + e.Field, Label: d.Checks[i].Legend, Message: d.Checks[i].Err})
				}
			}
			return p.render(w, htmlkit.Status(derbes.CodeOf(err)), "apply_services", pg)
		}
		return p.applyFail(w, pg, d.Form, err, "apply_services", "")
	}
	htmlkit.Redirect(w, r, applyPath+"/data")
	return nil
}

// dataForm is step 3: the fields the chosen services need, generated from
// the catalogue, and their documents.
func (p *Portal) dataForm(pg *page, d *applyData, dr *service.Draft) {
	f := &form{}
	for _, key := range p.svc.ApplyCategories(dr.Services) {
		cat := p.svc.Catalogue().Category(key)
		if key == dr.ContactKind {
			continue // verified at the start
		}
		var fl *field
		switch cat.Type {
		case derbes.TypeFile:
			fl = htmlkit.NewField("files."+key, pg.In(cat.Label), "file")
			fl.Accept = "application/pdf,image/jpeg,image/png"
			fl.Hint = pg.T("portal.apply.file_hint")
			if slices.ContainsFunc(dr.Files, func(x service.DraftFile) bool { return x.Category == key }) {
				fl.Hint = pg.T("portal.apply.file_kept")
			}
		case derbes.TypeDate:
			fl = htmlkit.NewField("values."+key, pg.In(cat.Label), "date")
		case derbes.TypeEmail:
			fl = htmlkit.NewField("values."+key, pg.In(cat.Label), "email")
		case derbes.TypePhone:
			fl = htmlkit.NewField("values."+key, pg.In(cat.Label), "tel")
		case derbes.TypeKV:
			fl = htmlkit.NewField("values."+key, pg.In(cat.Label), "textarea")
		default:
			fl = htmlkit.NewField("values."+key, pg.In(cat.Label), "text")
		}
		if fl.Type != "file" {
			fl.Value = dr.Values[key]
		}
		fl.Required = key == "full_name"
		f.Add(fl)
	}
	d.Form = f
}

// ApplyDataPage is step 3.
func (p *Portal) ApplyDataPage(w http.ResponseWriter, r *http.Request) error {
	dr, ok, err := p.draftOr(w, r)
	if !ok {
		return err
	}
	if len(dr.Services) == 0 {
		htmlkit.Redirect(w, r, applyPath+"/services")
		return nil
	}
	pg, d := p.applyPage(w, r, 3)
	p.dataForm(pg, d, dr)
	return p.render(w, http.StatusOK, "apply_data", pg)
}

// ApplyData records step 3 (a multipart form: values and documents).
func (p *Portal) ApplyData(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxApplyUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return &derbes.Error{Code: derbes.ETooLarge, Field: "files", Rule: "scan-too-large", Message: "the upload is too large"}
	}
	dr, ok, err := p.draftOr(w, r)
	if !ok {
		return err
	}
	values := map[string]string{}
	for k, v := range r.MultipartForm.Value {
		if key, ok := strings.CutPrefix(k, "values."); ok && len(v) > 0 {
			values[key] = v[0]
		}
	}
	var files []service.DraftFile
	for k, hs := range r.MultipartForm.File {
		key, ok := strings.CutPrefix(k, "files.")
		if !ok || len(hs) == 0 || hs[0].Size == 0 {
			continue
		}
		fh, err := hs[0].Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(fh, service.MaxScan+1))
		fh.Close()
		if err != nil {
			return err
		}
		files = append(files, service.DraftFile{Category: key, ContentType: service.ApplyScanType(data), Data: data})
	}
	if err := p.svc.ApplyData(r.Context(), applyToken(r), values, files); err != nil {
		pg, d := p.applyPage(w, r, 3)
		for k, v := range values {
			if dr.Values == nil {
				dr.Values = map[string]string{}
			}
			dr.Values[k] = v
		}
		p.dataForm(pg, d, dr)
		return p.applyFail(w, pg, d.Form, err, "apply_data", "")
	}
	htmlkit.Redirect(w, r, applyPath+"/consent")
	return nil
}

// consentData is step 4: the statement and the consents to give.
func (p *Portal) consentData(pg *page, d *applyData, st *service.ApplyStatement, chosen []string) {
	d.St = st
	for _, k := range st.Categories {
		if cat := p.svc.Catalogue().Category(k); cat != nil {
			d.Labels = append(d.Labels, pg.In(cat.Label))
		}
	}
	for _, r := range st.Institutions {
		d.Insts = append(d.Insts, applyInst{Name: r.Names[string(pg.Lang)], Country: htmlkit.CountryName(pg.Lang, r.Country)})
	}
	var names []string
	for _, c := range st.CrossBorder {
		names = append(names, htmlkit.CountryName(pg.Lang, c))
	}
	d.Countries = strings.Join(names, ", ")
	if r := st.Draft.Rep; r != nil {
		for _, k := range p.svc.Catalogue().Relationships {
			if k.Key == r.Relationship {
				d.Rep = pg.In(k.Label)
			}
		}
	}
	contract := p.svc.Catalogue().Purpose("p4.1b")
	d.Purpose = append(d.Purpose, applyPurpose{Code: "contract", Title: pg.In(contract.Title), Description: pg.T("portal.apply.contract_text"), Required: true})
	opt := applyCheck{Name: "optional", Legend: pg.T("portal.apply.optional"), Checked: chosen}
	for _, code := range st.Optional {
		pu := p.svc.Catalogue().Purpose(code)
		opt.Options = append(opt.Options, option{Value: code, Label: pu.Policy + " · " + pg.In(pu.Title)})
	}
	d.Checks = []applyCheck{opt}
}

// ApplyConsentPage is step 4.
func (p *Portal) ApplyConsentPage(w http.ResponseWriter, r *http.Request) error {
	if _, ok, err := p.draftOr(w, r); !ok {
		return err
	}
	st, err := p.svc.ApplyPreview(r.Context(), applyToken(r))
	if err != nil {
		return err
	}
	pg, d := p.applyPage(w, r, 4)
	p.consentData(pg, d, st, st.Draft.Optional)
	return p.render(w, http.StatusOK, "apply_consent", pg)
}

// ApplyConsent records the choices and sends the confirming code.
func (p *Portal) ApplyConsent(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	if _, ok, err := p.draftOr(w, r); !ok {
		return err
	}
	chosen := r.PostForm["optional"]
	var ch *service.Challenge
	var err error = derbes.Invalid("contract", "consent-required", "the service cannot be provided without the contract consent")
	if r.PostForm.Get("contract") == "yes" {
		ch, err = p.svc.ApplyConfirm(r.Context(), applyToken(r), chosen)
	}
	if err != nil {
		st, perr := p.svc.ApplyPreview(r.Context(), applyToken(r))
		if perr != nil {
			return perr
		}
		pg, d := p.applyPage(w, r, 4)
		p.consentData(pg, d, st, chosen)
		status := htmlkit.Status(derbes.CodeOf(err))
		if status == 0 || status >= 500 {
			return err
		}
		pg.Error = p.errText(pg.Lang, err)
		return p.render(w, status, "apply_consent", pg)
	}
	htmlkit.SetCookie(w, r, applyChallenge, ch.ID+"|"+ch.Channel, applyCookiePath, int(service.CodeTTL.Seconds()))
	htmlkit.Redirect(w, r, applyPath+"/confirm")
	return nil
}

// ApplySubmit checks the confirming code and submits.
func (p *Portal) ApplySubmit(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id, channel := applyChallengeOf(r)
	code := strings.Join(strings.Fields(r.PostForm.Get("code")), "")
	var err error = derbes.Invalid("code", "code-required", "enter the code")
	var res *service.ApplyResult
	if code != "" {
		res, err = p.svc.ApplySubmit(r.Context(), applyToken(r), id, code)
	}
	if derbes.CodeOf(err) == derbes.EUnauthorized {
		htmlkit.Redirect(w, r, applyPath+"?reason="+derbes.RuleOf(err))
		return nil
	}
	if err != nil {
		pg, d := p.applyPage(w, r, 5)
		d.Channel, d.Form = channel, p.codeForm(pg.Lang)
		return p.applyFail(w, pg, d.Form, err, "apply_code", "code")
	}
	htmlkit.ClearCookie(w, r, applyChallenge, applyCookiePath)
	htmlkit.ClearCookie(w, r, applyCookie, applyCookiePath)
	htmlkit.Redirect(w, r, applyPath+"/done?order="+res.OrderID[:8])
	return nil
}

// ApplyDone thanks the applicant and says how to follow the order.
func (p *Portal) ApplyDone(w http.ResponseWriter, r *http.Request) error {
	pg, _ := p.applyPage(w, r, 6)
	order := r.URL.Query().Get("order")
	if len(order) != 8 || strings.Trim(order, "0123456789abcdef") != "" {
		order = ""
	}
	pg.Flash = pg.T("portal.apply.done", "order", order)
	return p.render(w, http.StatusOK, "apply_done", pg)
}

// AnswerQuestion posts the subject's answer about their own order.
func (p *Portal) AnswerQuestion(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	id := r.PathValue("orderId")
	if err := p.svc.AnswerQuestion(r.Context(), subjectFrom(r.Context()), id, r.PostForm.Get("text")); err != nil {
		return err
	}
	htmlkit.Flash(w, r, flashCookie, cookiePath, "portal.flash.answered")
	htmlkit.Redirect(w, r, mePath+"#order-"+id)
	return nil
}

// AddDocument uploads a document to the subject's own order.
func (p *Portal) AddDocument(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, service.MaxScan+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return &derbes.Error{Code: derbes.ETooLarge, Field: "document", Rule: "scan-too-large", Message: "the upload is too large"}
	}
	id := r.PathValue("orderId")
	fh, _, err := r.FormFile("document")
	if err != nil {
		return derbes.Invalid("document", "file-upload-required", "choose a file")
	}
	data, err := io.ReadAll(io.LimitReader(fh, service.MaxScan+1))
	fh.Close()
	if err != nil {
		return err
	}
	if err := p.svc.PortalAttachDocument(r.Context(), subjectFrom(r.Context()), id, r.FormValue("category"), data); err != nil {
		return err
	}
	htmlkit.Flash(w, r, flashCookie, cookiePath, "portal.flash.document_added")
	htmlkit.Redirect(w, r, mePath+"#order-"+id)
	return nil
}
