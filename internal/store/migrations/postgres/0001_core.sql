-- derbes core schema (PostgreSQL). Times are Unix microseconds UTC. Every table
-- that holds personal data (encrypted) carries subject_id (N-1).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE catalogue_versions (
  version     INTEGER PRIMARY KEY,
  body        TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at BIGINT NOT NULL
);
CREATE TABLE keys (
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  version    INTEGER NOT NULL,
  master_id  TEXT NOT NULL,
  wrapped    BYTEA NOT NULL,
  public     BYTEA,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kind, name, version)
);
CREATE TABLE subjects (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  citizenship TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  created_by  TEXT NOT NULL,
  -- legacy: imported without a recorded basis (P-1.2, R-BASIS-5): usable
  -- for storage only until a basis is recorded.
  legacy      BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE subject_keys (
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  purpose     TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  wrapped     BYTEA NOT NULL,
  PRIMARY KEY (subject_id, purpose)
);
CREATE TABLE pd_values (
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  category    TEXT NOT NULL,
  version     INTEGER NOT NULL,
  purpose     TEXT NOT NULL,
  ciphertext  BYTEA NOT NULL,
  source_kind TEXT NOT NULL,
  source_ref  TEXT NOT NULL,
  entered_by  TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  current     BOOLEAN NOT NULL,
  PRIMARY KEY (subject_id, category, version)
);
CREATE TABLE blind_index (
  category   TEXT NOT NULL,
  hash       BYTEA NOT NULL,
  subject_id TEXT NOT NULL REFERENCES subjects(id),
  PRIMARY KEY (category, hash, subject_id)
);
CREATE INDEX blind_index_subject ON blind_index (subject_id);
-- The consent history (R-BASIS-2): append-only, hash-chained events
-- (give, refuse, withdraw, withdrawal-refused); the current state of a
-- consent is derived from them, never updated in place. terms is JSON with
-- no personal value (the subject is subject_id).
CREATE TABLE consent_events (
  seq         BIGINT PRIMARY KEY,
  id          TEXT NOT NULL UNIQUE,
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  kind        TEXT NOT NULL,
  consent_id  TEXT NOT NULL,
  terms       TEXT NOT NULL,
  reason      TEXT NOT NULL,
  at          BIGINT NOT NULL,
  recorded_by TEXT NOT NULL,
  prev_hash   BYTEA NOT NULL,
  hash        BYTEA NOT NULL
);
CREATE INDEX consent_events_subject ON consent_events (subject_id, seq);
CREATE TABLE consent_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash BYTEA NOT NULL
);
INSERT INTO consent_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE audit_log (
  seq        BIGINT PRIMARY KEY,
  at         BIGINT NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  categories TEXT NOT NULL,
  purpose    TEXT NOT NULL,
  basis      TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  reason     TEXT NOT NULL,
  request_id TEXT NOT NULL,
  prev_hash  BYTEA NOT NULL,
  hash       BYTEA NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id) WHERE subject_id <> '';
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE audit_checkpoints (
  seq         BIGINT PRIMARY KEY,
  hash        BYTEA NOT NULL,
  at          BIGINT NOT NULL,
  key_version INTEGER NOT NULL,
  sig         BYTEA NOT NULL
);
CREATE TABLE roles (
  name        TEXT PRIMARY KEY,
  permissions TEXT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL REFERENCES roles(name),
  secret_hash BYTEA NOT NULL,
  created_at  BIGINT NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  BIGINT
);

-- Files (scans, signed consents, photos) are personal data: encrypted like
-- values under the subject's key for a purpose; digest is the SHA-256 of
-- the plaintext, kept as evidence of what was received.
CREATE TABLE files (
  id           TEXT PRIMARY KEY,
  subject_id   TEXT NOT NULL REFERENCES subjects(id),
  purpose      TEXT NOT NULL,
  category     TEXT NOT NULL,
  order_id     TEXT NOT NULL DEFAULT '',
  content_type TEXT NOT NULL,
  size         BIGINT NOT NULL,
  digest       BYTEA NOT NULL,
  ciphertext   BYTEA NOT NULL,
  created_at   BIGINT NOT NULL,
  created_by   TEXT NOT NULL
);
CREATE INDEX files_subject ON files (subject_id);
-- One-time codes: only a keyed hash of the code and of the address.
CREATE TABLE otp_challenges (
  id           TEXT PRIMARY KEY,
  subject_id   TEXT NOT NULL,
  address_hash BYTEA NOT NULL,
  channel      TEXT NOT NULL,
  purpose      TEXT NOT NULL,
  code_hash    BYTEA NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  confirmed_at BIGINT,
  used_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX otp_challenges_address ON otp_challenges (address_hash, created_at);
CREATE TABLE otp_failures (
  address_hash BYTEA NOT NULL,
  at           BIGINT NOT NULL
);
CREATE INDEX otp_failures_address ON otp_failures (address_hash, at);
-- The published policy (R-OPS-2): versions with their texts and what each adds.
CREATE TABLE policy_versions (
  version      INTEGER PRIMARY KEY,
  effective    TEXT NOT NULL,
  texts        TEXT NOT NULL,
  summary      TEXT NOT NULL,
  adds         TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  published_by TEXT NOT NULL
);

-- Staff (R-ACCESS-1..4). Each staff member is also a subject (kind
-- employee) whose name and e-mail live encrypted in the vault; here only a
-- blind index of the login, the argon2id hash and the sealed TOTP secret.
CREATE TABLE staff (
  id             TEXT PRIMARY KEY,
  login_index    BYTEA NOT NULL UNIQUE,
  subject_id     TEXT NOT NULL REFERENCES subjects(id),
  role           TEXT NOT NULL REFERENCES roles(name),
  password_hash  TEXT NOT NULL,
  totp_secret    BYTEA,
  totp_enabled   BOOLEAN NOT NULL DEFAULT FALSE,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  recovery       TEXT NOT NULL DEFAULT '',
  locked_until   BIGINT NOT NULL DEFAULT 0,
  active         BOOLEAN NOT NULL DEFAULT TRUE,
  created_at     BIGINT NOT NULL,
  created_by     TEXT NOT NULL
);
-- Failed sign-ins, by keyed hash of the login and of the client address.
CREATE TABLE signin_failures (
  key_hash BYTEA NOT NULL,
  at       BIGINT NOT NULL
);
CREATE INDEX signin_failures_key ON signin_failures (key_hash, at);
CREATE TABLE sessions (
  id_hash    BYTEA PRIMARY KEY,
  staff_id   TEXT NOT NULL REFERENCES staff(id),
  mfa        BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen  BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_staff ON sessions (staff_id);
-- Data-protection instructions and liability statement (P-7.2.3, 7.2.4).
CREATE TABLE instructions (
  version      INTEGER PRIMARY KEY,
  texts        TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  published_by TEXT NOT NULL
);
CREATE TABLE acknowledgements (
  staff_id TEXT NOT NULL REFERENCES staff(id),
  version  INTEGER NOT NULL,
  at       BIGINT NOT NULL,
  PRIMARY KEY (staff_id, version)
);
-- Appointment of the responsible person (P-7.2.1, Art. 25 p.2 sub.10).
CREATE TABLE appointments (
  id           TEXT PRIMARY KEY,
  staff_id     TEXT NOT NULL REFERENCES staff(id),
  from_date    TEXT NOT NULL,
  order_ref    TEXT NOT NULL,
  appointed_by TEXT NOT NULL,
  at           BIGINT NOT NULL
);

-- Third parties (R-TRANSFER-1): organisations, not personal data.
CREATE TABLE recipients (
  id         TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  names      TEXT NOT NULL,
  country    TEXT NOT NULL,
  reg_number TEXT NOT NULL,
  channel    TEXT NOT NULL,
  contact    TEXT NOT NULL,
  active     BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
-- Applicants' orders (R-APPLY-1) and their status history.
CREATE TABLE orders (
  id            TEXT PRIMARY KEY,
  subject_id    TEXT NOT NULL REFERENCES subjects(id),
  services      TEXT NOT NULL,
  institutions  TEXT NOT NULL,
  academic_year TEXT NOT NULL,
  programme     TEXT NOT NULL,
  status        TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  created_by    TEXT NOT NULL,
  closed_at     BIGINT
);
CREATE INDEX orders_subject ON orders (subject_id);
CREATE TABLE order_events (
  order_id   TEXT NOT NULL REFERENCES orders(id),
  subject_id TEXT NOT NULL,
  status     TEXT NOT NULL,
  at         BIGINT NOT NULL,
  by_actor   TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, at);
-- Motivated requests of authorised bodies (P-5.2) and life-or-health
-- records (P-5.1): the bases of a transfer without consent.
CREATE TABLE authority_requests (
  id           TEXT PRIMARY KEY,
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  number       TEXT NOT NULL,
  request_date TEXT NOT NULL,
  grounds      TEXT NOT NULL,
  subjects     TEXT NOT NULL,
  categories   TEXT NOT NULL,
  confidential BOOLEAN NOT NULL,
  scan_digest  TEXT NOT NULL,
  status       TEXT NOT NULL,
  registered_by TEXT NOT NULL,
  registered_at BIGINT NOT NULL,
  decided_by   TEXT NOT NULL DEFAULT '',
  decided_at   BIGINT
);
CREATE TABLE life_health (
  id            TEXT PRIMARY KEY,
  subject_id    TEXT NOT NULL REFERENCES subjects(id),
  recipient_id  TEXT NOT NULL REFERENCES recipients(id),
  justification TEXT NOT NULL,
  recorded_by   TEXT NOT NULL,
  at            BIGINT NOT NULL
);
-- The transfer register (R-TRANSFER-3): every disclosure, with the exact
-- versions of the values sent (never the values).
CREATE TABLE transfers (
  id           TEXT PRIMARY KEY,
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  purpose      TEXT NOT NULL,
  channel      TEXT NOT NULL,
  basis_kind   TEXT NOT NULL,
  basis_ref    TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  at           BIGINT NOT NULL,
  package_hash TEXT NOT NULL,
  signature    BYTEA NOT NULL,
  key_version  INTEGER NOT NULL
);
CREATE TABLE transfer_items (
  transfer_id TEXT NOT NULL REFERENCES transfers(id),
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  category    TEXT NOT NULL,
  version     INTEGER NOT NULL,
  basis       TEXT NOT NULL,
  PRIMARY KEY (transfer_id, subject_id, category)
);
CREATE INDEX transfer_items_subject ON transfer_items (subject_id, category);
-- Blocking (R-RIGHTS-4): a whole subject (category '*') or chosen categories.
CREATE TABLE blocks (
  id          TEXT PRIMARY KEY,
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  category    TEXT NOT NULL,
  reason      TEXT NOT NULL,
  blocked_by  TEXT NOT NULL,
  blocked_at  BIGINT NOT NULL,
  released_by TEXT NOT NULL DEFAULT '',
  released_at BIGINT
);
CREATE INDEX blocks_subject ON blocks (subject_id);
-- Notices to subjects of transfers of their data, where their consent
-- asks for them (Law 94-V Art. 19): due within 10 working days, tracked.
CREATE TABLE transfer_notices (
  transfer_id TEXT NOT NULL REFERENCES transfers(id),
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  due_at      BIGINT NOT NULL,
  sent_at     BIGINT,
  outcome     TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (transfer_id, subject_id)
);
-- Subjects' requests (R-RIGHTS-2, R-RIGHTS-3) on legal clocks. The
-- subject's own words (details, response) are personal data: sealed under
-- the subject's key for the rights purpose.
CREATE TABLE rights_requests (
  id             TEXT PRIMARY KEY,
  subject_id     TEXT NOT NULL REFERENCES subjects(id),
  kind           TEXT NOT NULL,
  channel        TEXT NOT NULL,
  identity_check TEXT NOT NULL,
  details        BYTEA NOT NULL,
  status         TEXT NOT NULL,
  assignee       TEXT NOT NULL DEFAULT '',
  received_at    BIGINT NOT NULL,
  due_at         BIGINT NOT NULL,
  closed_at      BIGINT,
  response       BYTEA,
  escalated      BOOLEAN NOT NULL DEFAULT FALSE,
  confidential   BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX rights_requests_due ON rights_requests (status, due_at);
CREATE INDEX rights_requests_subject ON rights_requests (subject_id);
-- Notices to earlier recipients of a corrected, blocked or destroyed
-- value (R-RIGHTS-5, P-6.2.1d), drafted by derbes and tracked.
CREATE TABLE recipient_notices (
  id           TEXT PRIMARY KEY,
  subject_id   TEXT NOT NULL REFERENCES subjects(id),
  recipient_id TEXT NOT NULL REFERENCES recipients(id),
  category     TEXT NOT NULL,
  kind         TEXT NOT NULL,
  old_version  INTEGER NOT NULL,
  new_version  INTEGER NOT NULL,
  created_at   BIGINT NOT NULL,
  sent_at      BIGINT,
  channel      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX recipient_notices_subject ON recipient_notices (subject_id);
-- The erasure ledger (R-RIGHTS-6): what the law requires to prove a
-- destruction, never a value. Exported and re-applied by every restore, so
-- a restore from an older backup does not bring a destroyed subject back.
CREATE TABLE erasures (
  subject_id   TEXT PRIMARY KEY,
  at           BIGINT NOT NULL,
  basis        TEXT NOT NULL,
  categories   TEXT NOT NULL,
  destroyed_by TEXT NOT NULL
);
-- Subject portal sessions (R-RIGHTS-1): a token's hash, bound to one subject.
CREATE TABLE portal_sessions (
  id_hash    BYTEA PRIMARY KEY,
  subject_id TEXT NOT NULL REFERENCES subjects(id),
  created_at BIGINT NOT NULL,
  last_seen  BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
-- The incident register (R-OPS-3). A personal-data breach must be
-- notified to the authorised body within one working day of detection.
CREATE TABLE breaches (
  id                   TEXT PRIMARY KEY,
  detected_at          BIGINT NOT NULL,
  description          TEXT NOT NULL,
  categories           TEXT NOT NULL,
  subjects             TEXT NOT NULL,
  measures             TEXT NOT NULL,
  personal             BOOLEAN NOT NULL,
  status               TEXT NOT NULL,
  due_at               BIGINT NOT NULL,
  authority_notified_at BIGINT,
  subjects_notified_at BIGINT,
  closed_at            BIGINT,
  recorded_by          TEXT NOT NULL
);
-- Internal control reports (R-AUDIT-3, P-7.2.7): dated, kept.
CREATE TABLE control_reports (
  id   TEXT PRIMARY KEY,
  at   BIGINT NOT NULL,
  body TEXT NOT NULL
);
