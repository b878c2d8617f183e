// Package service is where derbes's rules meet its storage and its
// cryptography: every operation on personal data is checked here (the
// principal's permission, the purpose's lawful basis, minimisation),
// encrypted or decrypted with the vault, written through the store's group
// committer in one transaction with its audit entry, and refused with an
// audited entry when any check fails.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/calendar"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/sms"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// Operator is the operator's identity, shown in consents and reports.
type Operator struct {
	Name     string
	BIN      string
	Location string // ISO country of the storage (Art. 12 p.2)
}

// Service is derbes's application layer. It is safe for concurrent use.
type Service struct {
	db        *store.DB
	cat       *derbes.Catalogue
	kr        *vault.Keyring
	operator  Operator
	cal       *calendar.Calendar
	mail      mail.Sender
	sms       sms.Sender
	lockFor   time.Duration
	pwSlots   chan struct{} // bounds concurrent argon2id checks
	observer  Observer
	log       *slog.Logger
	now       func() time.Time
	statsK    int
	draftLife time.Duration
}

// Options configure New.
type Options struct {
	Operator Operator
	Calendar *calendar.Calendar // Kazakhstan's working days; the embedded default when nil
	Mail     mail.Sender        // e-mail for one-time codes and notices; none when nil
	SMS      sms.Sender         // SMS gateway; none when nil
	LockFor  time.Duration      // how long repeated sign-in failures lock an account; 15 minutes when 0
	Logger   *slog.Logger
	Now      func() time.Time // the clock; time.Now when nil
	// StatsK is the k of the scheduled statistics extract (R-RETAIN-2); 5 when 0.
	StatsK int
	// DraftTTL is how long an online application draft lives; DraftTTL when 0.
	DraftTTL time.Duration
}

// New opens the service over db: it records the catalogue as version 1 when
// the database has none, opens the keyring under master (creating and
// persisting missing keys), installs the default roles, and starts the
// store's committer. cat is the catalogue to install on a new database; an
// existing database keeps its own approved version.
func New(ctx context.Context, db *store.DB, master vault.Master, cat *derbes.Catalogue, opt Options) (*Service, error) {
	s := &Service{db: db, operator: opt.Operator, cal: opt.Calendar, mail: opt.Mail, sms: opt.SMS, log: opt.Logger, now: opt.Now, statsK: opt.StatsK, draftLife: opt.DraftTTL}
	if s.cal == nil {
		cal, err := calendar.Default()
		if err != nil {
			return nil, err
		}
		s.cal = cal
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	// Audit times follow the service's clock (one clock for a test's story).
	db.SetClock(s.now)
	s.pwSlots = make(chan struct{}, 2)
	s.lockFor = opt.LockFor
	if s.lockFor <= 0 {
		s.lockFor = 15 * time.Minute
	}
	r := db.Read()
	stored, found, err := r.LatestCatalogue(ctx)
	if err != nil {
		return nil, err
	}
	if found {
		var c derbes.Catalogue
		if err := json.Unmarshal(stored.Body, &c); err != nil {
			return nil, fmt.Errorf("service: stored catalogue version %d: %w", stored.Version, err)
		}
		cat = &c
	}
	s.cat = cat
	rows, err := r.Keys(ctx)
	if err != nil {
		return nil, err
	}
	purposes := make([]string, len(cat.Purposes))
	for i, p := range cat.Purposes {
		purposes[i] = p.Code
	}
	kr, fresh, err := vault.Open(ctx, master, toStoredKeys(rows), purposes)
	if err != nil {
		return nil, fmt.Errorf("service: open keyring: %w", err)
	}
	s.kr = kr
	db.Start(kr)
	if err := s.install(ctx, found, fresh); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.EnsureInstructions(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.EnsurePolicy(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// install persists what a first start (or a new purpose) creates: the
// catalogue, new keys and the default roles, audited as one operation.
func (s *Service) install(ctx context.Context, haveCatalogue bool, fresh []vault.StoredKey) error {
	if haveCatalogue && len(fresh) == 0 {
		return nil
	}
	now := s.now()
	body, err := json.Marshal(s.cat)
	if err != nil {
		return fmt.Errorf("service: encode catalogue: %w", err)
	}
	actor := derbes.Principal{ID: "system:install"}
	return s.db.Write(derbes.WithPrincipal(ctx, actor), func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		var entries []derbes.AuditEntry
		for _, k := range fresh {
			if err := c.InsertKey(ctx, fromStoredKey(k, now)); err != nil {
				return nil, err
			}
		}
		if len(fresh) > 0 {
			entries = append(entries, s.entry(ctx, "keys.create", "", "", nil, derbes.OutcomeOK, ""))
		}
		if !haveCatalogue {
			v := store.CatalogueVersion{Version: s.cat.Version, Body: body, ApprovedBy: actor.ID, ApprovedAt: now.UnixMicro()}
			if err := c.InsertCatalogue(ctx, v); err != nil {
				return nil, err
			}
			for _, r := range DefaultRoles() {
				if err := c.PutRole(ctx, r, now.UnixMicro()); err != nil {
					return nil, err
				}
			}
			entries = append(entries, s.entry(ctx, "catalogue.install", "", "", nil, derbes.OutcomeOK, ""))
		}
		return entries, nil
	})
}

// Close checkpoints the audit chain and closes the database.
func (s *Service) Close(ctx context.Context) error {
	cerr := s.db.Checkpoint(ctx)
	if err := s.db.Close(); err != nil {
		return err
	}
	return cerr
}

// Observer is told of every refusal (metrics count them by rule).
type Observer interface {
	Refusal(action, rule string)
	JobRun(job string, err error) // one run of a scheduled job
}

// SetObserver makes the service report refusals and job runs to o. Call it before
// serving.
func (s *Service) SetObserver(o Observer) { s.observer = o }

// AuditLength returns the audit chain's length, for metrics.
func (s *Service) AuditLength(ctx context.Context) (int64, error) {
	return s.db.Read().AuditLength(ctx)
}

// Now returns the service's clock reading.
func (s *Service) Now() time.Time { return s.now() }

// Catalogue returns the catalogue in force.
func (s *Service) Catalogue() *derbes.Catalogue { return s.cat }

// Operator returns the operator's identity.
func (s *Service) Operator() Operator { return s.operator }

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// entry builds an audit entry for the principal and request in ctx.
func (s *Service) entry(ctx context.Context, action, subjectID, purpose string, cats []string, outcome, reason string) derbes.AuditEntry {
	return derbes.AuditEntry{
		Actor: derbes.PrincipalFrom(ctx).ID, Action: action, SubjectID: subjectID, Categories: cats,
		Purpose: purpose, Outcome: outcome, Reason: reason, RequestID: derbes.RequestIDFrom(ctx),
	}
}

// Refuse records a refusal of action in the audit trail and returns err.
// Every refusal is audited (R-AUDIT-1); err carries the rule.
func (s *Service) Refuse(ctx context.Context, action, subjectID, purpose string, cats []string, err error) error {
	outcome := derbes.OutcomeRefused
	if derbes.CodeOf(err) == derbes.EInternal {
		outcome = derbes.OutcomeError
	}
	e := s.entry(ctx, action, subjectID, purpose, cats, outcome, derbes.RuleOf(err))
	if s.observer != nil {
		s.observer.Refusal(action, e.Reason)
	}
	if aerr := s.db.Audit(ctx, e); aerr != nil {
		s.log.ErrorContext(ctx, "audit append failed", "action", action, "err", aerr)
		return fmt.Errorf("%w (and the refusal could not be audited: %v)", err, aerr)
	}
	return err
}

// newID returns a random 128-bit identifier in hex.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func toStoredKeys(rows []store.KeyRow) []vault.StoredKey {
	out := make([]vault.StoredKey, len(rows))
	for i, r := range rows {
		out[i] = vault.StoredKey{Kind: r.Kind, Name: r.Name, Version: r.Version, MasterID: r.MasterID, Wrapped: r.Wrapped, Public: r.Public}
	}
	return out
}

func fromStoredKey(k vault.StoredKey, now time.Time) store.KeyRow {
	return store.KeyRow{Kind: k.Kind, Name: k.Name, Version: k.Version, MasterID: k.MasterID, Wrapped: k.Wrapped, Public: k.Public, CreatedAt: now.UnixMicro()}
}
