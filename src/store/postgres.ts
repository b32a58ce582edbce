/**
 * The shared store for several service nodes: PostgreSQL through a `pg` Pool.
 *
 * Ordering guarantees rest on locks taken inside each write transaction:
 * - revocation adds take a transaction advisory lock, so seq order is commit order and a node that
 *   catches up "seq > lastSeq" can never skip a row that commits late; the add NOTIFYs its seq;
 * - audit appends lock the head row (`SELECT … FOR UPDATE`), so the hash chain never forks, and
 *   write the event, its per-token refs and the new head in one statement;
 * - the permit ledger inserts the replay key and charges the counters (in key order, so two
 *   commits cannot deadlock) in one transaction, rolled back as a whole on any denial.
 *
 * @example
 *   const store = await openPostgresStore({ url: "postgres://baton@db:5432/baton" });
 */
import pg from "pg";
import { sealAuditEvent } from "../core/audit/chain.ts";
import type { AuditCheckpoint } from "../core/audit/checkpoint.ts";
import { auditRefs, parseAuditInput } from "../core/audit/event.ts";
import type { LedgerResult, RevocationTarget } from "../core/ports.ts";
import { requireAuditEvent } from "./audit.ts";
import { runAuditCheck } from "./audit-check.ts";
import {
  AuditCheckpointer,
  type CheckpointOptions,
  type CheckpointSigner,
  checkedLatest,
  duplicateCheckpoint,
} from "./checkpoints.ts";
import { exportAuditLines } from "./export-audit.ts";
import { pendingMigrations } from "./migrate.ts";
import { POSTGRES_MIGRATIONS } from "./migrations/postgres.ts";
import {
  DEFAULT_REVOCATION_CHANNEL,
  type PostgresFeedOptions,
  PostgresRevocationFeed,
} from "./postgres-feed.ts";
import {
  agentNameRowSchema,
  checkpointFromRow,
  checkpointInputSchema,
  countRowSchema,
  headRowSchema,
  idHashRowSchema,
  pageLimit,
  parseRevocationInput,
  parseTokenInput,
  permitEntrySchema,
  presentRowSchema,
  revocationFromRow,
  revocationTargetSchema,
  tokenFromRow,
  usedRowSchema,
} from "./records.ts";
import type {
  AddRevocationResult,
  AuditCheckOptions,
  AuditCheckpointRecord,
  AuditCheckResult,
  AuditEvent,
  AuditFilter,
  AuditHead,
  AuditInput,
  AuditQuery,
  CheckpointQuery,
  PermitEntry,
  RecordTokenResult,
  RevocationFeed,
  RevocationFeedEvents,
  RevocationInput,
  RevocationRecord,
  Store,
  TokenInput,
  TokenQuery,
  TokenRecord,
} from "./types.ts";

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`. */
  url: string;
  /** Schema for Baton's tables (created if missing; set as search_path). Default: the server's search_path. */
  schema?: string;
  /** Pool size; default 10. */
  poolSize?: number;
  /** Unix ms, for record timestamps. */
  clock?: () => number;
  /** Options of the LISTEN connections opened by `openRevocationFeed`. */
  feed?: PostgresFeedOptions;
  /** Errors of idle pool connections (the pool replaces them); default: ignored. */
  onPoolError?: (error: Error) => void;
  /** Sign checkpoints of the audit head with this node key (see `AuditCheckpointer`). */
  checkpoints?: CheckpointOptions;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** NOTIFY payloads are limited to 8000 bytes: the revocation itself when it fits, else its seq. */
function notifyPayload(record: RevocationRecord): string {
  const full = JSON.stringify({
    seq: record.seq,
    target: record.target,
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
    ...(record.tokenExp !== undefined ? { tokenExp: record.tokenExp } : {}),
  });
  return Buffer.byteLength(full) <= 7900 ? full : String(record.seq);
}

/** A denial inside a transaction: thrown to roll back, caught to return the result. */
class Rollback {
  constructor(readonly result: LedgerResult) {}
}

/** Opens the pool, creates the schema if asked, and applies pending migrations. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

export class PostgresStore implements Store {
  readonly backend = "postgres";
  readonly pool: pg.Pool;
  readonly schema: string | undefined;
  readonly #clientConfig: pg.ClientConfig;
  readonly #clock: () => number;
  readonly #feedOptions: PostgresFeedOptions;
  readonly #channel: string;
  readonly #feeds = new Set<PostgresRevocationFeed>();
  readonly #checkpointer: AuditCheckpointer | null;
  #closed = false;

  /** Use `openPostgresStore`, which also migrates. */
  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !IDENTIFIER.test(options.schema)) {
      throw new RangeError(`schema must match ${IDENTIFIER}: ${options.schema}`);
    }
    this.schema = options.schema;
    this.#clock = options.clock ?? Date.now;
    this.#feedOptions = options.feed ?? {};
    this.#channel = this.#feedOptions.channel ?? DEFAULT_REVOCATION_CHANNEL;
    this.#clientConfig = {
      connectionString: options.url,
      ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
    };
    this.pool = new pg.Pool({
      ...this.#clientConfig,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5000,
      application_name: "baton-store",
    });
    this.pool.on("error", options.onPoolError ?? (() => {}));
    this.#checkpointer = options.checkpoints
      ? new AuditCheckpointer(this, options.checkpoints, this.#clock)
      : null;
  }

  async #tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Applies pending migrations in one transaction, serialized across nodes starting together. */
  async migrate(): Promise<void> {
    const schema = this.schema;
    if (schema !== undefined) {
      // Looked up first (creating needs rights a runtime role may lack); created under a lock,
      // since two concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
      const exists = await this.pool.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
      if (exists.rowCount === 0) {
        await this.#tx(async (client) => {
          await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`baton_create_schema:${schema}`]);
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        });
      }
    }
    await this.#tx(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':baton_schema'))");
      // Checked first, so a node running as a role without DDL rights starts on a migrated schema.
      const present = await client.query("SELECT to_regclass('baton_schema') IS NOT NULL AS present");
      if (!presentRowSchema.parse(present.rows[0]).present) {
        await client.query(
          "CREATE TABLE baton_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        );
      }
      const current = countRowSchema.parse(
        (await client.query("SELECT COALESCE(MAX(version), 0) AS n FROM baton_schema")).rows[0],
      ).n;
      const where = `PostgreSQL schema ${this.schema ?? "(search_path)"}`;
      for (const migration of pendingMigrations(current, POSTGRES_MIGRATIONS, where)) {
        for (const statement of migration.statements) await client.query(statement);
        await client.query("INSERT INTO baton_schema (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          this.#clock(),
        ]);
      }
    });
  }

  async schemaVersion(): Promise<number> {
    return countRowSchema.parse(
      (await this.pool.query("SELECT COALESCE(MAX(version), 0) AS n FROM baton_schema")).rows[0],
    ).n;
  }

  async addRevocation(input: RevocationInput): Promise<AddRevocationResult> {
    const p = parseRevocationInput(input);
    return this.#tx(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':baton_revocations'))");
      const inserted = await client.query(
        `INSERT INTO baton_revocations (kind, target_id, reason, actor, request_jti, token_exp, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, target_id) DO NOTHING RETURNING *`,
        [
          p.target.kind,
          p.target.id,
          p.reason ?? null,
          p.actor ?? null,
          p.requestJti ?? null,
          p.tokenExp ?? null,
          this.#clock(),
        ],
      );
      const row = inserted.rows[0];
      if (row !== undefined) {
        const record = revocationFromRow(row);
        // Delivered at COMMIT, to every node LISTENing (this one included).
        await client.query("SELECT pg_notify($1, $2)", [this.#channel, notifyPayload(record)]);
        return { record, created: true };
      }
      const existing = await client.query(
        "SELECT * FROM baton_revocations WHERE kind = $1 AND target_id = $2",
        [p.target.kind, p.target.id],
      );
      return { record: revocationFromRow(existing.rows[0]), created: false };
    });
  }

  async getRevocation(target: RevocationTarget): Promise<RevocationRecord | null> {
    const t = revocationTargetSchema.parse(target);
    const result = await this.pool.query(
      "SELECT * FROM baton_revocations WHERE kind = $1 AND target_id = $2",
      [t.kind, t.id],
    );
    const row = result.rows[0];
    return row === undefined ? null : revocationFromRow(row);
  }

  async listRevocations(options: { afterSeq?: number; limit?: number } = {}): Promise<RevocationRecord[]> {
    const result = await this.pool.query(
      "SELECT * FROM baton_revocations WHERE seq > $1 ORDER BY seq LIMIT $2",
      [options.afterSeq ?? 0, pageLimit(options.limit)],
    );
    return result.rows.map(revocationFromRow);
  }

  async pruneRevocations(options: { now: number; skew?: number }): Promise<number> {
    const result = await this.pool.query(
      "DELETE FROM baton_revocations WHERE kind = 'token' AND token_exp IS NOT NULL AND token_exp < $1",
      [options.now - (options.skew ?? 0)],
    );
    return result.rowCount ?? 0;
  }

  openRevocationFeed(events: RevocationFeedEvents): RevocationFeed {
    if (this.#closed) throw new Error("store is closed");
    const feed = new PostgresRevocationFeed(this.#clientConfig, events, this.#feedOptions);
    this.#feeds.add(feed);
    const close = feed.close.bind(feed);
    return {
      fetch: (afterSeq, limit) => feed.fetch(afterSeq, limit),
      close: async () => {
        this.#feeds.delete(feed);
        await close();
      },
    };
  }

  async recordToken(input: TokenInput): Promise<RecordTokenResult> {
    const t = parseTokenInput(input);
    const inserted = await this.pool.query(
      `INSERT INTO baton_tokens (hash, jti, parent_hash, issuer, holder, intent, depth, iat, exp, token, payload, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (hash) DO NOTHING RETURNING *`,
      [
        t.hash,
        t.jti,
        t.parentHash ?? null,
        t.issuer,
        t.holder,
        t.intent ?? null,
        t.depth,
        t.iat,
        t.exp,
        t.token,
        JSON.stringify(t.payload),
        this.#clock(),
      ],
    );
    const row = inserted.rows[0];
    if (row !== undefined) return { record: tokenFromRow(row), created: true };
    const existing = await this.getToken(t.hash);
    if (existing === null) throw new Error(`token ${t.hash} conflicted but cannot be read back`);
    return { record: existing, created: false };
  }

  async getToken(hash: string): Promise<TokenRecord | null> {
    const result = await this.pool.query("SELECT * FROM baton_tokens WHERE hash = $1", [hash]);
    const row = result.rows[0];
    return row === undefined ? null : tokenFromRow(row);
  }

  async findTokens(query: TokenQuery): Promise<TokenRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.intent !== undefined) {
      params.push(query.intent);
      where.push(`intent = $${params.length}`);
    }
    if (query.jti !== undefined) {
      params.push(query.jti);
      where.push(`jti = $${params.length}`);
    }
    if (query.parentHash !== undefined) {
      params.push(query.parentHash);
      where.push(`parent_hash = $${params.length}`);
    }
    if (query.agent !== undefined) {
      params.push(query.agent);
      where.push(`(issuer = $${params.length} OR holder = $${params.length})`);
    }
    params.push(pageLimit(query.limit));
    const result = await this.pool.query(
      `SELECT * FROM baton_tokens ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY recorded_at, hash LIMIT $${params.length}`,
      params,
    );
    return result.rows.map(tokenFromRow);
  }

  async appendAudit(input: AuditInput): Promise<AuditEvent> {
    const parsed = parseAuditInput(input);
    const appended = await this.#tx(async (client) => {
      const head = headRowSchema.parse(
        (await client.query("SELECT last_id, last_hash FROM baton_audit_head WHERE one = 1 FOR UPDATE"))
          .rows[0],
      );
      const event = sealAuditEvent(
        { ...parsed, at: parsed.at ?? this.#clock() },
        { lastId: head.last_id, lastHash: head.last_hash },
      );
      // The event, its per-token refs and the head move in one statement: one round trip while
      // the head row is locked.
      await client.query(
        `WITH e AS (
           INSERT INTO baton_audit (id, at, type, intent, agent, data, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id
         ), r AS (
           INSERT INTO baton_audit_refs (ref, event_id) SELECT unnest($9::text[]), e.id FROM e
           ON CONFLICT DO NOTHING
         )
         UPDATE baton_audit_head SET last_id = $1, last_hash = $8 WHERE one = 1`,
        [
          event.id,
          event.at,
          event.type,
          event.intent ?? null,
          event.agent ?? null,
          JSON.stringify(event.data),
          event.prev_hash,
          event.hash,
          auditRefs(event.data),
        ],
      );
      return event;
    });
    this.#checkpointer?.appended();
    return appended;
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const params: unknown[] = [query.afterId ?? 0];
    const where = ["id > $1"];
    for (const [column, value, op] of [
      ["intent", query.intent, "="],
      ["agent", query.agent, "="],
      ["type", query.type, "="],
      ["at", query.from, ">="],
      ["at", query.to, "<"],
    ] as const) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    }
    if (query.refs !== undefined) {
      params.push([...query.refs]);
      where.push(`id IN (SELECT event_id FROM baton_audit_refs WHERE ref = ANY($${params.length}::text[]))`);
    }
    params.push(pageLimit(query.limit));
    const result = await this.pool.query(
      `SELECT * FROM baton_audit WHERE ${where.join(" AND ")} ORDER BY id LIMIT $${params.length}`,
      params,
    );
    return result.rows.map(requireAuditEvent);
  }

  async auditHead(): Promise<AuditHead> {
    const head = headRowSchema.parse(
      (await this.pool.query("SELECT last_id, last_hash FROM baton_audit_head WHERE one = 1")).rows[0],
    );
    return { lastId: head.last_id, lastHash: head.last_hash };
  }

  /** Pages of short autocommit reads (no transaction held across the walk). */
  async checkAudit(options: AuditCheckOptions = {}): Promise<AuditCheckResult> {
    return runAuditCheck(
      {
        checkpointMark: async () =>
          countRowSchema.parse(
            (await this.pool.query("SELECT COALESCE(MAX(id), 0) AS n FROM baton_audit_checkpoints")).rows[0],
          ).n,
        head: () => this.auditHead(),
        events: async (afterId, uptoId, limit) =>
          (
            await this.pool.query(
              "SELECT * FROM baton_audit WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
              [afterId, uptoId, limit],
            )
          ).rows,
        checkpoints: async (afterId, uptoId, limit) =>
          (
            await this.pool.query(
              "SELECT * FROM baton_audit_checkpoints WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
              [afterId, uptoId, limit],
            )
          ).rows.map(checkpointFromRow),
        hashes: async (ids) => {
          const result = await this.pool.query(
            "SELECT id, hash FROM baton_audit WHERE id = ANY($1::bigint[])",
            [[...ids]],
          );
          return new Map(result.rows.map((row) => idHashRowSchema.parse(row)).map((r) => [r.id, r.hash]));
        },
      },
      options,
    );
  }

  /** Who signs this store's checkpoints (null when it signs none). */
  get checkpointSigner(): CheckpointSigner | null {
    return this.#checkpointer?.signer ?? null;
  }

  async addAuditCheckpoint(checkpoint: AuditCheckpoint): Promise<void> {
    const c = checkpointInputSchema.parse(checkpoint);
    const r = await this.pool.query(
      "INSERT INTO baton_audit_checkpoints (node, seq, hash, at, jws) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (node, seq) DO NOTHING",
      [c.node, c.seq, c.hash, c.at, c.jws],
    );
    if (r.rowCount === 0) {
      const existing = await this.pool.query(
        "SELECT jws FROM baton_audit_checkpoints WHERE node = $1 AND seq = $2",
        [c.node, c.seq],
      );
      if (existing.rows[0]?.jws !== c.jws) throw duplicateCheckpoint(c);
    }
  }

  async listAuditCheckpoints(query: CheckpointQuery = {}): Promise<AuditCheckpointRecord[]> {
    const result = await this.pool.query(
      "SELECT * FROM baton_audit_checkpoints WHERE id > $1 AND ($2::text IS NULL OR node = $2) ORDER BY id LIMIT $3",
      [query.afterId ?? 0, query.node ?? null, pageLimit(query.limit)],
    );
    return result.rows.map(checkpointFromRow);
  }

  async latestAuditCheckpoint(node: string): Promise<AuditCheckpointRecord | null> {
    const result = await this.pool.query(
      "SELECT * FROM baton_audit_checkpoints WHERE node = $1 ORDER BY seq DESC LIMIT 1",
      [node],
    );
    const row = result.rows[0];
    return checkedLatest(node, row === undefined ? null : checkpointFromRow(row));
  }

  checkpointAudit(): Promise<AuditCheckpoint | null> {
    return this.#checkpointer?.checkpoint() ?? Promise.resolve(null);
  }

  exportAudit(filter: AuditFilter = {}): AsyncIterable<string> {
    return exportAuditLines((query) => this.listAudit(query), filter);
  }

  async commitPermit(entry: PermitEntry): Promise<LedgerResult> {
    const { replay, usage } = permitEntrySchema.parse(entry);
    // Key order: two commits charging the same counters lock them in the same order.
    const charges = [...usage].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
    try {
      return await this.#tx(async (client): Promise<LedgerResult> => {
        if (replay) {
          // A concurrent insert of the same key waits for the other transaction, then conflicts.
          const inserted = await client.query(
            "INSERT INTO baton_replay (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            [replay.key, replay.expiresAt],
          );
          if (inserted.rowCount === 0) throw new Rollback({ ok: false, code: "replayed" });
        }
        let exceeded: Extract<LedgerResult, { code: "usage_exceeded" }> | null = null;
        for (const c of charges) {
          if (c.limit >= 1) {
            const charged = await client.query(
              `INSERT INTO baton_usage (key, used) VALUES ($1, 1)
               ON CONFLICT (key) DO UPDATE SET used = baton_usage.used + 1 WHERE baton_usage.used < $2
               RETURNING used`,
              [c.key, c.limit],
            );
            if (charged.rowCount === 1) continue;
          }
          const current = (await client.query("SELECT used FROM baton_usage WHERE key = $1", [c.key]))
            .rows[0];
          const used = current === undefined ? 0 : usedRowSchema.parse(current).used;
          if (exceeded === null || c.index < exceeded.index) {
            exceeded = { ok: false, code: "usage_exceeded", index: c.index, used, limit: c.limit };
          }
        }
        if (exceeded) throw new Rollback(exceeded);
        return { ok: true };
      });
    } catch (error) {
      if (error instanceof Rollback) return error.result;
      throw error;
    }
  }

  async pruneReplay(options: { now: number }): Promise<number> {
    return this.#tx(async (client) => {
      const replay = await client.query("DELETE FROM baton_replay WHERE expires_at <= $1", [options.now]);
      const nonces = await client.query("DELETE FROM baton_nonces WHERE expires_at <= $1", [options.now]);
      return (replay.rowCount ?? 0) + (nonces.rowCount ?? 0);
    });
  }

  async putNonce(nonce: string, expiresAt: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO baton_nonces (nonce, expires_at) VALUES ($1, $2)
       ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at`,
      [nonce, expiresAt],
    );
  }

  async hasNonce(nonce: string, now: number): Promise<boolean> {
    const result = await this.pool.query("SELECT 1 FROM baton_nonces WHERE nonce = $1 AND expires_at > $2", [
      nonce,
      now,
    ]);
    return (result.rowCount ?? 0) > 0;
  }

  async setAgentName(agent: string, name: string | null): Promise<void> {
    if (name === null) {
      await this.pool.query("DELETE FROM baton_agent_names WHERE agent = $1", [agent]);
      return;
    }
    await this.pool.query(
      `INSERT INTO baton_agent_names (agent, name, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (agent) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
      [agent, name, this.#clock()],
    );
  }

  async getAgentNames(agents?: string[]): Promise<Map<string, string>> {
    const result =
      agents === undefined
        ? await this.pool.query("SELECT agent, name FROM baton_agent_names")
        : await this.pool.query("SELECT agent, name FROM baton_agent_names WHERE agent = ANY($1::text[])", [
            agents,
          ]);
    return new Map(result.rows.map((row) => agentNameRowSchema.parse(row)).map((r) => [r.agent, r.name]));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // The shutdown checkpoint covers everything this node appended.
    await this.#checkpointer?.stop();
    await Promise.all([...this.#feeds].map((feed) => feed.close()));
    this.#feeds.clear();
    await this.pool.end();
  }
}
