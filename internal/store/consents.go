package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/derbes-kz/derbes"
)

// AppendConsentEvent appends e to the consent history's hash chain,
// setting its Seq, PrevHash and Hash. It must run inside a Write: the chain
// head is read and moved in the same transaction (locked on PostgreSQL, so
// nodes sharing one database append in turn).
func (c Conn) AppendConsentEvent(ctx context.Context, e *derbes.ConsentEvent) error {
	lock := ""
	if c.engine == Postgres {
		lock = " FOR UPDATE"
	}
	var seq int64
	var prev []byte
	if err := c.q.QueryRowContext(ctx, `SELECT seq, hash FROM consent_head WHERE id = 1`+lock).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("store: read consent head: %w", err)
	}
	body, err := termsJSON(e.Terms)
	if err != nil {
		return err
	}
	e.Seq, e.PrevHash = seq+1, prev
	e.At = e.At.UTC().Truncate(time.Microsecond) // as stored
	e.Hash = e.ChainHash(prev, body)
	_, err = c.q.ExecContext(ctx, `INSERT INTO consent_events (seq, id, subject_id, kind, consent_id, terms, reason, at, recorded_by, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Seq, e.ID, e.SubjectID, e.Kind, e.ConsentID, string(body), e.Reason, micros(e.At), e.RecordedBy, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("store: insert consent event: %w", err)
	}
	if _, err := c.q.ExecContext(ctx, `UPDATE consent_head SET seq = $1, hash = $2 WHERE id = 1`, e.Seq, e.Hash); err != nil {
		return fmt.Errorf("store: update consent head: %w", err)
	}
	return nil
}

func termsJSON(t *derbes.ConsentTerms) ([]byte, error) {
	if t == nil {
		return []byte("null"), nil
	}
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("store: encode consent terms: %w", err)
	}
	return b, nil
}

const consentCols = `seq, id, subject_id, kind, consent_id, terms, reason, at, recorded_by, prev_hash, hash`

func scanConsentEvent(s scanner) (derbes.ConsentEvent, []byte, error) {
	var e derbes.ConsentEvent
	var body string
	var at int64
	if err := s.Scan(&e.Seq, &e.ID, &e.SubjectID, &e.Kind, &e.ConsentID, &body, &e.Reason, &at, &e.RecordedBy, &e.PrevHash, &e.Hash); err != nil {
		return e, nil, fmt.Errorf("store: read consent event: %w", err)
	}
	e.At = fromMicros(at)
	if body != "null" {
		e.Terms = &derbes.ConsentTerms{}
		if err := json.Unmarshal([]byte(body), e.Terms); err != nil {
			return e, nil, fmt.Errorf("store: decode consent event %d: %w", e.Seq, err)
		}
	}
	return e, []byte(body), nil
}

// ConsentEvents returns a subject's consent history in order.
func (c Conn) ConsentEvents(ctx context.Context, subjectID string) ([]derbes.ConsentEvent, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT `+consentCols+` FROM consent_events WHERE subject_id = $1 ORDER BY seq`, subjectID)
	if err != nil {
		return nil, fmt.Errorf("store: read consent events: %w", err)
	}
	defer rows.Close()
	var out []derbes.ConsentEvent
	for rows.Next() {
		e, _, err := scanConsentEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Consents returns a subject's consents as they stand after their history.
func (c Conn) Consents(ctx context.Context, subjectID string) ([]derbes.Consent, error) {
	events, err := c.ConsentEvents(ctx, subjectID)
	if err != nil {
		return nil, err
	}
	consents, _ := derbes.FoldConsents(events)
	return consents, nil
}

// EachConsentEvent calls fn for every consent event in chain order, with
// the stored JSON body its hash covers.
func (c Conn) EachConsentEvent(ctx context.Context, fn func(e *derbes.ConsentEvent, body []byte) error) error {
	const page = 5000
	var after int64
	for {
		rows, err := c.q.QueryContext(ctx, `SELECT `+consentCols+` FROM consent_events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, page)
		if err != nil {
			return fmt.Errorf("store: read consent history: %w", err)
		}
		n := 0
		for rows.Next() {
			e, body, err := scanConsentEvent(rows)
			if err == nil {
				n++
				after = e.Seq
				err = fn(&e, body)
			}
			if err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("store: read consent history: %w", err)
		}
		if n < page {
			return nil
		}
	}
}

// RepresentedBy returns the subjects whose consents name representative as
// their legal representative (Art. 7 p.1).
func (c Conn) RepresentedBy(ctx context.Context, representative string) ([]string, error) {
	rows, err := c.q.QueryContext(ctx, `SELECT DISTINCT subject_id FROM consent_events WHERE terms LIKE $1 ORDER BY subject_id`,
		`%"representative":"`+representative+`"%`)
	if err != nil {
		return nil, fmt.Errorf("store: represented subjects: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: represented subjects: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
