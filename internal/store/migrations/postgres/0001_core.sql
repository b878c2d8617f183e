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
  created_by  TEXT NOT NULL
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
CREATE TABLE consents (
  id           TEXT PRIMARY KEY,
  subject_id   TEXT NOT NULL REFERENCES subjects(id),
  purposes     TEXT NOT NULL,
  given_at     BIGINT NOT NULL,
  expires_at   BIGINT,
  withdrawn_at BIGINT,
  recorded_by  TEXT NOT NULL
);
CREATE INDEX consents_subject ON consents (subject_id);
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
