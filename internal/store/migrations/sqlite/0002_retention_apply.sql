-- Release 2 (2026-11-25): retention and legal holds, statistics extracts,
-- online application drafts, questions about orders, webhooks. Released
-- migrations are never edited: a change is a new numbered file.
-- Legal holds (R-RETAIN-1): data another law or a court case requires
-- keeping is restricted (blocked) instead of destroyed while a hold lasts.
-- reason is an official reference (law, case number), never a value.
CREATE TABLE legal_holds (
  id          TEXT PRIMARY KEY,
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  reason      TEXT NOT NULL,
  placed_by   TEXT NOT NULL,
  placed_at   INTEGER NOT NULL,
  released_by TEXT NOT NULL DEFAULT '',
  released_at INTEGER
);
CREATE INDEX legal_holds_subject ON legal_holds (subject_id);
-- Retention acts (R-RETAIN-1, Art. 18): one run's batch of due data, to
-- be approved by the responsible person (or run automatically); each
-- item is claimed once (done_at) in the transaction that carries it out.
CREATE TABLE retention_acts (
  id          TEXT PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  status      TEXT NOT NULL,
  approved_by TEXT NOT NULL DEFAULT '',
  approved_at INTEGER,
  done_at     INTEGER
);
CREATE TABLE retention_items (
  act_id     TEXT NOT NULL REFERENCES retention_acts(id),
  subject_id TEXT NOT NULL REFERENCES subjects(id),
  action     TEXT NOT NULL,
  categories TEXT NOT NULL,
  purposes   TEXT NOT NULL,
  due_since  INTEGER NOT NULL,
  outcome    TEXT NOT NULL DEFAULT '',
  done_at    INTEGER,
  done_by    TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (act_id, subject_id)
);
CREATE INDEX retention_items_subject ON retention_items (subject_id);
-- Depersonalised records (Law 94-V Art. 17): generalised attributes of a
-- subject whose data was destroyed, for statistics only. No subject id,
-- no time, a random key: nothing links a record back to a person.
CREATE TABLE depersonalised (
  id   TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
-- Statistics extracts (R-RETAIN-2): the recorded specification each
-- released extract was made from, what was released (k-anonymous, no
-- identifier) and its digest.
CREATE TABLE stat_extracts (
  id      TEXT PRIMARY KEY,
  at      INTEGER NOT NULL,
  spec    TEXT NOT NULL,
  digest  TEXT NOT NULL,
  rows    INTEGER NOT NULL,
  body    TEXT NOT NULL,
  made_by TEXT NOT NULL
);
-- Online applications in progress (the online-application issue): a
-- draft is keyed by its token's hash and sealed under a key of its own,
-- destroyed on submission or when it expires; nothing of it is a
-- subject's record until the applicant confirms.
CREATE TABLE application_drafts (
  id_hash     BLOB PRIMARY KEY,
  key_version INTEGER NOT NULL,
  wrapped     BLOB NOT NULL,
  body        BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  -- a keyed hash of the network address that started it: a limit per
  -- address on new applications
  origin_hash BLOB NOT NULL
);
CREATE INDEX application_drafts_origin ON application_drafts (origin_hash, created_at);
-- Questions of staff about an order and the applicant's answers: the text
-- is personal data, sealed under the subject's key for P-4.1b.
CREATE TABLE order_messages (
  id         TEXT PRIMARY KEY,
  order_id   TEXT NOT NULL REFERENCES orders(id),
  subject_id TEXT NOT NULL REFERENCES subjects(id),
  author     TEXT NOT NULL,
  body       BLOB NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX order_messages_order ON order_messages (order_id, at);
-- Webhooks for integrators: events carry ids, never values; each delivery
-- is queued in the transaction of its event (an outbox), signed with
-- HMAC-SHA256 (the secret is derived from the webhook's id under the
-- installation's key, shown once), retried with backoff, and recorded.
CREATE TABLE webhooks (
  id         TEXT PRIMARY KEY,
  url        TEXT NOT NULL,
  events     TEXT NOT NULL,
  active     BOOLEAN NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE webhook_deliveries (
  id          TEXT PRIMARY KEY,
  webhook_id  TEXT NOT NULL REFERENCES webhooks(id),
  event       TEXT NOT NULL,
  body        TEXT NOT NULL,
  status      TEXT NOT NULL,
  attempts    INTEGER NOT NULL,
  next_at     INTEGER NOT NULL,
  last_code   INTEGER NOT NULL DEFAULT 0,
  delivered_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at);
