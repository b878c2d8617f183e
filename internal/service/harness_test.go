package service

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"strings"
	"testing"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// env is one service on one real database engine.
type env struct {
	t      testing.TB
	svc    *Service
	db     *store.DB
	master vault.Master
	url    string
	ctx    context.Context // acting as the responsible person
}

// eachEngine runs f on a fresh service per engine: the conformance suite.
func eachEngine(t *testing.T, f func(t *testing.T, e *env)) {
	for _, engine := range dbtest.Engines() {
		t.Run(engine, func(t *testing.T) { f(t, newEnv(t, engine)) })
	}
}

func newEnv(t testing.TB, engine string) *env { return newEnvWith(t, engine, Options{}) }

// newEnvWith is newEnv with options (a clock, a mail sender).
func newEnvWith(t testing.TB, engine string, opt Options) *env {
	t.Helper()
	ctx := context.Background()
	url := dbtest.URL(t, engine)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	// Checkpoints every 4 entries, from the first: the audit tests tamper
	// around them.
	db.CheckpointEvery = 4
	key := make([]byte, 32)
	rand.Read(key)
	master, err := vault.NewLocalMaster(key)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	opt.Operator = Operator{Name: "ТОО «Тест Оператор»", BIN: "180340021791", Location: "KZ"}
	svc, err := New(ctx, db, master, cat, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return &env{t: t, svc: svc, db: db, master: master, url: url, ctx: as(ctx, RoleResponsible, DefaultRoles())}
}

// as returns ctx acting with the named default role.
func as(ctx context.Context, role string, roles []derbes.Role) context.Context {
	for _, r := range roles {
		if r.Name == role {
			return derbes.WithPrincipal(ctx, derbes.Principal{ID: "test:" + role, Role: r})
		}
	}
	panic("no role " + role)
}

// raw encodes a map of string values as a request's values.
func raw(vals map[string]string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range vals {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

// applicant is a synthetic applicant's admission data (valid IIN, invented name).
func applicant() map[string]string {
	return map[string]string{
		"full_name":       "Серікқызы Айгерім Нұрланқызы",
		"iin":             "980514301233",
		"passport_number": "N12345678",
		"phone":           "+7 701 123 45 67",
		"email":           "Aigerim@Example.KZ",
		"education":       "Школа-лицей №12, 2024",
		"citizenship":     "KZ",
	}
}

// create makes a subject under p4.1b with consent to purposes.
func (e *env) create(vals map[string]string, purposes ...string) *SubjectView {
	e.t.Helper()
	v, err := e.svc.CreateSubject(e.ctx, NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
		Consent: &NewConsent{Purposes: purposes}, Values: raw(vals), Source: derbes.Source{Kind: derbes.SourceSubject}})
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	return v
}

// lastAudit returns the newest audit entry.
func (e *env) lastAudit() derbes.AuditEntry {
	e.t.Helper()
	es, err := e.db.Read().AuditEntries(context.Background(), store.AuditFilter{Limit: 1})
	if err != nil || len(es) == 0 {
		e.t.Fatalf("no audit entry: %v", err)
	}
	return es[0]
}

// count returns the number of rows of table (tests only: a fixed name).
func (e *env) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.db.Raw().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// wantErr checks err's code, field and rule.
func wantErr(t *testing.T, err error, code derbes.ErrorCode, field, rule string) {
	t.Helper()
	de := derbes.AsError(err)
	if de == nil {
		t.Fatalf("err = %v, want %s/%s/%s", err, code, field, rule)
	}
	if de.Code != code || de.Rule != rule || (field != "" && de.Field != field) {
		t.Fatalf("err = %s/%q/%s (%s), want %s/%q/%s", de.Code, de.Field, de.Rule, de.Message, code, field, rule)
	}
}

// dbEngine returns the engine of the running eachEngine subtest, from its name.
func dbEngine(t *testing.T) string {
	name := t.Name()
	return name[strings.LastIndex(name, "/")+1:]
}

func decodeBase32(t *testing.T, s string) []byte {
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
