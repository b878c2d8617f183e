package service

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/derbes-kz/derbes"
)

// covers R-OPS-5 (export): chosen categories under a purpose the role may
// export, only subjects with a live basis and nothing blocked, masked as
// the purpose sees them, every exported subject audited; refusals name
// the field; CSV and XLSX carry the same rows.
func TestExportSubjects(t *testing.T) {
	eachEngine(t, func(t *testing.T, e *env) {
		a := e.create(applicant(), "p4.1b", "p4.2a")
		vals := applicant()
		vals["iin"], vals["passport_number"], vals["email"] = "990203400014", "N87654321", "b@example.kz"
		b := e.create(vals, "p4.1b")
		vals["iin"], vals["passport_number"], vals["email"] = "000101500011", "N11112222", "c@example.kz"
		c := e.create(vals, "p4.1b", "p4.2a")
		if _, err := e.svc.Block(e.ctx, c.ID, "*", "the subject's request"); err != nil {
			t.Fatal(err)
		}
		before := e.count("audit_log")
		x, err := e.svc.ExportSubjects(e.ctx, "p4.2a", []string{"full_name", "phone"}, "ru")
		if err != nil {
			t.Fatal(err)
		}
		// b has no consent to P-4.2a; c is blocked.
		if len(x.Rows) != 1 || x.Rows[0][0] != a.ID || x.Rows[0][2] != "+77011234567" || x.Header[1] != e.svc.Catalogue().Category("full_name").Label.In("ru") {
			t.Fatalf("export %+v", x)
		}
		var n int
		e.db.Raw().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'subject.export' AND subject_id = $1`, a.ID).Scan(&n)
		if n != 1 || e.count("audit_log") != before+1 {
			t.Errorf("export audit: %d entries for the subject, %d new in all", n, e.count("audit_log")-before)
		}
		csvData, err := x.CSV()
		if err != nil || !bytes.HasPrefix(csvData, []byte("\ufeffsubject,")) || !strings.Contains(string(csvData), a.ID) {
			t.Errorf("CSV %q %v", csvData, err)
		}
		xl, err := x.XLSX()
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(xl))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := f.GetRows(f.GetSheetName(0))
		if len(got) != 2 || got[1][0] != a.ID {
			t.Errorf("XLSX rows %v", got)
		}
		// Under P-4.1b, which needs the IIN whole, b is exported too; P-4.2a
		// does not use the IIN at all.
		x2, err := e.svc.ExportSubjects(e.ctx, "p4.1b", []string{"iin"}, "en")
		if err != nil || len(x2.Rows) != 2 || (x2.Rows[0][1] != "980514301233" && x2.Rows[0][1] != b.Values["iin"].Value) {
			t.Fatalf("P-4.1b export %+v %v", x2, err)
		}
		_, err = e.svc.ExportSubjects(as(context.Background(), RoleAdmissions, DefaultRoles()), "p4.1b", []string{"full_name"}, "en")
		wantErr(t, err, derbes.EForbidden, "purpose", "permission")
		_, err = e.svc.ExportSubjects(e.ctx, "p4.2a", []string{"income"}, "en")
		wantErr(t, err, derbes.EForbidden, "categories", "category-outside-purpose")
		_, err = e.svc.ExportSubjects(e.ctx, "p4.2a", nil, "en")
		wantErr(t, err, derbes.EInvalid, "categories", "required")
	})
}
