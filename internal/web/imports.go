package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/importer"
)

// maxImportUpload bounds an uploaded file; larger imports use the CLI.
const maxImportUpload = 20 << 20

// importJobs are the console's imports: the uploaded table, its mapping
// and its progress. They live in this node's memory for an hour (the file
// holds personal data: it is dropped when the job is), so an import's page
// must be followed on the node that took the upload.
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

type importJob struct {
	ID       string
	Owner    string // the member who uploaded it
	Name     string
	Table    *importer.Table
	Created  time.Time
	Running  bool
	Done     int
	Result   *importer.Result
	Err      string
	Finished bool
}

func (j *importJobs) get(id, owner string) *importJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	for k, job := range j.jobs {
		if time.Since(job.Created) > time.Hour && !job.Running {
			delete(j.jobs, k)
		}
	}
	if job := j.jobs[id]; job != nil && job.Owner == owner {
		return job
	}
	return nil
}

// mayImport: the responsible person, who may write under every purpose
// and approve; the administrator has no access to personal data.
func mayImport(role derbes.Role) bool {
	return role.AllowsAny(derbes.ActWrite, "*") && role.AllowsAny(derbes.ActApprove, "*")
}

type importData struct {
	Form    *form
	Job     *importJob
	Columns []importColumn
	Refresh bool
}

type importColumn struct {
	Header, Field string
	Options       []option
	Guess         string
}

// ImportPage is the upload form (R-OPS-5); the responsible person only.
func (c *Console) ImportPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !mayImport(derbes.PrincipalFrom(ctx).Role) {
		return c.svc.Refuse(ctx, "import.page", "", "", nil, derbes.Forbidden("", "permission", "only the responsible person imports from the console"))
	}
	p := c.page(w, r, "console.import.title")
	p.Data = &importData{Form: c.uploadImportForm(p)}
	return c.render(w, http.StatusOK, "import", p)
}

func (c *Console) uploadImportForm(p *page) *form {
	f := &form{}
	fl := f.Add(htmlkit.NewField("file", p.T("console.import.file"), "file"))
	fl.Required, fl.Accept, fl.Hint = true, ".csv,.xlsx", p.T("console.import.file_hint")
	return f
}

// UploadImport reads the uploaded file and shows the mapping form.
func (c *Console) UploadImport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if !mayImport(derbes.PrincipalFrom(ctx).Role) {
		return c.svc.Refuse(ctx, "import.upload", "", "", nil, derbes.Forbidden("", "permission", "only the responsible person imports from the console"))
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportUpload)
	p := c.page(w, r, "console.import.title")
	p.Here = "/console/import"
	fail := func(rule string) error {
		d := &importData{Form: c.uploadImportForm(p)}
		c.mark(p, d.Form.Get("file"), p.T("console.import.error."+rule))
		p.Data = d
		return c.render(w, http.StatusBadRequest, "import", p)
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return fail("upload")
	}
	fh, hdr, err := r.FormFile("file")
	if err != nil {
		return fail("upload")
	}
	data, err := io.ReadAll(fh)
	fh.Close()
	if err != nil {
		return fail("upload")
	}
	var t *importer.Table
	switch strings.ToLower(filepath.Ext(hdr.Filename)) {
	case ".xlsx":
		t, err = importer.ReadXLSX(bytes.NewReader(data), "")
	default:
		t, err = importer.ReadCSV(data)
	}
	if err != nil || len(t.Rows) == 0 {
		return fail("format")
	}
	var b [16]byte
	rand.Read(b[:])
	job := &importJob{ID: hex.EncodeToString(b[:]), Owner: derbes.PrincipalFrom(ctx).ID, Name: filepath.Base(hdr.Filename), Table: t, Created: time.Now()}
	c.imports.mu.Lock()
	if c.imports.jobs == nil {
		c.imports.jobs = map[string]*importJob{}
	}
	c.imports.jobs[job.ID] = job
	c.imports.mu.Unlock()
	htmlkit.Redirect(w, r, "/console/import/"+job.ID)
	return nil
}

// ImportJobPage shows the mapping form, the progress (refreshing itself
// every two seconds while the import runs), or the result.
func (c *Console) ImportJobPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	job := c.imports.get(r.PathValue("job"), derbes.PrincipalFrom(ctx).ID)
	if job == nil {
		return derbes.NotFound("no such import")
	}
	p := c.page(w, r, "console.import.title")
	d := &importData{Job: job}
	c.imports.mu.Lock()
	d.Refresh = job.Running
	c.imports.mu.Unlock()
	if !job.Running && !job.Finished {
		d.Form, d.Columns = c.mappingForm(p, job)
	}
	p.Data = d
	return c.render(w, http.StatusOK, "import", p)
}

// mappingForm offers, per column, the catalogue's categories (the likely
// one chosen: the column named like a category in any language), and the
// purpose, kind, citizenship and consent of the rows.
func (c *Console) mappingForm(p *page, job *importJob) (*form, []importColumn) {
	cat := c.svc.Catalogue()
	var cols []importColumn
	for i, h := range job.Table.Header {
		col := importColumn{Header: h, Field: htmlkit.FieldID("col." + strconv.Itoa(i)), Options: []option{{Value: "", Label: p.T("console.import.skip")}}}
		for _, k := range cat.Categories {
			if k.Type == derbes.TypeFile {
				continue
			}
			col.Options = append(col.Options, option{Value: k.Key, Label: p.In(k.Label)})
			// A column named like a category, in any language or by its
			// key ("Full name", "full_name", "ИИН" as in the label…).
			norm := func(s string) string {
				return strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == ' ' }), " "))
			}
			for _, l := range i18n.Langs {
				if norm(h) == norm(k.Label.In(string(l))) || norm(h) == norm(k.Key) || strings.Contains(norm(k.Label.In(string(l))), "("+norm(h)+")") {
					col.Guess = k.Key
				}
			}
		}
		cols = append(cols, col)
	}
	f := &form{}
	pu := f.Add(htmlkit.NewField("purpose", p.T("console.import.purpose"), "select"))
	pu.Required, pu.Value = true, "p4.1b"
	for _, x := range cat.Purposes {
		pu.Options = append(pu.Options, option{Value: x.Code, Label: x.Code + " — " + p.In(x.Title)})
	}
	kind := f.Add(htmlkit.NewField("kind", p.T("console.import.kind"), "select"))
	kind.Value = "applicant"
	for _, k := range cat.SubjectKinds {
		kind.Options = append(kind.Options, option{Value: k.Key, Label: p.In(k.Label)})
	}
	cz := f.Add(htmlkit.NewField("citizenship", p.T("console.import.citizenship"), "select"))
	cz.Value = "kz-citizen"
	for _, k := range cat.Citizenships {
		cz.Options = append(cz.Options, option{Value: k.Key, Label: p.In(k.Label)})
	}
	basis := f.Add(htmlkit.NewField("basis", p.T("console.import.basis"), "select"))
	basis.Value, basis.Hint = "legacy", p.T("console.import.basis_hint")
	basis.Options = []option{{Value: "legacy", Label: p.T("console.import.basis_legacy")}, {Value: "contract", Label: p.T("console.import.basis_contract")}}
	return f, cols
}

// RunImport starts the import with the chosen mapping, in the background;
// its page follows the progress.
func (c *Console) RunImport(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	ctx := r.Context()
	principal := derbes.PrincipalFrom(ctx)
	job := c.imports.get(r.PathValue("job"), principal.ID)
	if job == nil {
		return derbes.NotFound("no such import")
	}
	f := r.PostForm
	m := &importer.Mapping{Purpose: f.Get("purpose"), Kind: f.Get("kind"), Citizenship: f.Get("citizenship"), Columns: map[string]string{}}
	for i, h := range job.Table.Header {
		if k := f.Get(htmlkit.FieldID("col." + strconv.Itoa(i))); k != "" {
			m.Columns[h] = k
		}
	}
	if f.Get("basis") == "contract" {
		m.Consent = &struct {
			Purposes []string           `json:"purposes"`
			Form     derbes.ConsentForm `json:"form"`
		}{Purposes: []string{m.Purpose}, Form: derbes.FormContract}
	}
	if len(m.Columns) == 0 {
		return derbes.Invalid("columns", "required", "map at least one column")
	}
	c.imports.mu.Lock()
	if job.Running || job.Finished {
		c.imports.mu.Unlock()
		return &derbes.Error{Code: derbes.EConflict, Rule: "import-started", Message: "this import has already run"}
	}
	job.Running = true
	c.imports.mu.Unlock()
	lang := c.lang(r)
	bg := derbes.WithPrincipal(context.WithoutCancel(ctx), principal)
	go func() {
		res, err := importer.Run(bg, c.svc, job.Table, m, importer.Options{Lang: lang, Progress: func(n int) {
			c.imports.mu.Lock()
			job.Done = n
			c.imports.mu.Unlock()
		}})
		c.imports.mu.Lock()
		defer c.imports.mu.Unlock()
		job.Running, job.Finished, job.Result = false, true, res
		if err != nil {
			job.Err = err.Error()
			c.log.Error("console import", "job", job.ID, "err", err)
		}
	}()
	htmlkit.Redirect(w, r, "/console/import/"+job.ID)
	return nil
}

// ImportReport sends the rejected rows as CSV, to be fixed and uploaded again.
func (c *Console) ImportReport(w http.ResponseWriter, r *http.Request) error {
	job := c.imports.get(r.PathValue("job"), derbes.PrincipalFrom(r.Context()).ID)
	if job == nil || job.Result == nil {
		return derbes.NotFound("no such import")
	}
	var b bytes.Buffer
	if err := importer.WriteReport(&b, job.Table.Header, job.Result.Rejections); err != nil {
		return err
	}
	return htmlkit.Download(w, "text/csv; charset=utf-8", "derbes-import-rejected.csv", b.Bytes())
}
