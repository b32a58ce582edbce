import type { Migration } from "../migrate.ts";

/** PostgreSQL schema history (tables land in the first schema of search_path). Append only. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial",
    statements: [
      `CREATE TABLE baton_revocations (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('token', 'agent', 'intent')),
        target_id TEXT NOT NULL,
        reason TEXT,
        actor TEXT,
        request_jti TEXT,
        token_exp BIGINT,
        revoked_at BIGINT NOT NULL,
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
        iat BIGINT NOT NULL,
        exp BIGINT NOT NULL,
        token TEXT NOT NULL,
        payload TEXT NOT NULL,
        recorded_at BIGINT NOT NULL
      )`,
      "CREATE INDEX baton_tokens_jti ON baton_tokens (jti)",
      "CREATE INDEX baton_tokens_intent ON baton_tokens (intent)",
      "CREATE INDEX baton_tokens_issuer ON baton_tokens (issuer)",
      "CREATE INDEX baton_tokens_holder ON baton_tokens (holder)",
      "CREATE INDEX baton_tokens_parent ON baton_tokens (parent_hash)",
      `CREATE TABLE baton_audit (
        id BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
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
        last_id BIGINT NOT NULL,
        last_hash TEXT NOT NULL
      )`,
      `INSERT INTO baton_audit_head (one, last_id, last_hash) VALUES (1, 0, '${"0".repeat(64)}')`,
      "CREATE TABLE baton_replay (key TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)",
      "CREATE INDEX baton_replay_expires ON baton_replay (expires_at)",
      "CREATE TABLE baton_usage (key TEXT PRIMARY KEY, used BIGINT NOT NULL)",
      "CREATE TABLE baton_nonces (nonce TEXT PRIMARY KEY, expires_at DOUBLE PRECISION NOT NULL)",
      "CREATE INDEX baton_nonces_expires ON baton_nonces (expires_at)",
      `CREATE TABLE baton_agent_names (
        agent TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
];
