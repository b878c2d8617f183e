package service

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/derbes-kz/derbes"
	"github.com/derbes-kz/derbes/internal/mail"
	"github.com/derbes-kz/derbes/internal/store"
	"github.com/derbes-kz/derbes/internal/vault"
)

// One-time code limits (R-ACCESS-4 for codes; the consent issue's item 5).
const (
	CodeTTL            = 10 * time.Minute // a code is valid this long
	CodeSendWindow     = time.Hour        // at most CodeSendsPerWindow codes per address in it
	CodeSendsPerWindow = 5
	CodeFailWindow     = 15 * time.Minute // wrong codes counted over this window
	CodeMaxFailures    = 6                // the 6th wrong code locks the address for the window
	CodeConfirmedFor   = 30 * time.Minute // a confirmed code proves a consent this long
)

// Code purposes.
const CodeForConsent = "consent"

// Challenge is a sent one-time code, as the caller sees it.
type Challenge struct {
	ID        string    `json:"id"`
	Channel   string    `json:"channel"`
	ExpiresAt time.Time `json:"expiresAt"`
}

var codeTexts = map[string]struct{ subject, body string }{
	"kk": {"Растау коды", "Сіздің растау кодыңыз: %s\nКод %d минут жарамды. Оны ешкімге айтпаңыз."},
	"ru": {"Код подтверждения", "Ваш код подтверждения: %s\nКод действует %d минут. Никому его не сообщайте."},
	"en": {"Confirmation code", "Your confirmation code: %s\nThe code is valid for %d minutes. Do not share it with anyone."},
}

// SendCode sends a one-time code to the subject's current e-mail (channel
// "email") or phone ("sms") so that they can confirm a consent
// electronically. Only keyed hashes of the code and the address are
// stored; the code exists in the message alone.
// Errors: EInvalid (channel, language), ENotFound, ETooMany (rate limit),
// EUnavailable (no sender configured, or sending failed).
func (s *Service) SendCode(ctx context.Context, subjectID, channel, lang string) (*Challenge, error) {
	const action = "code.send"
	cat := map[string]string{"email": "email", "sms": "phone"}[channel]
	t, ok := codeTexts[lang]
	var err error
	switch {
	case cat == "":
		err = derbes.Invalid("channel", "code-channel", "the channel must be email or sms")
	case !ok:
		err = derbes.Invalid("language", "language", "the language must be kk, ru or en")
	case !s.canAny(ctx, derbes.ActWrite):
		err = s.denied(ctx, "", "your role may not send codes")
	case (channel == "email" && s.mail == nil) || (channel == "sms" && s.sms == nil):
		err = derbes.Errorf(derbes.EUnavailable, "code-channel-off", "this channel is not configured")
	}
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, "rights", nil, err)
	}
	address, err := s.currentPlain(ctx, subjectID, cat)
	if err != nil {
		return nil, s.Refuse(ctx, action, subjectID, "rights", []string{cat}, err)
	}
	ch, code, err := s.issueChallenge(ctx, action, subjectID, cat, address, channel, CodeForConsent)
	if err != nil {
		return nil, err
	}
	body := fmt.Sprintf(t.body, code, int(CodeTTL.Minutes()))
	if channel == "email" {
		err = s.mail.Send(ctx, mail.Message{To: address, Subject: t.subject, Text: body})
	} else {
		err = s.sms.Send(ctx, address, body)
	}
	if err != nil {
		s.log.WarnContext(ctx, "code not delivered", "channel", channel, "err", err)
		return nil, s.Refuse(ctx, "code.deliver", subjectID, "rights", []string{cat},
			derbes.Errorf(derbes.EUnavailable, "code-send-failed", "the code could not be sent; try again"))
	}
	return &Challenge{ID: ch.ID, Channel: channel, ExpiresAt: time.UnixMicro(ch.ExpiresAt).UTC()}, nil
}

// issueChallenge stores a new code challenge for an address (keyed hashes
// of both), refusing past CodeSendsPerWindow per address; the send is
// audited. It returns the challenge and the code, which exists only in
// the message the caller sends.
func (s *Service) issueChallenge(ctx context.Context, action, subjectID, cat, address, channel, purpose string) (store.Challenge, string, error) {
	code := randomCode()
	now := s.now().UTC()
	ch := store.Challenge{ID: newID(), SubjectID: subjectID, AddressHash: s.kr.BlindIndex(cat, address), Channel: channel,
		Purpose: purpose, CreatedAt: now.UnixMicro(), ExpiresAt: now.Add(CodeTTL).UnixMicro()}
	ch.CodeHash = s.kr.SecretHash("otp", []byte(ch.ID+"/"+code))
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		e := s.entry(ctx, action, subjectID, "rights", []string{cat}, derbes.OutcomeOK, "")
		e.Basis = "art9-10"
		n, err := c.CountChallenges(ctx, ch.AddressHash, now.Add(-CodeSendWindow).UnixMicro())
		if err == nil && n >= CodeSendsPerWindow {
			err = derbes.Errorf(derbes.ETooMany, "code-rate-limit", "too many codes sent to this address; try again later")
		}
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		return []derbes.AuditEntry{e}, c.InsertChallenge(ctx, ch)
	})
	return ch, code, err
}

func randomCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// VerifyCode checks a code against its challenge, once. Wrong codes are
// counted per address; the 6th in CodeFailWindow locks the address until
// the window passes, whatever challenge is tried.
// Errors: ENotFound (challenge), ETooMany (code-locked), EInvalid
// (code-wrong, code-expired), EConflict (code-used).
func (s *Service) VerifyCode(ctx context.Context, challengeID, code string) error {
	const action = "code.verify"
	if !s.canAny(ctx, derbes.ActWrite) {
		return s.Refuse(ctx, action, "", "", nil, s.denied(ctx, "", "your role may not verify codes"))
	}
	now := s.now().UTC()
	var verdict error
	err := s.db.Write(ctx, func(ctx context.Context, c store.Conn) ([]derbes.AuditEntry, error) {
		ch, err := c.Challenge(ctx, challengeID)
		e := s.entry(ctx, action, ch.SubjectID, "rights", nil, derbes.OutcomeOK, "")
		if err != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(err)
			return []derbes.AuditEntry{e}, err
		}
		verdict, err = s.judgeCode(ctx, c, ch, code, now)
		if err != nil {
			return nil, err
		}
		if verdict != nil {
			e.Outcome, e.Reason = derbes.OutcomeRefused, derbes.RuleOf(verdict)
		}
		// A wrong code's failure row must be kept: the verdict is returned
		// after the write, not as the write's error.
		return []derbes.AuditEntry{e}, nil
	})
	if err != nil {
		return err
	}
	return verdict
}

func (s *Service) judgeCode(ctx context.Context, c store.Conn, ch store.Challenge, code string, now time.Time) (error, error) {
	fails, err := c.CountFailures(ctx, ch.AddressHash, now.Add(-CodeFailWindow).UnixMicro())
	if err != nil {
		return nil, err
	}
	locked := derbes.Errorf(derbes.ETooMany, "code-locked", "too many wrong codes; try again later")
	switch {
	case fails >= CodeMaxFailures:
		return locked, nil
	case ch.ConfirmedAt.Valid:
		return &derbes.Error{Code: derbes.EConflict, Field: "code", Rule: "code-used", Message: "this code was already used"}, nil
	case now.UnixMicro() >= ch.ExpiresAt:
		return derbes.Invalid("code", "code-expired", "the code has expired; ask for a new one"), nil
	}
	if !vault.Equal(ch.CodeHash, s.kr.SecretHash("otp", []byte(ch.ID+"/"+code))) {
		if err := c.InsertFailure(ctx, ch.AddressHash, now.UnixMicro()); err != nil {
			return nil, err
		}
		if fails+1 >= CodeMaxFailures {
			return locked, nil
		}
		return derbes.Invalid("code", "code-wrong", "the code is not correct"), nil
	}
	if _, err := c.ConfirmChallenge(ctx, ch.ID, now.UnixMicro()); err != nil {
		return nil, err
	}
	return nil, nil
}

// useCode binds a confirmed consent code to the consent it proves, inside
// the consent's write, and fills in the evidence from the challenge.
func (s *Service) useCode(ctx context.Context, c store.Conn, subjectID, consentID string, ev *derbes.Evidence) error {
	bad := derbes.Forbidden("consent.evidence.challengeId", "code-not-confirmed", "electronic consent needs a code confirmed by this subject in the last 30 minutes")
	ch, err := c.Challenge(ctx, ev.ChallengeID)
	if err != nil {
		return bad
	}
	now := s.now().UTC().UnixMicro()
	if ch.SubjectID != subjectID || ch.Purpose != CodeForConsent || !ch.ConfirmedAt.Valid || now-ch.ConfirmedAt.Int64 > CodeConfirmedFor.Microseconds() {
		return bad
	}
	ok, err := c.UseChallenge(ctx, ch.ID, consentID)
	if err != nil {
		return err
	}
	if !ok {
		return &derbes.Error{Code: derbes.EConflict, Field: "consent.evidence.challengeId", Rule: "code-used", Message: "this code already proves another consent"}
	}
	at := time.UnixMicro(ch.ConfirmedAt.Int64).UTC()
	ev.Channel, ev.ConfirmedAt = ch.Channel, &at
	return nil
}

// currentPlain decrypts the current value of one category of a subject for
// derbes's own use (sending a code), not for a principal to see.
func (s *Service) currentPlain(ctx context.Context, subjectID, category string) (string, error) {
	r := s.db.Read()
	rows, err := r.CurrentValues(ctx, subjectID, []string{category})
	if err != nil {
		return "", err
	}
	if len(rows) == 0 {
		if _, err := r.Subject(ctx, subjectID); err != nil {
			return "", err
		}
		return "", &derbes.Error{Code: derbes.EConflict, Field: "channel", Rule: "code-no-address", Message: "the subject has no value in this category to send a code to"}
	}
	keys, err := r.SubjectKeys(ctx, subjectID)
	if err != nil {
		return "", err
	}
	return s.open(keys, map[string]*vault.SubjectKey{}, rows[0])
}
