/**
 * The embedded store: better-sqlite3 in WAL mode. Every commit survives a process crash (the WAL
 * is written before a call returns); revocations are also fsynced (synchronous=FULL for their
 * transaction), so an acknowledged revocation survives a power loss too. Decisions, audit events
 * and ledger entries use synchronous=NORMAL: on a power loss (not a process crash) the last few
 * may roll back together, leaving the audit hash chain intact, and a revocation never. Writes use BEGIN IMMEDIATE, so several processes (or
 * several `SqliteStore`s) on one file serialize: the audit chain never forks and seq is commit order.
 *
 * @example
 *   const store = openSqliteStore({ path: "./data/baton.db" }); // or ":memory:" in tests
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
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
import { LocalRevocationFeed, RevocationSignal } from "./local-feed.ts";
import { pendingMigrations } from "./migrate.ts";
import { SQLITE_MIGRATIONS } from "./migrations/sqlite.ts";
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

export const DEFAULT_SQLITE_PATH = "./data/baton.db";

export interface SqliteStoreOptions {
  /** File path; default `./data/baton.db` (its directory is created). `:memory:` for tests. */
  path?: string;
  /** Unix ms, for record timestamps. */
  clock?: () => number;
  /** How long a writer waits for another process's write lock; default 5000 ms. */
  busyTimeoutMs?: number;
  /** Sign checkpoints of the audit head with this node key (see `AuditCheckpointer`). */
  checkpoints?: CheckpointOptions;
}

/**
 * Every better-sqlite3 object this module creates stays reachable until the process (or worker)
 * exits. better-sqlite3 12 wraps its native objects in `node::ObjectWrap`; from Node 24.19 on
 * (headers an addon is built against) `~ObjectWrap` calls `RemoveEnvironmentCleanupHook`, which
 * aborts the process (`Assertion failed: (env) != nullptr`) when a garbage collection that runs with
 * no JavaScript context entered (a GC task between event-loop turns, or the final one at teardown)
 * frees an unreachable `Statement` or `Database`. Kept reachable, they are only ever freed by
 * Node's environment cleanup hooks, which run with the context entered. So nothing here prepares
 * throwaway statements (`db.pragma()` and one-off `db.prepare()` each made one): every statement
 * is prepared once per SQL text and cached; the cost is the closed handles of closed stores.
 * better-sqlite3 13 (Node-API) does not have the problem but does not run on Node 20.
 */
const retained: object[] = [];

/** Stores on the same file in this process share one change signal, so their feeds hear each other. */
const signals = new Map<string, { signal: RevocationSignal; users: number }>();

/** A denial inside a transaction: thrown to roll back, caught to return the result. */
class Rollback {
  constructor(readonly result: LedgerResult) {}
}

export function openSqliteStore(options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(options);
}

export class SqliteStore implements Store {
  readonly backend = "sqlite";
  readonly path: string;
  readonly db: Database.Database;
  readonly #clock: () => number;
  readonly #signalKey: string;
  readonly #signal: RevocationSignal;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #checkpointer: AuditCheckpointer | null;
  #closing: Promise<void> | null = null;

  constructor(options: SqliteStoreOptions = {}) {
    const path = options.path ?? DEFAULT_SQLITE_PATH;
    this.#clock = options.clock ?? Date.now;
    const inMemory = path === ":memory:";
    if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
    this.path = inMemory ? path : resolve(path);
    this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    retained.push(this.db);
    try {
      if (!inMemory) this.#stmt("PRAGMA journal_mode = WAL").get();
      // NORMAL in WAL mode: durable across a process crash; addRevocation raises it to FULL.
      this.#stmt("PRAGMA synchronous = NORMAL").run();
      this.#stmt("PRAGMA foreign_keys = ON").run();
      this.#migrate();
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.#signalKey = inMemory ? `:memory:${Math.random()}` : this.path;
    const shared = signals.get(this.#signalKey) ?? { signal: new RevocationSignal(), users: 0 };
    shared.users += 1;
    signals.set(this.#signalKey, shared);
    this.#signal = shared.signal;
    this.#checkpointer = options.checkpoints
      ? new AuditCheckpointer(this, options.checkpoints, this.#clock)
      : null;
  }

  /**
   * Prepared once per SQL text (the texts are fixed, so the cache stays small) and retained until
   * exit (see `retained`).
   */
  #stmt(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
      retained.push(statement);
    }
    return statement;
  }

  #migrate(): void {
    const apply = this.db.transaction(() => {
      this.db.exec(
        "CREATE TABLE IF NOT EXISTS baton_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      );
      const row = this.#stmt("SELECT COALESCE(MAX(version), 0) AS n FROM baton_schema").get();
      const current = countRowSchema.parse(row).n;
      for (const migration of pendingMigrations(current, SQLITE_MIGRATIONS, `SQLite database ${this.path}`)) {
        for (const statement of migration.statements) this.db.exec(statement);
        this.#stmt("INSERT INTO baton_schema (version, name, applied_at) VALUES (?, ?, ?)").run(
          migration.version,
          migration.name,
          this.#clock(),
        );
      }
    });
    apply.immediate();
  }

  /** The schema version recorded in the database. */
  schemaVersion(): number {
    return countRowSchema.parse(this.#stmt("SELECT COALESCE(MAX(version), 0) AS n FROM baton_schema").get())
      .n;
  }

  async addRevocation(input: RevocationInput): Promise<AddRevocationResult> {
    const p = parseRevocationInput(input);
    const add = this.db.transaction((): AddRevocationResult => {
      const inserted = this.#stmt(
        `INSERT INTO baton_revocations (kind, target_id, reason, actor, request_jti, token_exp, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, target_id) DO NOTHING RETURNING *`,
      ).get(
        p.target.kind,
        p.target.id,
        p.reason ?? null,
        p.actor ?? null,
        p.requestJti ?? null,
        p.tokenExp ?? null,
        this.#clock(),
      );
      if (inserted !== undefined) return { record: revocationFromRow(inserted), created: true };
      const existing = this.#stmt("SELECT * FROM baton_revocations WHERE kind = ? AND target_id = ?").get(
        p.target.kind,
        p.target.id,
      );
      return { record: revocationFromRow(existing), created: false };
    });
    // FULL for this commit: an acknowledged revocation is on disk before it returns, whatever
    // happens next (fsyncing the WAL also flushes every earlier commit in it).
    this.#stmt("PRAGMA synchronous = FULL").run();
    let result: AddRevocationResult;
    try {
      result = add.immediate();
    } finally {
      this.#stmt("PRAGMA synchronous = NORMAL").run();
    }
    if (result.created) this.#signal.emit(result.record);
    return result;
  }

  async getRevocation(target: RevocationTarget): Promise<RevocationRecord | null> {
    const t = revocationTargetSchema.parse(target);
    const row = this.#stmt("SELECT * FROM baton_revocations WHERE kind = ? AND target_id = ?").get(
      t.kind,
      t.id,
    );
    return row === undefined ? null : revocationFromRow(row);
  }

  async listRevocations(options: { afterSeq?: number; limit?: number } = {}): Promise<RevocationRecord[]> {
    return this.#listRevocations(options.afterSeq ?? 0, pageLimit(options.limit));
  }

  #listRevocations(afterSeq: number, limit: number): RevocationRecord[] {
    return this.#stmt("SELECT * FROM baton_revocations WHERE seq > ? ORDER BY seq LIMIT ?")
      .all(afterSeq, limit)
      .map(revocationFromRow);
  }

  async pruneRevocations(options: { now: number; skew?: number }): Promise<number> {
    const cutoff = options.now - (options.skew ?? 0);
    return this.#stmt(
      "DELETE FROM baton_revocations WHERE kind = 'token' AND token_exp IS NOT NULL AND token_exp < ?",
    ).run(cutoff).changes;
  }

  openRevocationFeed(events: RevocationFeedEvents): RevocationFeed {
    return new LocalRevocationFeed(
      this.#signal,
      async (afterSeq, limit) => this.#listRevocations(afterSeq, limit),
      events,
    );
  }

  async recordToken(input: TokenInput): Promise<RecordTokenResult> {
    const t = parseTokenInput(input);
    const record = this.db.transaction((): RecordTokenResult => {
      const inserted = this.#stmt(
        `INSERT INTO baton_tokens (hash, jti, parent_hash, issuer, holder, intent, depth, iat, exp, token, payload, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING *`,
      ).get(
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
      );
      if (inserted !== undefined) return { record: tokenFromRow(inserted), created: true };
      const existing = this.#stmt("SELECT * FROM baton_tokens WHERE hash = ?").get(t.hash);
      return { record: tokenFromRow(existing), created: false };
    });
    return record.immediate();
  }

  async getToken(hash: string): Promise<TokenRecord | null> {
    const row = this.#stmt("SELECT * FROM baton_tokens WHERE hash = ?").get(hash);
    return row === undefined ? null : tokenFromRow(row);
  }

  async findTokens(query: TokenQuery): Promise<TokenRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.intent !== undefined) {
      where.push("intent = ?");
      params.push(query.intent);
    }
    if (query.jti !== undefined) {
      where.push("jti = ?");
      params.push(query.jti);
    }
    if (query.parentHash !== undefined) {
      where.push("parent_hash = ?");
      params.push(query.parentHash);
    }
    if (query.agent !== undefined) {
      where.push("(issuer = ? OR holder = ?)");
      params.push(query.agent, query.agent);
    }
    const sql = `SELECT * FROM baton_tokens ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                 ORDER BY recorded_at, hash LIMIT ?`;
    return this.#stmt(sql)
      .all(...params, pageLimit(query.limit))
      .map(tokenFromRow);
  }

  /**
   * Appends are group-committed: calls that arrive while one is pending are written in a single
   * IMMEDIATE transaction on the next turn of the event loop, each chained to the one before it,
   * and every caller gets its own event back once that transaction has committed (or the error if
   * it failed). Under concurrent load this amortises the commit over many decisions; a lone call
   * waits one event-loop turn.
   */
  appendAudit(input: AuditInput): Promise<AuditEvent> {
    let parsed: ReturnType<typeof parseAuditInput>;
    try {
      parsed = parseAuditInput(input);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AuditEvent>((resolve, reject) => {
      this.#auditQueue.push({ input: { ...parsed, at: parsed.at ?? this.#clock() }, resolve, reject });
      if (this.#auditQueue.length === 1) setImmediate(() => this.#flushAudit());
    });
  }

  #auditQueue: {
    input: ReturnType<typeof parseAuditInput> & { at: number };
    resolve: (e: AuditEvent) => void;
    reject: (e: unknown) => void;
  }[] = [];

  #flushAudit(): void {
    const batch = this.#auditQueue;
    this.#auditQueue = [];
    if (batch.length === 0) return;
    const append = this.db.transaction((): AuditEvent[] => {
      const head = headRowSchema.parse(
        this.#stmt("SELECT last_id, last_hash FROM baton_audit_head WHERE one = 1").get(),
      );
      let lastId = head.last_id;
      let lastHash = head.last_hash;
      const insert = this.#stmt(
        "INSERT INTO baton_audit (id, at, type, intent, agent, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      );
      const addRef = this.#stmt(
        "INSERT INTO baton_audit_refs (ref, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
      );
      const events: AuditEvent[] = [];
      for (const item of batch) {
        const event = sealAuditEvent(item.input, { lastId, lastHash });
        insert.run(
          event.id,
          event.at,
          event.type,
          event.intent ?? null,
          event.agent ?? null,
          JSON.stringify(event.data),
          event.prev_hash,
          event.hash,
        );
        for (const ref of auditRefs(event.data)) addRef.run(ref, event.id);
        lastId = event.id;
        lastHash = event.hash;
        events.push(event);
      }
      this.#stmt("UPDATE baton_audit_head SET last_id = ?, last_hash = ? WHERE one = 1").run(
        lastId,
        lastHash,
      );
      return events;
    });
    let events: AuditEvent[];
    try {
      events = append.immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const [i, item] of batch.entries()) item.resolve(events[i] as AuditEvent);
    this.#checkpointer?.appended(events.length);
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const where = ["id > ?"];
    const params: unknown[] = [query.afterId ?? 0];
    for (const [column, value, op] of [
      ["intent", query.intent, "="],
      ["agent", query.agent, "="],
      ["type", query.type, "="],
      ["at", query.from, ">="],
      ["at", query.to, "<"],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} ${op} ?`);
      params.push(value);
    }
    if (query.refs !== undefined) {
      // One statement text whatever the number of refs: they travel as a JSON array.
      where.push(
        "id IN (SELECT event_id FROM baton_audit_refs WHERE ref IN (SELECT value FROM json_each(?)))",
      );
      params.push(JSON.stringify(query.refs));
    }
    return this.#stmt(`SELECT * FROM baton_audit WHERE ${where.join(" AND ")} ORDER BY id LIMIT ?`)
      .all(...params, pageLimit(query.limit))
      .map(requireAuditEvent);
  }

  async auditHead(): Promise<AuditHead> {
    const head = headRowSchema.parse(
      this.#stmt("SELECT last_id, last_hash FROM baton_audit_head WHERE one = 1").get(),
    );
    return { lastId: head.last_id, lastHash: head.last_hash };
  }

  /**
   * Pages of `CHECK_PAGE_SIZE` rows, each its own short read; the walk yields to the event loop
   * between them, so verification keeps being served while a check of any size runs.
   */
  async checkAudit(options: AuditCheckOptions = {}): Promise<AuditCheckResult> {
    return runAuditCheck(
      {
        checkpointMark: async () =>
          countRowSchema.parse(
            this.#stmt("SELECT COALESCE(MAX(id), 0) AS n FROM baton_audit_checkpoints").get(),
          ).n,
        head: () => this.auditHead(),
        events: async (afterId, uptoId, limit) =>
          this.#stmt("SELECT * FROM baton_audit WHERE id > ? AND id <= ? ORDER BY id LIMIT ?").all(
            afterId,
            uptoId,
            limit,
          ),
        checkpoints: async (afterId, uptoId, limit) =>
          this.#stmt("SELECT * FROM baton_audit_checkpoints WHERE id > ? AND id <= ? ORDER BY id LIMIT ?")
            .all(afterId, uptoId, limit)
            .map(checkpointFromRow),
        hashes: async (ids) => {
          const rows = this.#stmt(
            "SELECT id, hash FROM baton_audit WHERE id IN (SELECT value FROM json_each(?))",
          ).all(JSON.stringify(ids));
          return new Map(rows.map((row) => idHashRowSchema.parse(row)).map((r) => [r.id, r.hash]));
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
    const r = this.#stmt(
      "INSERT INTO baton_audit_checkpoints (node, seq, hash, at, jws) VALUES (?, ?, ?, ?, ?) ON CONFLICT (node, seq) DO NOTHING",
    ).run(c.node, c.seq, c.hash, c.at, c.jws);
    if (r.changes === 0) {
      const row = this.#stmt("SELECT jws FROM baton_audit_checkpoints WHERE node = ? AND seq = ?").get(
        c.node,
        c.seq,
      ) as { jws?: unknown } | undefined;
      if (row?.jws !== c.jws) throw duplicateCheckpoint(c);
    }
  }

  async listAuditCheckpoints(query: CheckpointQuery = {}): Promise<AuditCheckpointRecord[]> {
    const limit = pageLimit(query.limit);
    const rows =
      query.node === undefined
        ? this.#stmt("SELECT * FROM baton_audit_checkpoints WHERE id > ? ORDER BY id LIMIT ?").all(
            query.afterId ?? 0,
            limit,
          )
        : this.#stmt(
            "SELECT * FROM baton_audit_checkpoints WHERE id > ? AND node = ? ORDER BY id LIMIT ?",
          ).all(query.afterId ?? 0, query.node, limit);
    return rows.map(checkpointFromRow);
  }

  async latestAuditCheckpoint(node: string): Promise<AuditCheckpointRecord | null> {
    const row = this.#stmt(
      "SELECT * FROM baton_audit_checkpoints WHERE node = ? ORDER BY seq DESC LIMIT 1",
    ).get(node);
    return checkedLatest(node, row === undefined ? null : checkpointFromRow(row));
  }

  checkpointAudit(): Promise<AuditCheckpoint | null> {
    return this.#checkpointer?.checkpoint() ?? Promise.resolve(null);
  }

  exportAudit(filter: AuditFilter = {}): AsyncIterable<string> {
    return exportAuditLines((query) => this.listAudit(query), filter);
  }

  /**
   * Group-committed like `appendAudit`: entries queued in one event-loop turn are written in one
   * IMMEDIATE transaction, each in its own savepoint, so each entry is still all-or-nothing and
   * gets its own result (a replayed or exhausted entry changes nothing), and every result is
   * returned only after the transaction has committed.
   */
  commitPermit(entry: PermitEntry): Promise<LedgerResult> {
    let parsed: ReturnType<typeof permitEntrySchema.parse>;
    try {
      parsed = permitEntrySchema.parse(entry);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<LedgerResult>((resolve, reject) => {
      this.#permitQueue.push({ entry: parsed, resolve, reject });
      if (this.#permitQueue.length === 1) setImmediate(() => this.#flushPermits());
    });
  }

  #permitQueue: {
    entry: ReturnType<typeof permitEntrySchema.parse>;
    resolve: (r: LedgerResult) => void;
    reject: (e: unknown) => void;
  }[] = [];

  /** One entry, atomically: runs as a savepoint inside the batch's transaction. */
  #commitOne = (entry: ReturnType<typeof permitEntrySchema.parse>): LedgerResult => {
    const { replay, usage } = entry;
    if (replay) {
      const inserted = this.#stmt(
        "INSERT INTO baton_replay (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
      ).run(replay.key, replay.expiresAt);
      if (inserted.changes === 0) throw new Rollback({ ok: false, code: "replayed" });
    }
    let exceeded: Extract<LedgerResult, { code: "usage_exceeded" }> | null = null;
    const charge = this.#stmt(
      `INSERT INTO baton_usage (key, used) VALUES (?, 1)
       ON CONFLICT (key) DO UPDATE SET used = used + 1 WHERE used < ? RETURNING used`,
    );
    for (const c of usage) {
      const row = c.limit >= 1 ? charge.get(c.key, c.limit) : undefined;
      if (row !== undefined) continue;
      const current = this.#stmt("SELECT used FROM baton_usage WHERE key = ?").get(c.key);
      const used = current === undefined ? 0 : usedRowSchema.parse(current).used;
      if (exceeded === null || c.index < exceeded.index) {
        exceeded = { ok: false, code: "usage_exceeded", index: c.index, used, limit: c.limit };
      }
    }
    if (exceeded) throw new Rollback(exceeded);
    return { ok: true };
  };

  #flushPermits(): void {
    const batch = this.#permitQueue;
    this.#permitQueue = [];
    if (batch.length === 0) return;
    const one = this.db.transaction(this.#commitOne);
    const all = this.db.transaction((): LedgerResult[] =>
      batch.map((item) => {
        try {
          return one(item.entry);
        } catch (error) {
          if (error instanceof Rollback) return error.result;
          throw error;
        }
      }),
    );
    let results: LedgerResult[];
    try {
      results = all.immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const [i, item] of batch.entries()) item.resolve(results[i] as LedgerResult);
  }

  async pruneReplay(options: { now: number }): Promise<number> {
    const prune = this.db.transaction(
      () =>
        this.#stmt("DELETE FROM baton_replay WHERE expires_at <= ?").run(options.now).changes +
        this.#stmt("DELETE FROM baton_nonces WHERE expires_at <= ?").run(options.now).changes,
    );
    return prune.immediate();
  }

  async putNonce(nonce: string, expiresAt: number): Promise<void> {
    this.#stmt(
      "INSERT INTO baton_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at",
    ).run(nonce, expiresAt);
  }

  async hasNonce(nonce: string, now: number): Promise<boolean> {
    return (
      this.#stmt("SELECT 1 FROM baton_nonces WHERE nonce = ? AND expires_at > ?").get(nonce, now) !==
      undefined
    );
  }

  async setAgentName(agent: string, name: string | null): Promise<void> {
    if (name === null) {
      this.#stmt("DELETE FROM baton_agent_names WHERE agent = ?").run(agent);
      return;
    }
    this.#stmt(
      `INSERT INTO baton_agent_names (agent, name, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (agent) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at`,
    ).run(agent, name, this.#clock());
  }

  async getAgentNames(agents?: string[]): Promise<Map<string, string>> {
    const rows =
      agents === undefined
        ? this.#stmt("SELECT agent, name FROM baton_agent_names").all()
        : agents.length === 0
          ? []
          : // One statement text whatever the number of agents: they travel as a JSON array.
            this.#stmt(
              "SELECT agent, name FROM baton_agent_names WHERE agent IN (SELECT value FROM json_each(?))",
            ).all(JSON.stringify(agents));
    return new Map(rows.map((row) => agentNameRowSchema.parse(row)).map((r) => [r.agent, r.name]));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Appends and permits still queued are written before the database closes.
    this.#flushPermits();
    this.#flushAudit();
    // The shutdown checkpoint covers everything this node appended.
    await this.#checkpointer?.stop();
    this.#flushAudit();
    const shared = signals.get(this.#signalKey);
    if (shared && --shared.users === 0) signals.delete(this.#signalKey);
    this.db.close();
  }
}
