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
  {
    version: 2,
    name: "audit refs and checkpoints",
    statements: [
      // The jtis and token hashes each event concerns: GET /v1/graph/audit?jti= reads this index.
      `CREATE TABLE baton_audit_refs (
        ref TEXT NOT NULL,
        event_id BIGINT NOT NULL,
        PRIMARY KEY (ref, event_id)
      )`,
      // Backfill row by row, so a damaged (tampered) row is skipped instead of failing the migration.
      `DO $$
      DECLARE r RECORD; d JSONB;
      BEGIN
        FOR r IN SELECT id, data FROM baton_audit LOOP
          BEGIN
            d := r.data::jsonb;
          EXCEPTION WHEN others THEN
            CONTINUE;
          END;
          IF jsonb_typeof(d) <> 'object' THEN CONTINUE; END IF;
          INSERT INTO baton_audit_refs (ref, event_id)
            SELECT v, r.id FROM (
              SELECT jsonb_array_elements_text(d->'jtis') AS v WHERE jsonb_typeof(d->'jtis') = 'array'
              UNION SELECT d->>'jti' WHERE jsonb_typeof(d->'jti') = 'string'
              UNION SELECT d->>'hash' WHERE jsonb_typeof(d->'hash') = 'string' AND d->>'hash' LIKE 'sha256:%'
              UNION SELECT d->'target'->>'id' WHERE jsonb_typeof(d->'target') = 'object'
                AND d->'target'->>'kind' = 'token' AND jsonb_typeof(d->'target'->'id') = 'string'
            ) refs
            WHERE v IS NOT NULL AND length(v) BETWEEN 1 AND 4096
            ON CONFLICT DO NOTHING;
        END LOOP;
      END $$`,
      // Signed head checkpoints, outside the events table (see specs/audit.md).
      `CREATE TABLE baton_audit_checkpoints (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        node TEXT NOT NULL,
        seq BIGINT NOT NULL,
        hash TEXT NOT NULL,
        at BIGINT NOT NULL,
        jws TEXT NOT NULL,
        UNIQUE (node, seq)
      )`,
    ],
  },
];
