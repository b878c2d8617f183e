package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/htmlkit"
	"github.com/derbes-kz/derbes/internal/service"
)

type instructionsData struct {
	Version    int
	Title      string
	Paragraphs []string
	Liability  string
	Published  time.Time
	Must       bool // the member must acknowledge before going on
	Done       bool // the member has acknowledged this version
	Next       string
}

// InstructionsPage shows the data-protection instructions in force, with
// the statement of liability, and the button to acknowledge them when the
// member has not yet.
func (c *Console) InstructionsPage(w http.ResponseWriter, r *http.Request) error {
	return c.instructions(w, r, safeNext(r.URL.Query().Get("next")), nil)
}

func (c *Console) instructions(w http.ResponseWriter, r *http.Request, next string, problem error) error {
	s := sessionFrom(r.Context())
	in, err := c.svc.CurrentInstructions(r.Context())
	if err != nil {
		return err
	}
	p := c.page(w, r, "instructions.title")
	p.Here = "/console/instructions"
	t, ok := in.Texts[string(p.Lang)]
	if !ok {
		t = pickText(in.Texts)
	}
	p.Data = instructionsData{Version: in.Version, Title: t.Title, Paragraphs: paragraphs(t.Body), Liability: t.Liability,
		Published: in.PublishedAt, Must: s.who.Restricted == "instructions", Done: s.me.Acknowledged, Next: next}
	status := http.StatusOK
	if problem != nil {
		p.Error, status = c.errText(p.Lang, problem), http.StatusConflict
	}
	return c.render(w, status, "instructions", p)
}

// pickText falls back to Russian, then English, then any language.
func pickText(ts map[string]service.InstructionText) service.InstructionText {
	for _, l := range []string{"ru", "en"} {
		if t, ok := ts[l]; ok {
			return t
		}
	}
	for _, t := range ts {
		return t
	}
	return service.InstructionText{}
}

// paragraphs splits a text on blank lines (or on single newlines).
func paragraphs(body string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(strings.ReplaceAll(body, "\r", ""), func(r rune) bool { return r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// AcknowledgeInstructions records the member's acknowledgement of the
// version they were shown. If a newer one was published meanwhile, the
// page shows it with a message, to be acknowledged in turn.
func (c *Console) AcknowledgeInstructions(w http.ResponseWriter, r *http.Request) error {
	if err := htmlkit.ParseForm(w, r, maxForm); err != nil {
		return err
	}
	s := sessionFrom(r.Context())
	next := safeNext(r.PostForm.Get("next"))
	version, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		return derbes.Invalid("version", "invalid", "no version")
	}
	if err := c.svc.AcknowledgeInstructions(r.Context(), s.info.StaffID, version); err != nil {
		if derbes.CodeOf(err) != derbes.EConflict {
			return err
		}
		return c.instructions(w, r, next, err)
	}
	c.flash(w, r, "console.flash.acknowledged")
	htmlkit.Redirect(w, r, next)
	return nil
}
