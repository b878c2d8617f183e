package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/i18n"
	"github.com/derbes-kz/derbes/internal/service"
)

// fieldError is the message shown next to the control named name.
func fieldError(body, name string) string {
	id := "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(name) + "-err"
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func messages(t *testing.T) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A subject created through the form: a bad IIN is shown next to its
// field in the page's language, the other values kept; a good one creates
// the subject and opens its page.
func TestCreateSubjectForm(t *testing.T) {
	s := start(t)
	c := client(t)
	signIn(t, s, c)
	msgs := messages(t)
	form := url.Values{"purpose": {"p4.1b"}, "kind": {"applicant"}, "citizenship": {"kz-citizen"}, "consent.form": {"document"},
		"consent.purposes": {"p4.1b", "p4.2a"}, "values.full_name": {"Серікбаев Данияр"}, "values.iin": {"980514301234"},
		"source.kind": {"subject"}}
	resp, body := post(t, c, s.URL()+"/console/subjects/new", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad IIN: %d", resp.StatusCode)
	}
	if got, want := fieldError(body, "values.iin"), msgs.T(i18n.KK, "errors.iin-checksum"); got != want {
		t.Errorf("IIN error %q, want %q", got, want)
	}
	if !strings.Contains(body, `value="Серікбаев Данияр"`) {
		t.Error("the name was not kept")
	}
	form.Set("values.iin", "980514301233")
	resp, body = post(t, c, s.URL()+"/console/subjects/new", form)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/console/subjects/") ||
		!strings.Contains(body, msgs.T(i18n.KK, "console.flash.created")) || !strings.Contains(body, "980514301233") {
		t.Fatalf("create: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

// The responsible person edits a role's permissions as text lines.
func TestRoleForm(t *testing.T) {
	s := start(t)
	c := client(t)
	signIn(t, s, c)
	msgs := messages(t)
	u := s.URL() + "/console/roles/accountant"
	_, body := post(t, c, u, url.Values{"permissions": {"read p4.1d *\nwrite p4.1d"}})
	if got, want := fieldError(body, "permissions"), msgs.T(i18n.KK, "console.roles.bad_line", "line", 2); got != want {
		t.Errorf("bad line: %q, want %q", got, want)
	}
	_, body = post(t, c, u, url.Values{"permissions": {"read p4.1d *\nfly p4.1d *"}})
	if got, want := fieldError(body, "permissions"), msgs.T(i18n.KK, "errors.permission-action"); got != want {
		t.Errorf("bad action: %q, want %q", got, want)
	}
	resp, _ := post(t, c, u, url.Values{"permissions": {"read p4.1d *\r\nwrite p4.1d income\r\n"}})
	if resp.Request.URL.Path != "/console/roles" {
		t.Fatalf("after saving: %s", resp.Request.URL)
	}
	roles, err := s.Service.Roles(derbes.WithPrincipal(context.Background(), service.System("test")))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if r.Name == "accountant" && (len(r.Permissions) != 2 || r.Permissions[1].Category != "income") {
			t.Errorf("accountant = %+v", r)
		}
	}
}

// An administrator creates a staff account; the password policy's error is
// shown next to the password field.
func TestStaffForm(t *testing.T) {
	s := start(t)
	sys := derbes.WithPrincipal(context.Background(), service.System("test"))
	if _, err := s.Service.CreateStaff(sys, service.NewStaff{Name: "Администратор", Login: "admin@example.kz", Role: service.RoleAdmin, Password: password}); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	signInAs(t, s, c, "admin@example.kz")
	msgs := messages(t)
	form := url.Values{"name": {"Ерлан Ахметов"}, "login": {"erlan@example.kz"}, "role": {service.RoleAdmissions}, "password": {"short"}}
	_, body := post(t, c, s.URL()+"/console/staff", form)
	if got, want := fieldError(body, "password"), msgs.T(i18n.KK, "errors.password-length"); got != want {
		t.Errorf("password error %q, want %q", got, want)
	}
	form.Set("password", "a much longer passphrase 2026")
	resp, body := post(t, c, s.URL()+"/console/staff", form)
	if resp.Request.URL.Path != "/console/staff" || !strings.Contains(body, "erlan@example.kz") {
		t.Fatalf("after creating: %s", resp.Request.URL)
	}
}
