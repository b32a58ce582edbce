/**
 * The in-memory store: the reference behaviour of the contract suite, and the store of tests and
 * the demo. Several `MemoryStore`s may share one `MemoryStoreState` to act as nodes on one database.
 *
 * @example
 *   const store = new MemoryStore();
 *   const { record } = await store.addRevocation({ target: { kind: "agent", id: thumbprint } });
 */

import { GENESIS_HASH, sealAuditEvent } from "../core/audit/chain.ts";
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
import {
  checkpointInputSchema,
  pageLimit,
  parseRevocationInput,
  parseTokenInput,
  permitEntrySchema,
  revocationTargetSchema,
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

/** A stored audit row, shaped as the SQL backends store it (so tests can tamper with it alike). */
export interface MemoryAuditRow {
  id: number;
  at: number;
  type: string;
  intent: string | null;
  agent: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

/** The "database" of memory stores. Exposed so that tests can share or tamper with it. */
export interface MemoryStoreState {
  revocations: RevocationRecord[];
  revocationsByTarget: Map<string, RevocationRecord>;
  nextSeq: number;
  tokens: Map<string, TokenRecord>;
  audit: MemoryAuditRow[];
  auditHead: { lastId: number; lastHash: string };
  /** ref (jti or token hash) → ids of the events that concern it, ascending. */
  auditRefs: Map<string, number[]>;
  checkpoints: AuditCheckpointRecord[];
  replay: Map<string, number>;
  usage: Map<string, number>;
  nonces: Map<string, number>;
  agentNames: Map<string, string>;
  signal: RevocationSignal;
}

export function createMemoryStoreState(): MemoryStoreState {
  return {
    revocations: [],
    revocationsByTarget: new Map(),
    nextSeq: 1,
    tokens: new Map(),
    audit: [],
    auditHead: { lastId: 0, lastHash: GENESIS_HASH },
    auditRefs: new Map(),
    checkpoints: [],
    replay: new Map(),
    usage: new Map(),
    nonces: new Map(),
    agentNames: new Map(),
    signal: new RevocationSignal(),
  };
}

export interface MemoryStoreOptions {
  /** Share one state between several stores ("nodes"). */
  state?: MemoryStoreState;
  /** Unix ms, for record timestamps. */
  clock?: () => number;
  /** Sign checkpoints of the audit head with this node key (see `AuditCheckpointer`). */
  checkpoints?: CheckpointOptions;
}

const targetKey = (target: RevocationTarget): string => `${target.kind}\u0000${target.id}`;

export class MemoryStore implements Store {
  readonly backend = "memory";
  readonly state: MemoryStoreState;
  readonly #clock: () => number;
  readonly #checkpointer: AuditCheckpointer | null;

  constructor(options: MemoryStoreOptions = {}) {
    this.state = options.state ?? createMemoryStoreState();
    this.#clock = options.clock ?? Date.now;
    this.#checkpointer = options.checkpoints
      ? new AuditCheckpointer(this, options.checkpoints, this.#clock)
      : null;
  }

  async addRevocation(input: RevocationInput): Promise<AddRevocationResult> {
    const parsed = parseRevocationInput(input);
    const key = targetKey(parsed.target);
    const existing = this.state.revocationsByTarget.get(key);
    if (existing) return { record: structuredClone(existing), created: false };
    const record: RevocationRecord = { seq: this.state.nextSeq++, ...parsed, revokedAt: this.#clock() };
    this.state.revocations.push(record);
    this.state.revocationsByTarget.set(key, record);
    this.state.signal.emit(record);
    return { record: structuredClone(record), created: true };
  }

  async getRevocation(target: RevocationTarget): Promise<RevocationRecord | null> {
    const found = this.state.revocationsByTarget.get(targetKey(revocationTargetSchema.parse(target)));
    return found ? structuredClone(found) : null;
  }

  async listRevocations(options: { afterSeq?: number; limit?: number } = {}): Promise<RevocationRecord[]> {
    const afterSeq = options.afterSeq ?? 0;
    const limit = pageLimit(options.limit);
    const out: RevocationRecord[] = [];
    for (const record of this.state.revocations) {
      if (record.seq <= afterSeq) continue;
      out.push(structuredClone(record));
      if (out.length >= limit) break;
    }
    return out;
  }

  async pruneRevocations(options: { now: number; skew?: number }): Promise<number> {
    const cutoff = options.now - (options.skew ?? 0);
    const keep: RevocationRecord[] = [];
    let removed = 0;
    for (const record of this.state.revocations) {
      if (record.target.kind === "token" && record.tokenExp !== undefined && record.tokenExp < cutoff) {
        this.state.revocationsByTarget.delete(targetKey(record.target));
        removed += 1;
      } else {
        keep.push(record);
      }
    }
    this.state.revocations = keep;
    return removed;
  }

  openRevocationFeed(events: RevocationFeedEvents): RevocationFeed {
    return new LocalRevocationFeed(
      this.state.signal,
      (afterSeq, limit) => this.listRevocations({ afterSeq, limit }),
      events,
    );
  }

  async recordToken(input: TokenInput): Promise<RecordTokenResult> {
    const parsed = parseTokenInput(input);
    const existing = this.state.tokens.get(parsed.hash);
    if (existing) return { record: structuredClone(existing), created: false };
    const record: TokenRecord = { ...structuredClone(parsed), recordedAt: this.#clock() };
    this.state.tokens.set(record.hash, record);
    return { record: structuredClone(record), created: true };
  }

  async getToken(hash: string): Promise<TokenRecord | null> {
    const found = this.state.tokens.get(hash);
    return found ? structuredClone(found) : null;
  }

  async findTokens(query: TokenQuery): Promise<TokenRecord[]> {
    const limit = pageLimit(query.limit);
    return [...this.state.tokens.values()]
      .filter(
        (t) =>
          (query.intent === undefined || t.intent === query.intent) &&
          (query.jti === undefined || t.jti === query.jti) &&
          (query.parentHash === undefined || t.parentHash === query.parentHash) &&
          (query.agent === undefined || t.issuer === query.agent || t.holder === query.agent),
      )
      .sort((a, b) => a.recordedAt - b.recordedAt || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
      .slice(0, limit)
      .map((t) => structuredClone(t));
  }

  async appendAudit(input: AuditInput): Promise<AuditEvent> {
    const parsed = parseAuditInput(input);
    const event = sealAuditEvent({ ...parsed, at: parsed.at ?? this.#clock() }, this.state.auditHead);
    this.state.audit.push({
      id: event.id,
      at: event.at,
      type: event.type,
      intent: event.intent ?? null,
      agent: event.agent ?? null,
      data: JSON.stringify(event.data),
      prev_hash: event.prev_hash,
      hash: event.hash,
    });
    this.state.auditHead = { lastId: event.id, lastHash: event.hash };
    for (const ref of auditRefs(event.data)) {
      const ids = this.state.auditRefs.get(ref);
      if (ids) ids.push(event.id);
      else this.state.auditRefs.set(ref, [event.id]);
    }
    this.#checkpointer?.appended();
    return event;
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = pageLimit(query.limit);
    const afterId = query.afterId ?? 0;
    const out: AuditEvent[] = [];
    const rows = query.refs === undefined ? this.state.audit : this.#rowsConcerning(query.refs, afterId);
    for (const row of rows) {
      if (row.id <= afterId || !matchesAuditFilter(row, query)) continue;
      out.push(requireAuditEvent(row));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The rows the ref index names, ascending by id. */
  #rowsConcerning(refs: readonly string[], afterId: number): MemoryAuditRow[] {
    const ids = new Set<number>();
    for (const ref of refs)
      for (const id of this.state.auditRefs.get(ref) ?? []) if (id > afterId) ids.add(id);
    return [...ids]
      .sort((a, b) => a - b)
      .map((id) => this.#auditRow(id))
      .filter((row): row is MemoryAuditRow => row !== undefined);
  }

  /** The row with this id: a binary search, rows being appended in id order (a tampered array falls back to a scan). */
  #auditRow(id: number): MemoryAuditRow | undefined {
    const rows = this.state.audit;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((rows[mid] as MemoryAuditRow).id < id) lo = mid + 1;
      else hi = mid;
    }
    const hit = rows[lo];
    return hit?.id === id ? hit : rows.find((row) => row.id === id);
  }

  async auditHead(): Promise<AuditHead> {
    return { ...this.state.auditHead };
  }

  async checkAudit(options: AuditCheckOptions = {}): Promise<AuditCheckResult> {
    // A sorted snapshot of the rows, read page by page (tests tamper with the array directly).
    const rows = [...this.state.audit].sort((a, b) => a.id - b.id);
    const state = this.state;
    const slice = <T extends { id: number }>(list: T[], afterId: number, uptoId: number, limit: number) => {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((list[mid] as T).id <= afterId) lo = mid + 1;
        else hi = mid;
      }
      const out: T[] = [];
      for (let i = lo; i < list.length && out.length < limit; i++) {
        const item = list[i] as T;
        if (item.id > uptoId) break;
        out.push(item);
      }
      return out;
    };
    return runAuditCheck(
      {
        checkpointMark: async () => state.checkpoints.at(-1)?.id ?? 0,
        head: async () => ({ ...state.auditHead }),
        events: async (afterId, uptoId, limit) => slice(rows, afterId, uptoId, limit),
        checkpoints: async (afterId, uptoId, limit) => slice(state.checkpoints, afterId, uptoId, limit),
        hashes: async (ids) => {
          const wanted = new Set(ids);
          const out = new Map<number, string>();
          for (const row of rows) if (wanted.has(row.id)) out.set(row.id, row.hash);
          return out;
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
    const same = this.state.checkpoints.find((x) => x.node === c.node && x.seq === c.seq);
    if (same !== undefined) {
      if (same.jws !== c.jws) throw duplicateCheckpoint(c);
      return;
    }
    const id = (this.state.checkpoints.at(-1)?.id ?? 0) + 1;
    this.state.checkpoints.push({ id, ...c });
  }

  async listAuditCheckpoints(query: CheckpointQuery = {}): Promise<AuditCheckpointRecord[]> {
    const limit = pageLimit(query.limit);
    const afterId = query.afterId ?? 0;
    return this.state.checkpoints
      .filter((c) => c.id > afterId && (query.node === undefined || c.node === query.node))
      .slice(0, limit)
      .map((c) => ({ ...c }));
  }

  async latestAuditCheckpoint(node: string): Promise<AuditCheckpointRecord | null> {
    let best: AuditCheckpointRecord | null = null;
    for (const c of this.state.checkpoints)
      if (c.node === node && (best === null || c.seq > best.seq)) best = c;
    return checkedLatest(node, best ? { ...best } : null);
  }

  checkpointAudit(): Promise<AuditCheckpoint | null> {
    return this.#checkpointer?.checkpoint() ?? Promise.resolve(null);
  }

  exportAudit(filter: AuditFilter = {}): AsyncIterable<string> {
    return exportAuditLines((query) => this.listAudit(query), filter);
  }

  async commitPermit(entry: PermitEntry): Promise<LedgerResult> {
    const { replay, usage } = permitEntrySchema.parse(entry);
    if (replay && this.state.replay.has(replay.key)) return { ok: false, code: "replayed" };
    // Check every counter before changing any, so a denial changes nothing.
    const next = new Map<string, number>();
    let exceeded: Extract<LedgerResult, { code: "usage_exceeded" }> | null = null;
    for (const charge of usage) {
      const used = next.get(charge.key) ?? this.state.usage.get(charge.key) ?? 0;
      if (used >= charge.limit) {
        if (exceeded === null || charge.index < exceeded.index) {
          exceeded = { ok: false, code: "usage_exceeded", index: charge.index, used, limit: charge.limit };
        }
      }
      next.set(charge.key, used + 1);
    }
    if (exceeded) return exceeded;
    if (replay) this.state.replay.set(replay.key, replay.expiresAt);
    for (const [key, used] of next) this.state.usage.set(key, used);
    return { ok: true };
  }

  async pruneReplay(options: { now: number }): Promise<number> {
    let removed = 0;
    for (const map of [this.state.replay, this.state.nonces]) {
      for (const [key, expiresAt] of map) {
        if (expiresAt <= options.now) {
          map.delete(key);
          removed += 1;
        }
      }
    }
    return removed;
  }

  async putNonce(nonce: string, expiresAt: number): Promise<void> {
    this.state.nonces.set(nonce, expiresAt);
  }

  async hasNonce(nonce: string, now: number): Promise<boolean> {
    const expiresAt = this.state.nonces.get(nonce);
    return expiresAt !== undefined && expiresAt > now;
  }

  async setAgentName(agent: string, name: string | null): Promise<void> {
    if (name === null) this.state.agentNames.delete(agent);
    else this.state.agentNames.set(agent, name);
  }

  async getAgentNames(agents?: string[]): Promise<Map<string, string>> {
    if (agents === undefined) return new Map(this.state.agentNames);
    const out = new Map<string, string>();
    for (const agent of agents) {
      const name = this.state.agentNames.get(agent);
      if (name !== undefined) out.set(agent, name);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#checkpointer?.stop();
  }
}

function matchesAuditFilter(row: MemoryAuditRow, filter: AuditFilter): boolean {
  return (
    (filter.intent === undefined || row.intent === filter.intent) &&
    (filter.agent === undefined || row.agent === filter.agent) &&
    (filter.type === undefined || row.type === filter.type) &&
    (filter.from === undefined || row.at >= filter.from) &&
    (filter.to === undefined || row.at < filter.to)
  );
}
