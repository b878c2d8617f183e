package backup_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/backup"
	"github.com/derbes-kz/derbes/internal/catalogue"
	"github.com/derbes-kz/derbes/internal/dbtest"
	"github.com/derbes-kz/derbes/internal/ident"
	"github.com/derbes-kz/derbes/internal/service"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// inst is one installation: a database and the service over it.
type inst struct {
	engine string
	dsn    string
	db     *store.DB
	svc    *service.Service
}

func newMaster(t testing.TB) vault.Master {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	m, err := vault.NewLocalMaster(key)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// openStore opens (migrating) a fresh database of engine, and nothing else.
func openStore(t testing.TB, engine string) (*store.DB, string) {
	t.Helper()
	dsn := dbtest.URL(t, engine)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db, dsn
}

// startService opens the service over db, as derbes serve does.
func startService(t testing.TB, db *store.DB, m vault.Master) *service.Service {
	t.Helper()
	cat, err := catalogue.Default()
	if err != nil {
		t.Fatal(err)
	}
	db.CheckpointEvery = 50
	svc, err := service.New(context.Background(), db, m, cat, service.Options{
		Operator: service.Operator{Name: "ТОО «Тест Оператор»", BIN: "180340021791", Location: "KZ"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(context.Background()) })
	return svc
}

func newInst(t testing.TB, engine string, m vault.Master) *inst {
	t.Helper()
	db, dsn := openStore(t, engine)
	return &inst{engine: engine, dsn: dsn, db: db, svc: startService(t, db, m)}
}

var sys = derbes.WithPrincipal(context.Background(), service.System("test"))

// applicant returns p4.1b values for person n: a valid IIN and a passport
// number unique to n.
func applicant(n int) map[string]json.RawMessage {
	r := mrand.New(mrand.NewPCG(uint64(n), 99))
	birth := time.Date(1995+n%12, time.Month(1+n%12), 1+n%28, 0, 0, 0, 0, time.UTC)
	vals := map[string]string{
		"full_name": "Тестов Резерв " + letters(n), "iin": ident.GenerateIIN(r, birth, n%2 == 0),
		"passport_number": fmt.Sprintf("N%08d", n), "phone": "+77011234567", "email": fmt.Sprintf("a%d@example.kz", n),
		"citizenship": "KZ", "education": "Школа-лицей №12",
	}
	out := map[string]json.RawMessage{}
	for k, v := range vals {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

// letters spells n in Cyrillic letters: names have no digits.
func letters(n int) string {
	const abc = "абвгдежзиклмнопрстуфхцчшэюя"
	r := []rune(abc)
	out := []rune{'Н'}
	for {
		out = append(out, r[n%len(r)])
		n /= len(r)
		if n == 0 {
			return string(out)
		}
	}
}

// create creates applicant n (another n on an IIN clash) and returns its id.
func create(ctx context.Context, svc *service.Service, n int, purposes ...string) (string, error) {
	for try := 0; ; try++ {
		v, err := svc.CreateSubject(ctx, service.NewSubject{Kind: "applicant", Citizenship: "kz-citizen", Purpose: "p4.1b",
			Consent: &service.NewConsent{Purposes: purposes}, Values: applicant(n + try*1_000_000),
			Source: derbes.Source{Kind: derbes.SourceSubject}})
		if derbes.CodeOf(err) == derbes.EConflict && try < 5 {
			continue
		}
		if err != nil {
			return "", err
		}
		return v.ID, nil
	}
}

// population is what populate made.
type population struct {
	recipient string
	subjects  []string
	sent      []string // subjects in the transfer
}

// populate fills an installation with subjects, consents, a transfer, a
// withdrawal, a block, an order and a staff member: rows in most tables,
// booleans and NULLs included.
func populate(t testing.TB, in *inst, n int) population {
	t.Helper()
	var p population
	rec, err := in.svc.CreateRecipient(sys, store.Recipient{Kind: "education-org", Country: "KZ", RegNumber: "180340021791",
		Channel: "email", Contact: "office@example.org",
		Names: map[string]string{"kk": "Алатау университеті", "ru": "Алатауский университет", "en": "Alatau University"}})
	if err != nil {
		t.Fatal(err)
	}
	p.recipient = rec.ID
	for i := range n {
		id, err := create(sys, in.svc, i, "p4.1b")
		if err != nil {
			t.Fatal(err)
		}
		p.subjects = append(p.subjects, id)
		if i%2 == 0 {
			if _, err := in.svc.GiveConsent(sys, id, service.NewConsent{Purposes: []string{"p4.2b1"}, ThirdParty: true,
				Recipients: []derbes.Recipient{{ID: rec.ID, Kind: "education-org", Country: "KZ"}}}); err != nil {
				t.Fatal(err)
			}
			if len(p.sent) < 6 {
				p.sent = append(p.sent, id)
			}
		}
	}
	if _, err := in.svc.Transfer(sys, service.TransferRequest{RecipientID: rec.ID, Purpose: "p4.2b1", Channel: "email",
		Subjects: p.sent, Categories: []string{"full_name", "iin", "education"}, Basis: "consent"}); err != nil {
		t.Fatal(err)
	}
	cons, err := in.svc.GiveConsent(sys, p.subjects[1], service.NewConsent{Purposes: []string{"p4.2a"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.svc.WithdrawConsent(sys, p.subjects[1], cons.ID, "no longer wanted"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.svc.Block(sys, p.subjects[3], "phone", "accuracy disputed"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.svc.CreateOrder(sys, p.subjects[5], service.NewOrder{Services: []string{"admission"},
		Institutions: []string{rec.ID}, AcademicYear: "2026/2027", Programme: "Informatics"}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.svc.CreateStaff(sys, service.NewStaff{Name: "Ахметов Ерлан Маратұлы", Login: "erlan@example.kz",
		Role: service.RoleAdmissions, Password: "correct horse battery staple 42"}); err != nil {
		t.Fatal(err)
	}
	return p
}

// slowWriter makes a backup take a while, so that writes overlap it.
type slowWriter struct {
	buf   *bytes.Buffer
	delay time.Duration
}

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.buf.Write(p)
}

// rowset is a table's rows in an engine-neutral form: a row is its values
// joined, booleans as 0/1 and text and bytes alike as quoted bytes.
type rowset map[string][]string // table → sorted rows

func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return fmt.Sprint(x)
	case int32:
		return fmt.Sprint(x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case string:
		return fmt.Sprintf("%q", x)
	case []byte:
		return fmt.Sprintf("%q", string(x))
	}
	return fmt.Sprintf("?%T", v)
}

// row is a canonical row with its columns in name order.
func row(cols []string, vals []any) (string, map[string]any) {
	idx := make([]int, len(cols))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return cols[idx[a]] < cols[idx[b]] })
	parts := make([]string, len(cols))
	m := map[string]any{}
	for k, i := range idx {
		parts[k] = cols[i] + "=" + canon(vals[i])
		m[cols[i]] = vals[i]
	}
	return strings.Join(parts, "|"), m
}

// dumpDB reads every table but schema_migrations, straight from the database.
func dumpDB(t testing.TB, db *store.DB) (rowset, map[string][]map[string]any) {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.Engine() == store.Postgres {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	}
	rows, err := db.Raw().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		if n != "schema_migrations" {
			names = append(names, n)
		}
	}
	rows.Close()
	out, raw := rowset{}, map[string][]map[string]any{}
	for _, tbl := range names {
		rs, err := db.Raw().QueryContext(ctx, `SELECT * FROM `+tbl)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		out[tbl] = []string{}
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			r, m := row(cols, vals)
			out[tbl] = append(out[tbl], r)
			raw[tbl] = append(raw[tbl], m)
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(out[tbl])
	}
	return out, raw
}

// dumpBackup reads every table of a backup.
func dumpBackup(t testing.TB, m vault.Master, file []byte) (rowset, map[string][]map[string]any, *backup.Info) {
	t.Helper()
	out, raw := rowset{}, map[string][]map[string]any{}
	info, err := backup.Scan(context.Background(), m, bytes.NewReader(file), func(tb *backup.Table, vals []any) error {
		if vals == nil {
			out[tb.Name] = []string{}
			return nil
		}
		r, mm := row(tb.Columns, vals)
		out[tb.Name] = append(out[tb.Name], r)
		raw[tb.Name] = append(raw[tb.Name], mm)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out, raw, info
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func num(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// shredded are the tables whose rows of a destroyed subject go
// (store.ShredSubject).
var shredded = []string{"subject_keys", "pd_values", "blind_index", "files", "otp_challenges"}

// covers R-OPS-1, R-RIGHTS-6 (done-when: populate → backup while writes
// continue → destroy one subject → restore into a fresh installation of the
// other engine → every remaining value, consent, transfer and audit entry
// identical; the destroyed subject gone; the audit chain verifies).
func TestRestoreDrill(t *testing.T) {
	engines := dbtest.Engines()
	for _, src := range engines {
		dst := src
		for _, e := range engines {
			if e != src {
				dst = e
			}
		}
		t.Run(src+"-to-"+dst, func(t *testing.T) { drill(t, src, dst) })
	}
}

func drill(t *testing.T, srcEngine, dstEngine string) {
	ctx := context.Background()
	m := newMaster(t)
	src := newInst(t, srcEngine, m)
	pop := populate(t, src, 40)
	victim := pop.sent[0] // transferred, consented, then destroyed

	// Writers go on through the backup: creations (four audit-chained rows
	// groups each) and audited reads.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var created atomic.Int64
	var werr atomic.Value
	next := atomic.Int64{}
	next.Store(10_000)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := create(sys, src.svc, int(next.Add(1)), "p4.1b"); err != nil {
					werr.Store(err)
					return
				}
				created.Add(1)
				if _, err := src.svc.Subject(sys, pop.subjects[int(next.Load())%len(pop.subjects)], "p4.1b"); err != nil {
					werr.Store(err)
					return
				}
			}
		}()
	}
	for created.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	var file bytes.Buffer
	before := created.Load()
	wrote, err := backup.Write(ctx, src.db, m, slowWriter{&file, 3 * time.Millisecond}, backup.Options{ChunkSize: 4096})
	during := created.Load() - before
	if err != nil {
		t.Fatal(err)
	}
	for created.Load() < before+during+10 {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if e := werr.Load(); e != nil {
		t.Fatalf("writer: %v", e)
	}
	if during == 0 {
		t.Fatalf("no write completed while the backup ran: the drill did not test an online backup")
	}
	t.Logf("backup of %s: %d rows, %d bytes (%d plain), audit chain %d; %d subjects created while it ran",
		srcEngine, wrote.Rows, wrote.Bytes, wrote.Plain, wrote.AuditSeq, during)
	if int64(file.Len()) != wrote.Bytes {
		t.Fatalf("Write reported %d bytes, wrote %d", wrote.Bytes, file.Len())
	}
	if bytes.Contains(file.Bytes(), []byte("Тестов Резерв")) || bytes.Contains(file.Bytes(), []byte("example.kz")) {
		t.Fatal("a personal value is in clear in the backup")
	}

	// After the backup: the victim is destroyed; the ledger is exported.
	if _, err := src.svc.Destroy(sys, victim, "request:drill"); err != nil {
		t.Fatal(err)
	}
	ledger, err := src.svc.Erasures(sys)
	if err != nil || len(ledger) != 1 || ledger[0].SubjectID != victim {
		t.Fatalf("ledger: %v %+v", err, ledger)
	}

	// Verify, then restore into a fresh installation of the other engine.
	verified, err := backup.Verify(ctx, m, bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !reflect.DeepEqual(verified.Tables, wrote.Tables) || verified.ID != wrote.ID {
		t.Fatalf("verify found %+v, Write wrote %+v", verified.Tables, wrote.Tables)
	}
	dstDB, _ := openStore(t, dstEngine)
	restored, err := backup.Restore(ctx, dstDB, m, bytes.NewReader(file.Bytes()))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !reflect.DeepEqual(restored.Tables, wrote.Tables) {
		t.Fatalf("restored %+v, wrote %+v", restored.Tables, wrote.Tables)
	}
	dst := &inst{engine: dstEngine, db: dstDB, svc: startService(t, dstDB, m)}
	res, err := backup.Finish(ctx, dst.svc, ledger)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reapplied != 1 || !res.Audit.OK || res.Audit.Entries < wrote.AuditSeq {
		t.Fatalf("finish: %+v, audit %+v", res, res.Audit)
	}

	// The backup, the restored database and the source, table by table.
	want, wantRaw, _ := dumpBackup(t, m, file.Bytes())
	got, gotRaw := dumpDB(t, dst.db)
	srcNow, _ := dumpDB(t, src.db)
	victimRows := func(tbl string, rows []map[string]any) map[string]bool {
		out := map[string]bool{}
		if !slices.Contains(shredded, tbl) {
			return out
		}
		for _, r := range rows {
			if str(r["subject_id"]) == victim {
				out[rowOf(r)] = true
			}
		}
		return out
	}
	for tbl, rows := range want {
		gone := victimRows(tbl, wantRaw[tbl])
		if tbl == "pd_values" && len(gone) == 0 {
			t.Fatal("the victim has no values in the backup")
		}
		var expect []string
		for _, r := range rows {
			if !gone[r] {
				expect = append(expect, r)
			}
		}
		have := got[tbl]
		switch tbl {
		case "audit_head":
			continue // moved on by Finish's own entries
		case "audit_log", "audit_checkpoints":
			// The backup's chain, then only Finish's own entries.
			var old []string
			for i, r := range gotRaw[tbl] {
				if num(r["seq"]) <= wrote.AuditSeq {
					old = append(old, rowOf(gotRaw[tbl][i]))
				} else if tbl == "audit_log" && str(r["actor"]) != "system:restore" {
					t.Errorf("audit entry %d after the backup's chain by %s (%s)", num(r["seq"]), str(r["actor"]), str(r["action"]))
				}
			}
			sort.Strings(old)
			have = old
		case "erasures":
			if len(have) != len(expect)+1 {
				t.Errorf("erasures: %d rows, want %d", len(have), len(expect)+1)
			}
			continue
		}
		if !slices.Equal(have, expect) {
			t.Errorf("table %s: restored %d rows, want %d%s", tbl, len(have), len(expect), firstDiff(have, expect))
		}
		// Whatever the backup holds is still so in the source (but the
		// victim's shredded rows and the heads, which moved on).
		if tbl == "consent_head" {
			continue
		}
		srcSet := map[string]bool{}
		for _, r := range srcNow[tbl] {
			srcSet[r] = true
		}
		for _, r := range expect {
			if !srcSet[r] {
				t.Errorf("table %s: the backup has a row the source does not: %.200s", tbl, r)
				break
			}
		}
	}
	for tbl := range got {
		if _, ok := want[tbl]; !ok {
			t.Errorf("table %s restored but not in the backup", tbl)
		}
	}

	// A consistent snapshot: every subject has all its rows, and the
	// subjects are exactly those whose creation the chain records.
	has := func(tbl string) map[string]int {
		out := map[string]int{}
		for _, r := range gotRaw[tbl] {
			out[str(r["subject_id"])]++
		}
		return out
	}
	keys, vals, gives := has("subject_keys"), has("pd_values"), map[string]bool{}
	for _, r := range gotRaw["consent_events"] {
		if str(r["kind"]) == "give" {
			gives[str(r["subject_id"])] = true
		}
	}
	createdBy := map[string]bool{}
	for _, r := range gotRaw["audit_log"] {
		if str(r["action"]) == "subject.create" && str(r["outcome"]) == "ok" {
			createdBy[str(r["subject_id"])] = true
		}
	}
	applicants, subjectIDs := 0, map[string]bool{}
	for _, r := range gotRaw["subjects"] {
		id := str(r["id"])
		subjectIDs[id] = true
		if str(r["kind"]) != "applicant" {
			continue
		}
		applicants++
		if !createdBy[id] {
			t.Errorf("subject %s has no subject.create audit entry", id)
		}
		if id == victim {
			if keys[id] != 0 || vals[id] != 0 {
				t.Errorf("the destroyed subject has %d keys and %d values after the restore", keys[id], vals[id])
			}
			continue
		}
		if keys[id] == 0 || vals[id] < 7 || !gives[id] {
			t.Errorf("subject %s is partial: %d keys, %d values, consent given %v", id, keys[id], vals[id], gives[id])
		}
	}
	for id := range createdBy {
		if !subjectIDs[id] {
			t.Errorf("the chain records the creation of %s, which is not restored", id)
		}
	}
	if applicants < len(pop.subjects)+20 {
		t.Errorf("%d applicants restored, %d creations audited (%d populated + ≥20 before the backup)", applicants, len(createdBy), len(pop.subjects))
	}

	// The service over the restored data reads what the source reads; the
	// destroyed subject is gone.
	for _, id := range pop.subjects[1:8] {
		a, err := src.svc.Subject(sys, id, "p4.1b")
		if err != nil {
			t.Fatal(err)
		}
		b, err := dst.svc.Subject(sys, id, "p4.1b")
		if err != nil {
			t.Fatal(err)
		}
		aj, _ := json.Marshal(a.Values)
		bj, _ := json.Marshal(b.Values)
		if !bytes.Equal(aj, bj) || len(a.Values) < 6 {
			t.Fatalf("subject %s reads differently after the restore:\n%v\n%v", id, a.Values, b.Values)
		}
	}
	if _, err := dst.svc.Subject(sys, victim, "p4.1b"); derbes.CodeOf(err) != derbes.ENotFound {
		t.Fatalf("the destroyed subject reads after the restore: %v", err)
	}
	transfers, err := dst.svc.ReceivedBy(sys, pop.sent[1], "iin")
	if err != nil || len(transfers) == 0 {
		t.Fatalf("transfer register after the restore: %v %d", err, len(transfers))
	}
}

func rowOf(m map[string]any) string {
	var cols []string
	var vals []any
	for c, v := range m {
		cols = append(cols, c)
		vals = append(vals, v)
	}
	r, _ := row(cols, vals)
	return r
}

func firstDiff(a, b []string) string {
	as, bs := map[string]bool{}, map[string]bool{}
	for _, r := range a {
		as[r] = true
	}
	for _, r := range b {
		bs[r] = true
	}
	for _, r := range a {
		if !bs[r] {
			return fmt.Sprintf("; restored but not in the backup: %.300s", r)
		}
	}
	for _, r := range b {
		if !as[r] {
			return fmt.Sprintf("; in the backup but not restored: %.300s", r)
		}
	}
	return ""
}

// frames returns the offsets of the backup's chunk frames and the end.
func frames(t *testing.T, file []byte) []int {
	t.Helper()
	i := bytes.IndexByte(file, '\n')
	j := bytes.IndexByte(file[i+1:], '\n')
	off := i + 1 + j + 1
	var out []int
	for off < len(file) {
		out = append(out, off)
		off += 5 + int(binary.BigEndian.Uint32(file[off+1:off+5]))
	}
	if off != len(file) {
		t.Fatalf("frames do not end at the file's end")
	}
	return append(out, len(file))
}

// isEmpty reports whether db holds nothing but the seeded chain heads.
func isEmpty(t *testing.T, db *store.DB) bool {
	t.Helper()
	got, _ := dumpDB(t, db)
	for tbl, rows := range got {
		switch {
		case tbl == "audit_head" || tbl == "consent_head":
			if len(rows) != 1 || !strings.Contains(rows[0], "seq=0") {
				return false
			}
		case len(rows) > 0:
			return false
		}
	}
	return true
}

// covers R-OPS-1 (done-when: a corrupted backup byte is caught by backup
// verify and by restore before anything is written).
func TestCorruptBackupRefused(t *testing.T) {
	ctx := context.Background()
	m := newMaster(t)
	engines := dbtest.Engines()
	src := newInst(t, engines[0], m)
	populate(t, src, 6)
	var buf bytes.Buffer
	if _, err := backup.Write(ctx, src.db, m, &buf, backup.Options{ChunkSize: 512}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	if _, err := backup.Verify(ctx, m, bytes.NewReader(good)); err != nil {
		t.Fatalf("the intact backup: %v", err)
	}
	fr := frames(t, good)
	if len(fr) < 6 {
		t.Fatalf("only %d chunks", len(fr)-1)
	}
	header := string(good[:fr[0]])
	at := func(s string) int { return strings.Index(header, s) + len(s) + 2 }
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	cut := func(n int) []byte { return bytes.Clone(good[:n]) }
	swapped := bytes.Clone(good[:fr[1]])
	swapped = append(swapped, good[fr[2]:fr[3]]...)
	swapped = append(swapped, good[fr[1]:fr[2]]...)
	swapped = append(swapped, good[fr[3]:]...)
	withoutSecondLast := append(bytes.Clone(good[:fr[len(fr)-3]]), good[fr[len(fr)-2]:]...)
	cases := map[string][]byte{
		"magic":                 flip(3),
		"header id":             flip(at(`"id":`)),
		"header created":        flip(at(`"created":`) + 3),
		"header schema":         flip(at(`"schema":`) - 2),
		"wrapped key":           flip(at(`"wrappedKey":`) + 10),
		"first frame flag":      flip(fr[0]),
		"first frame length":    flip(fr[0] + 4),
		"first chunk":           flip(fr[0] + 40),
		"middle chunk":          flip(fr[len(fr)/2] + 100),
		"last chunk tag":        flip(len(good) - 1),
		"empty":                 {},
		"header only":           cut(fr[0]),
		"cut at a chunk end":    cut(fr[len(fr)/2]),
		"cut before last chunk": cut(fr[len(fr)-2]),
		"cut in a chunk":        cut(fr[2] + 7),
		"one byte short":        cut(len(good) - 1),
		"one byte more":         append(bytes.Clone(good), 0),
		"last chunk twice":      append(bytes.Clone(good), good[fr[len(fr)-2]:]...),
		"chunks swapped":        swapped,
		"chunk dropped":         withoutSecondLast,
	}
	targets := map[string]*store.DB{}
	for _, e := range engines {
		targets[e], _ = openStore(t, e)
	}
	for name, b := range cases {
		_, err := backup.Verify(ctx, m, bytes.NewReader(b))
		if !errors.Is(err, backup.ErrCorrupt) {
			t.Errorf("%s: verify: %v, want ErrCorrupt", name, err)
		}
		for e, db := range targets {
			_, err := backup.Restore(ctx, db, m, bytes.NewReader(b))
			if !errors.Is(err, backup.ErrCorrupt) {
				t.Errorf("%s: restore into %s: %v, want ErrCorrupt", name, e, err)
			}
			if !isEmpty(t, db) {
				t.Fatalf("%s: a refused restore wrote into %s", name, e)
			}
		}
	}

	// Another master key: refused, naming both; not a corruption.
	other := newMaster(t)
	if _, err := backup.Verify(ctx, other, bytes.NewReader(good)); err == nil || errors.Is(err, backup.ErrCorrupt) ||
		!strings.Contains(err.Error(), m.ID()) {
		t.Errorf("verify under another master: %v", err)
	}
	// Write refuses a master key that is not the installation's.
	if _, err := backup.Write(ctx, src.db, other, &bytes.Buffer{}, backup.Options{}); err == nil {
		t.Error("Write accepted a master key that wrapped none of the installation's keys")
	}
	// A target that derbes has started on is not empty.
	for _, e := range engines {
		busy := newInst(t, e, m)
		if _, err := backup.Restore(ctx, busy.db, m, bytes.NewReader(good)); !errors.Is(err, backup.ErrNotEmpty) {
			t.Errorf("restore into a started %s installation: %v", e, err)
		}
	}
	// The intact backup still restores into the targets the bad ones left empty.
	for e, db := range targets {
		if _, err := backup.Restore(ctx, db, m, bytes.NewReader(good)); err != nil {
			t.Errorf("restore into %s after the refusals: %v", e, err)
		}
	}
}

func TestParseLedger(t *testing.T) {
	for _, in := range []string{`{"erasures":[{"subjectId":"s1","at":5,"basis":"b","categories":["iin"],"destroyedBy":"x"}]}`,
		`[{"subjectId":"s1","at":5,"basis":"b","categories":["iin"],"destroyedBy":"x"}]`} {
		got, err := backup.ParseLedger(strings.NewReader(in))
		if err != nil || len(got) != 1 || got[0].SubjectID != "s1" || got[0].Categories[0] != "iin" {
			t.Errorf("%s: %v %+v", in, err, got)
		}
	}
	for _, in := range []string{``, `{}`, `{"erasures":[{}]}`, `[1]`} {
		if _, err := backup.ParseLedger(strings.NewReader(in)); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
