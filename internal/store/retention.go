package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/derbes-kz/derbes"
)

// LegalHold is a hold on a subject's data (R-RETAIN-1).
type LegalHold struct {
	ID         string        `json:"id"`
	SubjectID  string        `json:"subjectId"`
	Reason     string        `json:"reason"`
	PlacedBy   string        `json:"placedBy"`
	PlacedAt   int64         `json:"-"`
	ReleasedBy string        `json:"releasedBy,omitempty"`
	ReleasedAt sql.NullInt64 `json:"-"`
}

// RetentionAct is a batch of due data found by one run.
type RetentionAct struct {
	ID         string
	CreatedAt  int64
	Status     string // pending, approved, done
	ApprovedBy string
	ApprovedAt sql.NullInt64
	DoneAt     sql.NullInt64
	Items      []RetentionItem
}

// RetentionItem is what an act does to one subject.
type RetentionItem struct {
	ActID      string
	SubjectID  string
	Action     string // destroy, destroy-subject, restrict
	Categories []string
	Purposes   []string
	DueSince   int64
	Outcome    string // done, restricted, no-longer-due
	DoneAt     sql.NullInt64
	DoneBy     string
}

// SubjectIDs returns up to limit ids of subjects after the id after, in
// ascending order, skipping destroyed ones: the walk of a retention run.
func (c Conn) SubjectIDs(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id FROM subjects WHERE id > $1
		AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.subject_id = subjects.id) ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list subjects: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: list subjects: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// RetentionFacts gathers what the retention rule needs about a subject
// (dates and codes only). orderPurposes maps an order's services to the
// purposes they serve.
func (c Conn) RetentionFacts(ctx context.Context, subjectID string, orderPurposes func(services []string) []string) (*derbes.RetentionFacts, error) {
	f := &derbes.RetentionFacts{Stored: map[string]derbes.Collected{}, Activity: map[string]time.Time{}, Open: map[string]bool{}}
	var err error
	if f.Consents, err = c.Consents(ctx, subjectID); err != nil {
		return nil, err
	}
	orders, err := c.SubjectOrders(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	for _, o := range orders {
		of := derbes.OrderFact{Purposes: orderPurposes(o.Services)}
		if o.ClosedAt.Valid {
			t := fromMicros(o.ClosedAt.Int64)
			of.ClosedAt = &t
		}
		f.Orders = append(f.Orders, of)
	}
	stored := func(q string) error {
		rows, err := c.q.QueryContext(ctx, q, subjectID)
		if err != nil {
			return fmt.Errorf("store: retention facts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var cat, purpose string
			var at int64
			if err := rows.Scan(&cat, &purpose, &at); err != nil {
				return fmt.Errorf("store: retention facts: %w", err)
			}
			if prev, ok := f.Stored[cat]; !ok || fromMicros(at).After(prev.At) {
				f.Stored[cat] = derbes.Collected{Purpose: purpose, At: fromMicros(at)}
			}
		}
		return rows.Err()
	}
	if err := stored(`SELECT category, purpose, created_at FROM pd_values WHERE subject_id = $1 AND current`); err != nil {
		return nil, err
	}
	if err := stored(`SELECT category, purpose, created_at FROM files WHERE subject_id = $1`); err != nil {
		return nil, err
	}
	rows, err := c.q.QueryContext(ctx, `SELECT t.purpose, MAX(t.at) FROM transfers t JOIN transfer_items i ON i.transfer_id = t.id
		WHERE i.subject_id = $1 GROUP BY t.purpose`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: retention facts: %w", err)
	}
	for rows.Next() {
		var p string
		var at int64
		if err := rows.Scan(&p, &at); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: retention facts: %w", err)
		}
		f.Activity[p] = fromMicros(at)
	}
	rows.Close()
	var last sql.NullInt64
	var open int
	err = c.q.QueryRowContext(ctx, `SELECT MAX(COALESCE(closed_at, received_at)), SUM(CASE WHEN closed_at IS NULL THEN 1 ELSE 0 END)
		FROM rights_requests WHERE subject_id = $1 HAVING COUNT(*) > 0`, subjectID).Scan(&last, &open)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("store: retention facts: %w", err)
	default:
		f.Activity["rights"] = fromMicros(last.Int64)
		f.Open["rights"] = open > 0
	}
	return f, nil
}

// DestroyCategories deletes every version of a subject's values, files
// and blind-index entries in the given categories, then the subject's
// data keys nothing remaining is sealed under (values, files, request
// texts, order messages): crypto-shredding what nothing needs.
func (c Conn) DestroyCategories(ctx context.Context, subjectID string, cats []string) error {
	for _, cat := range cats {
		for _, table := range []string{"pd_values", "files", "blind_index"} {
			if _, err := c.q.ExecContext(ctx, `DELETE FROM `+table+` WHERE subject_id = $1 AND category = $2`, subjectID, cat); err != nil {
				return fmt.Errorf("store: destroy %s: %w", table, err)
			}
		}
	}
	_, err := c.q.ExecContext(ctx, `DELETE FROM subject_keys WHERE subject_id = $1
		AND NOT EXISTS (SELECT 1 FROM pd_values v WHERE v.subject_id = subject_keys.subject_id AND v.purpose = subject_keys.purpose)
		AND NOT EXISTS (SELECT 1 FROM files f WHERE f.subject_id = subject_keys.subject_id AND f.purpose = subject_keys.purpose)
		AND NOT EXISTS (SELECT 1 FROM rights_requests r WHERE r.subject_id = subject_keys.subject_id AND subject_keys.purpose = 'rights')
		AND NOT EXISTS (SELECT 1 FROM order_messages m WHERE m.subject_id = subject_keys.subject_id AND subject_keys.purpose = 'p4.1b')`, subjectID)
	if err != nil {
		return fmt.Errorf("store: shred unused keys: %w", err)
	}
	return nil
}

// InsertHold places a legal hold.
func (c Conn) InsertHold(ctx context.Context, h LegalHold) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO legal_holds (id, subject_id, reason, placed_by, placed_at) VALUES ($1, $2, $3, $4, $5)`,
		h.ID, h.SubjectID, h.Reason, h.PlacedBy, h.PlacedAt)
	if err != nil {
		return fmt.Errorf("store: insert hold: %w", err)
	}
	return nil
}

// ReleaseHold ends a hold; it reports false when there was none in force.
func (c Conn) ReleaseHold(ctx context.Context, id, by string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE legal_holds SET released_by = $1, released_at = $2 WHERE id = $3 AND released_at IS NULL`, by, at, id)
	if err != nil {
		return false, fmt.Errorf("store: release hold: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Holds returns the holds in force (all subjects when subjectID is ""),
// oldest first.
func (c Conn) Holds(ctx context.Context, subjectID string) ([]LegalHold, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, subject_id, reason, placed_by, placed_at FROM legal_holds
		WHERE released_at IS NULL AND ($1 = '' OR subject_id = $1) ORDER BY placed_at, id`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read holds: %w", err)
	}
	defer rows.Close()
	var out []LegalHold
	for rows.Next() {
		var h LegalHold
		if err := rows.Scan(&h.ID, &h.SubjectID, &h.Reason, &h.PlacedBy, &h.PlacedAt); err != nil {
			return nil, fmt.Errorf("store: read holds: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// HoldByID returns a hold, released or not.
func (c Conn) HoldByID(ctx context.Context, id string) (LegalHold, error) {
	var h LegalHold
	err := c.q.QueryRowContext(ctx, `SELECT id, subject_id, reason, placed_by, placed_at, released_by, released_at FROM legal_holds WHERE id = $1`, id).
		Scan(&h.ID, &h.SubjectID, &h.Reason, &h.PlacedBy, &h.PlacedAt, &h.ReleasedBy, &h.ReleasedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return h, derbes.NotFound("no such legal hold")
	}
	if err != nil {
		return h, fmt.Errorf("store: read hold: %w", err)
	}
	return h, nil
}

// InsertRetentionAct records an act and its items.
func (c Conn) InsertRetentionAct(ctx context.Context, a RetentionAct) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO retention_acts (id, created_at, status, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5)`,
		a.ID, a.CreatedAt, a.Status, a.ApprovedBy, a.ApprovedAt)
	if err != nil {
		return fmt.Errorf("store: insert retention act: %w", err)
	}
	for _, it := range a.Items {
		_, err := c.q.ExecContext(ctx, `INSERT INTO retention_items (act_id, subject_id, action, categories, purposes, due_since) VALUES ($1, $2, $3, $4, $5, $6)`,
			a.ID, it.SubjectID, it.Action, strings.Join(it.Categories, ","), strings.Join(it.Purposes, ","), it.DueSince)
		if err != nil {
			return fmt.Errorf("store: insert retention item: %w", err)
		}
	}
	return nil
}

// ApproveRetentionAct marks a pending act approved; false if it was not pending.
func (c Conn) ApproveRetentionAct(ctx context.Context, id, by string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE retention_acts SET status = 'approved', approved_by = $1, approved_at = $2 WHERE id = $3 AND status = 'pending'`, by, at, id)
	if err != nil {
		return false, fmt.Errorf("store: approve retention act: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimRetentionItem marks an item done with its outcome, only if no one
// has: the claim that keeps two nodes from carrying out the same item.
func (c Conn) ClaimRetentionItem(ctx context.Context, actID, subjectID, outcome, by string, at int64) (bool, error) {
	res, err := c.q.ExecContext(ctx, `UPDATE retention_items SET outcome = $1, done_at = $2, done_by = $3
		WHERE act_id = $4 AND subject_id = $5 AND done_at IS NULL`, outcome, at, by, actID, subjectID)
	if err != nil {
		return false, fmt.Errorf("store: claim retention item: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FinishRetentionActs marks done every approved act with no item left.
func (c Conn) FinishRetentionActs(ctx context.Context, at int64) error {
	_, err := c.q.ExecContext(ctx, `UPDATE retention_acts SET status = 'done', done_at = $1 WHERE status = 'approved'
		AND NOT EXISTS (SELECT 1 FROM retention_items i WHERE i.act_id = retention_acts.id AND i.done_at IS NULL)`, at)
	if err != nil {
		return fmt.Errorf("store: finish retention acts: %w", err)
	}
	return nil
}

// PendingRetentionSubjects returns the subjects with an item not yet
// carried out, so a run does not plan them twice.
func (c Conn) PendingRetentionSubjects(ctx context.Context) (map[string]bool, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT subject_id FROM retention_items WHERE done_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: pending retention: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: pending retention: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// RetentionActs returns the newest acts with their items (limit acts).
// status "" lists every act.
func (c Conn) RetentionActs(ctx context.Context, status string, limit int) ([]RetentionAct, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT id, created_at, status, approved_by, approved_at, done_at FROM retention_acts
		WHERE ($1 = '' OR status = $1) ORDER BY created_at DESC, id LIMIT $2`, status, limit)
	if err != nil {
		return nil, fmt.Errorf("store: read retention acts: %w", err)
	}
	var out []RetentionAct
	for rows.Next() {
		var a RetentionAct
		if err := rows.Scan(&a.ID, &a.CreatedAt, &a.Status, &a.ApprovedBy, &a.ApprovedAt, &a.DoneAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: read retention acts: %w", err)
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: read retention acts: %w", err)
	}
	for i := range out {
		if out[i].Items, err = c.retentionItems(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RetentionAct returns one act with its items.
func (c Conn) RetentionAct(ctx context.Context, id string) (RetentionAct, error) {
	var a RetentionAct
	err := c.q.QueryRowContext(ctx, `SELECT id, created_at, status, approved_by, approved_at, done_at FROM retention_acts WHERE id = $1`, id).
		Scan(&a.ID, &a.CreatedAt, &a.Status, &a.ApprovedBy, &a.ApprovedAt, &a.DoneAt)
	if errors.Is(err, sql.ErrNoRows) {
		return a, derbes.NotFound("no such retention act")
	}
	if err != nil {
		return a, fmt.Errorf("store: read retention act: %w", err)
	}
	a.Items, err = c.retentionItems(ctx, id)
	return a, err
}

func (c Conn) retentionItems(ctx context.Context, actID string) ([]RetentionItem, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT subject_id, action, categories, purposes, due_since, outcome, done_at, done_by
		FROM retention_items WHERE act_id = $1 ORDER BY subject_id`, actID)
	if err != nil {
		return nil, fmt.Errorf("store: read retention items: %w", err)
	}
	defer rows.Close()
	var out []RetentionItem
	for rows.Next() {
		it := RetentionItem{ActID: actID}
		var cats, purposes string
		if err := rows.Scan(&it.SubjectID, &it.Action, &cats, &purposes, &it.DueSince, &it.Outcome, &it.DoneAt, &it.DoneBy); err != nil {
			return nil, fmt.Errorf("store: read retention items: %w", err)
		}
		it.Categories, it.Purposes = splitList(cats), splitList(purposes)
		out = append(out, it)
	}
	return out, rows.Err()
}

// InsertDepersonalised keeps a depersonalised record (no subject id, no time).
func (c Conn) InsertDepersonalised(ctx context.Context, id, body string) error {
	if _, err := c.q.ExecContext(ctx, `INSERT INTO depersonalised (id, body) VALUES ($1, $2)`, id, body); err != nil {
		return fmt.Errorf("store: insert depersonalised record: %w", err)
	}
	return nil
}

// Depersonalised returns every depersonalised record's body, by id order.
func (c Conn) Depersonalised(ctx context.Context) ([]string, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT body FROM depersonalised ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: read depersonalised records: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("store: read depersonalised records: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// StatExtract is a released statistics extract (R-RETAIN-2).
type StatExtract struct {
	ID     string
	At     int64
	Spec   string // JSON
	Digest string
	Rows   int64
	Body   string // JSON
	MadeBy string
}

// InsertStatExtract records a released extract.
func (c Conn) InsertStatExtract(ctx context.Context, x StatExtract) error {
	_, err := c.q.ExecContext(ctx, `INSERT INTO stat_extracts (id, at, spec, digest, rows, body, made_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		x.ID, x.At, x.Spec, x.Digest, x.Rows, x.Body, x.MadeBy)
	if err != nil {
		return fmt.Errorf("store: insert statistics extract: %w", err)
	}
	return nil
}

// LatestStatExtract returns the newest extract (id "") or the one named.
func (c Conn) LatestStatExtract(ctx context.Context, id string) (StatExtract, error) {
	var x StatExtract
	err := c.q.QueryRowContext(ctx, `SELECT id, at, spec, digest, rows, body, made_by FROM stat_extracts
		WHERE ($1 = '' OR id = $1) ORDER BY at DESC, id LIMIT 1`, id).Scan(&x.ID, &x.At, &x.Spec, &x.Digest, &x.Rows, &x.Body, &x.MadeBy)
	if errors.Is(err, sql.ErrNoRows) {
		return x, derbes.NotFound("no statistics extract has been made")
	}
	if err != nil {
		return x, fmt.Errorf("store: read statistics extract: %w", err)
	}
	return x, nil
}

// SubjectActivity is what statistics count of a subject's dealings: the
// kinds of recipients their data went to and their requests' deadlines.
type SubjectActivity struct {
	RecipientKinds []string
	Requests       []RequestTiming
}

// RequestTiming is a request's kind and whether it was (or is) on time.
type RequestTiming struct {
	Kind   string
	Due    int64
	Closed sql.NullInt64
	Status string
}

// Activity returns a subject's transfers (by recipient kind, one per
// transfer) and requests.
func (c Conn) Activity(ctx context.Context, subjectID string) (SubjectActivity, error) {
	var a SubjectActivity
	rows, err := c.q.QueryContext(ctx, `SELECT r.kind FROM transfers t JOIN recipients r ON r.id = t.recipient_id
		WHERE t.id IN (SELECT transfer_id FROM transfer_items WHERE subject_id = $1) ORDER BY t.at`, subjectID)
	if err != nil {
		return a, fmt.Errorf("store: read activity: %w", err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return a, fmt.Errorf("store: read activity: %w", err)
		}
		a.RecipientKinds = append(a.RecipientKinds, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, fmt.Errorf("store: read activity: %w", err)
	}
	rows, err = c.q.QueryContext(ctx, `SELECT kind, due_at, closed_at, status FROM rights_requests WHERE subject_id = $1 ORDER BY received_at`, subjectID)
	if err != nil {
		return a, fmt.Errorf("store: read activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r RequestTiming
		if err := rows.Scan(&r.Kind, &r.Due, &r.Closed, &r.Status); err != nil {
			return a, fmt.Errorf("store: read activity: %w", err)
		}
		a.Requests = append(a.Requests, r)
	}
	return a, rows.Err()
}
