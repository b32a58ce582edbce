import type { Migration } from "../migrate.ts";

/** SQLite schema history. Append new versions; never edit a released one. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    statements: [
      `CREATE TABLE baton_revocations (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('token', 'agent', 'intent')),
        target_id TEXT NOT NULL,
        reason TEXT,
        actor TEXT,
        request_jti TEXT,
        token_exp INTEGER,
        revoked_at INTEGER NOT NULL,
        UNIQUE (kind, target_id)
      )`,
      `CREATE INDEX baton_revocations_token_exp ON baton_revocations (token_exp) WHERE kind = 'token'`,
      `CREATE TABLE baton_tokens (
        hash TEXT PRIMARY KEY,
        jti TEXT NOT NULL,
        parent_hash TEXT,
        issuer TEXT NOT NULL,
        holder TEXT NOT NULL,
        intent TEXT,
        depth INTEGER NOT NULL,
        iat INTEGER NOT NULL,
        exp INTEGER NOT NULL,
        token TEXT NOT NULL,
        payload TEXT NOT NULL,
        recorded_at INTEGER NOT NULL
      )`,
      "CREATE INDEX baton_tokens_jti ON baton_tokens (jti)",
      "CREATE INDEX baton_tokens_intent ON baton_tokens (intent)",
      "CREATE INDEX baton_tokens_issuer ON baton_tokens (issuer)",
      "CREATE INDEX baton_tokens_holder ON baton_tokens (holder)",
      "CREATE INDEX baton_tokens_parent ON baton_tokens (parent_hash)",
      `CREATE TABLE baton_audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        intent TEXT,
        agent TEXT,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
      "CREATE INDEX baton_audit_intent ON baton_audit (intent, id)",
      "CREATE INDEX baton_audit_agent ON baton_audit (agent, id)",
      "CREATE INDEX baton_audit_at ON baton_audit (at)",
      `CREATE TABLE baton_audit_head (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        last_id INTEGER NOT NULL,
        last_hash TEXT NOT NULL
      )`,
      `INSERT INTO baton_audit_head (one, last_id, last_hash) VALUES (1, 0, '${"0".repeat(64)}')`,
      "CREATE TABLE baton_replay (key TEXT PRIMARY KEY, expires_at REAL NOT NULL)",
      "CREATE INDEX baton_replay_expires ON baton_replay (expires_at)",
      "CREATE TABLE baton_usage (key TEXT PRIMARY KEY, used INTEGER NOT NULL)",
      "CREATE TABLE baton_nonces (nonce TEXT PRIMARY KEY, expires_at REAL NOT NULL)",
      "CREATE INDEX baton_nonces_expires ON baton_nonces (expires_at)",
      `CREATE TABLE baton_agent_names (
        agent TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: "audit refs and checkpoints",
    statements: [
      // The jtis and token hashes each event concerns: GET /v1/graph/audit?jti= reads this index.
      `CREATE TABLE baton_audit_refs (
        ref TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        PRIMARY KEY (ref, event_id)
      ) WITHOUT ROWID`,
      `INSERT OR IGNORE INTO baton_audit_refs (ref, event_id)
         SELECT j.value, a.id FROM baton_audit a, json_each(a.data, '$.jtis') j
         WHERE json_valid(a.data) AND json_type(a.data, '$.jtis') = 'array' AND j.type = 'text'
           AND length(j.value) BETWEEN 1 AND 4096`,
      `INSERT OR IGNORE INTO baton_audit_refs (ref, event_id)
         SELECT json_extract(a.data, '$.jti'), a.id FROM baton_audit a
         WHERE json_valid(a.data) AND json_type(a.data, '$.jti') = 'text'
           AND length(json_extract(a.data, '$.jti')) BETWEEN 1 AND 4096`,
      `INSERT OR IGNORE INTO baton_audit_refs (ref, event_id)
         SELECT json_extract(a.data, '$.hash'), a.id FROM baton_audit a
         WHERE json_valid(a.data) AND json_type(a.data, '$.hash') = 'text'
           AND json_extract(a.data, '$.hash') LIKE 'sha256:%'`,
      `INSERT OR IGNORE INTO baton_audit_refs (ref, event_id)
         SELECT json_extract(a.data, '$.target.id'), a.id FROM baton_audit a
         WHERE json_valid(a.data) AND json_extract(a.data, '$.target.kind') = 'token'
           AND json_type(a.data, '$.target.id') = 'text'
           AND length(json_extract(a.data, '$.target.id')) BETWEEN 1 AND 4096`,
      // Signed head checkpoints, outside the events table (see specs/audit.md).
      `CREATE TABLE baton_audit_checkpoints (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        node TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        at INTEGER NOT NULL,
        jws TEXT NOT NULL,
        UNIQUE (node, seq)
      )`,
    ],
  },
];
