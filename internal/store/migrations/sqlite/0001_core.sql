-- derbes core schema (SQLite). Times are Unix microseconds UTC. Every table
-- that holds personal data (encrypted) carries subject_id (N-1).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE catalogue_versions (
  version     INTEGER PRIMARY KEY,
  body        TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  approved_at INTEGER NOT NULL
);
CREATE TABLE keys (
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  version    INTEGER NOT NULL,
  master_id  TEXT NOT NULL,
  wrapped    BLOB NOT NULL,
  public     BLOB,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (kind, name, version)
);
CREATE TABLE subjects (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  citizenship TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL
);
CREATE TABLE subject_keys (
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  purpose     TEXT NOT NULL,
  key_version INTEGER NOT NULL,
  wrapped     BLOB NOT NULL,
  PRIMARY KEY (subject_id, purpose)
);
CREATE TABLE pd_values (
  subject_id  TEXT NOT NULL REFERENCES subjects(id),
  category    TEXT NOT NULL,
  version     INTEGER NOT NULL,
  purpose     TEXT NOT NULL,
  ciphertext  BLOB NOT NULL,
  source_kind TEXT NOT NULL,
  source_ref  TEXT NOT NULL,
  entered_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  current     INTEGER NOT NULL,
  PRIMARY KEY (subject_id, category, version)
) WITHOUT ROWID;
CREATE TABLE blind_index (
  category   TEXT NOT NULL,
  hash       BLOB NOT NULL,
  subject_id TEXT NOT NULL REFERENCES subjects(id),
  PRIMARY KEY (category, hash, subject_id)
) WITHOUT ROWID;
CREATE INDEX blind_index_subject ON blind_index (subject_id);
CREATE TABLE consents (
  id           TEXT PRIMARY KEY,
  subject_id   TEXT NOT NULL REFERENCES subjects(id),
  purposes     TEXT NOT NULL,
  given_at     INTEGER NOT NULL,
  expires_at   INTEGER,
  withdrawn_at INTEGER,
  recorded_by  TEXT NOT NULL
);
CREATE INDEX consents_subject ON consents (subject_id);
CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  action     TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  categories TEXT NOT NULL,
  purpose    TEXT NOT NULL,
  basis      TEXT NOT NULL,
  outcome    TEXT NOT NULL,
  reason     TEXT NOT NULL,
  request_id TEXT NOT NULL,
  prev_hash  BLOB NOT NULL,
  hash       BLOB NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject_id) WHERE subject_id <> '';
CREATE TABLE audit_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  INTEGER NOT NULL,
  hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));
CREATE TABLE audit_checkpoints (
  seq         INTEGER PRIMARY KEY,
  hash        BLOB NOT NULL,
  at          INTEGER NOT NULL,
  key_version INTEGER NOT NULL,
  sig         BLOB NOT NULL
);
CREATE TABLE roles (
  name        TEXT PRIMARY KEY,
  permissions TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL REFERENCES roles(name),
  secret_hash BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  INTEGER
);
