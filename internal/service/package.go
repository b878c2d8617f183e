package service

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/pdf"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// packageLabel separates package signatures from audit checkpoints made
// with the same Ed25519 key.
const packageLabel = "derbes/transfer-package/v1\x00"

type builtPackage struct {
	zip        []byte
	hash       string
	sig        []byte
	keyVersion int
}

type packageValue struct {
	Value   any `json:"value"`
	Version int `json:"version"`
}

type packageData struct {
	Transfer   string                             `json:"transfer"`
	Operator   map[string]string                  `json:"operator"`
	Recipient  string                             `json:"recipient"`
	Purpose    string                             `json:"purpose"`
	Basis      string                             `json:"basis"`
	Channel    string                             `json:"channel"`
	At         time.Time                          `json:"at"`
	Subjects   map[string]map[string]packageValue `json:"subjects"`
	Categories []string                           `json:"categories"`
}

// buildPackage makes the package a recipient can use (R-TRANSFER-4): a
// cover letter (PDF, in the recipient's language), the data as JSON and
// CSV, in a zip whose bytes depend only on the transfer (fixed times), so
// the register's hash and signature can be checked against a rebuilt copy.
// There are no paper copies of identity documents in it (Art. 7 p.10).
func (s *Service) buildPackage(ctx context.Context, r store.Conn, t store.Transfer, items []store.TransferItem, rec store.Recipient) (*builtPackage, error) {
	data, err := s.packageData(ctx, r, t, items)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(data, "", "  ")
	if err != nil {
		return nil, err
	}
	csvBytes := packageCSV(data)
	jsSum := sha256.Sum256(js)
	cover, err := pdf.Render(s.coverLetter(t, rec, data, hex.EncodeToString(jsSum[:])))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	at := time.UnixMicro(t.At).UTC()
	for _, f := range []struct {
		name string
		body []byte
	}{{"cover-letter.pdf", cover}, {"data.json", js}, {"data.csv", csvBytes}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: at})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	hash := hex.EncodeToString(sum[:])
	sig, kv := s.kr.SignCheckpoint([]byte(packageLabel + hash))
	return &builtPackage{zip: buf.Bytes(), hash: hash, sig: sig, keyVersion: kv}, nil
}

// packageData decrypts the exact versions the transfer sends.
func (s *Service) packageData(ctx context.Context, r store.Conn, t store.Transfer, items []store.TransferItem) (*packageData, error) {
	d := &packageData{Transfer: t.ID, Operator: map[string]string{"name": s.operator.Name, "bin": s.operator.BIN},
		Recipient: t.RecipientID, Purpose: t.Purpose, Basis: t.BasisKind + ":" + t.BasisRef, Channel: t.Channel,
		At: time.UnixMicro(t.At).UTC(), Subjects: map[string]map[string]packageValue{}}
	cats := map[string]bool{}
	keys := map[string]map[string]store.WrappedKey{}
	opened := map[string]map[string]*vault.SubjectKey{}
	for _, it := range items {
		row, err := r.ValueVersion(ctx, it.SubjectID, it.Category, it.Version)
		if err != nil {
			return nil, err
		}
		if keys[it.SubjectID] == nil {
			if keys[it.SubjectID], err = r.SubjectKeys(ctx, it.SubjectID); err != nil {
				return nil, err
			}
			opened[it.SubjectID] = map[string]*vault.SubjectKey{}
		}
		plain, err := s.open(keys[it.SubjectID], opened[it.SubjectID], row)
		if err != nil {
			return nil, err
		}
		var v any = plain
		if s.cat.Category(it.Category).Type == derbes.TypeKV {
			var m map[string]string
			if json.Unmarshal([]byte(plain), &m) == nil {
				v = m
			}
		}
		if d.Subjects[it.SubjectID] == nil {
			d.Subjects[it.SubjectID] = map[string]packageValue{}
		}
		d.Subjects[it.SubjectID][it.Category] = packageValue{Value: v, Version: it.Version}
		cats[it.Category] = true
	}
	for c := range cats {
		d.Categories = append(d.Categories, c)
	}
	sort.Strings(d.Categories)
	return d, nil
}

func packageCSV(d *packageData) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"subject", "category", "version", "value"})
	ids := make([]string, 0, len(d.Subjects))
	for id := range d.Subjects {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, cat := range sortedKeys(d.Subjects[id]) {
			v := d.Subjects[id][cat]
			val, ok := v.Value.(string)
			if !ok {
				b, _ := json.Marshal(v.Value)
				val = string(b)
			}
			w.Write([]string{id, cat, strconv.Itoa(v.Version), val})
		}
	}
	w.Flush()
	return buf.Bytes()
}

var coverWords = map[string]map[string]string{
	"kk": {"title": "Ілеспе хат", "to": "Алушы", "transfer": "Беру нөмірі", "date": "Күні", "purpose": "Мақсаты", "basis": "Негізі",
		"channel": "Арна", "subjects": "Субъектілер саны", "enclosed": "Қоса берілетін деректер", "files": "Файлдар",
		"note":    "Жеке басты куәландыратын құжаттардың қағаз көшірмелері берілмейді (94-V Заңның 7-бабының 10-тармағы). Деректер тек көрсетілген мақсатта өңделеді.",
		"consent": "субъектінің келісімі", "authority-request": "уәкілетті органның дәлелді сұрау салуы", "life-health": "өмірге немесе денсаулыққа қатер"},
	"ru": {"title": "Сопроводительное письмо", "to": "Получатель", "transfer": "Номер передачи", "date": "Дата", "purpose": "Цель", "basis": "Основание",
		"channel": "Канал", "subjects": "Количество субъектов", "enclosed": "Передаваемые данные", "files": "Файлы",
		"note":    "Бумажные копии документов, удостоверяющих личность, не передаются (пункт 10 статьи 7 Закона № 94-V). Данные обрабатываются только для указанной цели.",
		"consent": "согласие субъекта", "authority-request": "мотивированный запрос уполномоченного органа", "life-health": "угроза жизни или здоровью"},
	"en": {"title": "Cover letter", "to": "Recipient", "transfer": "Transfer number", "date": "Date", "purpose": "Purpose", "basis": "Basis",
		"channel": "Channel", "subjects": "Number of subjects", "enclosed": "Data enclosed", "files": "Files",
		"note":    "No paper copies of identity documents are provided (Law No. 94-V, Art. 7 p.10). The data may be processed only for the stated purpose.",
		"consent": "the subject's consent", "authority-request": "a motivated request of an authorised body", "life-health": "a threat to life or health"},
}

// coverLetter lists what is enclosed and on which basis, in the
// recipient's language. It names no subject: the data files do.
func (s *Service) coverLetter(t store.Transfer, rec store.Recipient, d *packageData, dataHash string) pdf.Document {
	lang := coverLanguage("", rec.Country)
	w := coverWords[lang]
	name := rec.Names[lang]
	if name == "" {
		name = rec.Names["en"]
	}
	var enclosed []string
	for _, c := range d.Categories {
		enclosed = append(enclosed, s.cat.Category(c).Label.In(lang))
	}
	return pdf.Document{Title: w["title"], Subtitle: s.operator.Name + " · BIN " + s.operator.BIN, Lang: lang,
		Footer: w["transfer"] + " " + t.ID,
		Blocks: []pdf.Block{
			pdf.Fields{Rows: [][2]string{{w["to"], name + " (" + rec.Country + ")"}, {w["transfer"], t.ID},
				{w["date"], time.UnixMicro(t.At).UTC().Format("2006-01-02 15:04 UTC")},
				{w["purpose"], s.cat.Purpose(t.Purpose).Title.In(lang)}, {w["basis"], w[t.BasisKind]}, {w["channel"], t.Channel},
				{w["subjects"], strconv.Itoa(len(d.Subjects))}}},
			pdf.Heading{Text: w["enclosed"]},
			pdf.List{Items: enclosed},
			pdf.Heading{Text: w["files"]},
			pdf.List{Items: []string{"data.json (SHA-256 " + dataHash + ")", "data.csv"}},
			pdf.Paragraph{Text: w["note"]},
		}}
}

// TransferPackage rebuilds a registered transfer's package from the
// versions it sent and checks it against the register's hash; the download
// is audited per subject.
// Errors: ENotFound, EForbidden, EConflict (package-changed: a sent value
// was destroyed or the register was altered).
func (s *Service) TransferPackage(ctx context.Context, id string) ([]byte, error) {
	const action = "transfer.package"
	r := s.db.Read()
	var t store.Transfer
	var items []store.TransferItem
	var err error = s.denied(ctx, "", "your role may not handle transfers")
	if s.canAny(ctx, derbes.ActTransfer) {
		t, items, err = r.TransferByID(ctx, id)
	}
	if err == nil && !derbes.PrincipalFrom(ctx).Role.AllowsAny(derbes.ActTransfer, t.Purpose) {
		err = s.denied(ctx, "", "your role may not handle transfers under this purpose")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, "", "", nil, err)
	}
	rec, err := r.RecipientByID(ctx, t.RecipientID)
	if err != nil {
		return nil, err
	}
	pkg, err := s.buildPackage(ctx, r, t, items, rec)
	if err != nil {
		return nil, err
	}
	if pkg.hash != t.PackageHash {
		return nil, s.Refuse(ctx, action, "", t.Purpose, nil, &derbes.Error{Code: derbes.EConflict, Rule: "package-changed",
			Message: fmt.Sprintf("the rebuilt package does not match the register (transfer %s)", t.ID)})
	}
	var entries []derbes.AuditEntry
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.SubjectID] {
			seen[it.SubjectID] = true
			e := s.entry(ctx, action, it.SubjectID, t.Purpose, nil, derbes.OutcomeOK, "")
			e.Basis = it.Basis
			entries = append(entries, e)
		}
	}
	return pkg.zip, s.db.Audit(ctx, entries...)
}
