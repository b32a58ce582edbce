/**
 * The in-memory store: the reference behaviour of the contract suite, and the store of tests and
 * the demo. Several `MemoryStore`s may share one `MemoryStoreState` to act as nodes on one database.
 *
 * @example
 *   const store = new MemoryStore();
 *   const { record } = await store.addRevocation({ target: { kind: "agent", id: thumbprint } });
 */
import type { LedgerResult, RevocationTarget } from "../core/ports.ts";
import {
  AuditChainChecker,
  GENESIS_HASH,
  parseAuditInput,
  requireAuditEvent,
  sealAuditEvent,
} from "./audit.ts";
import { exportAuditLines } from "./export-audit.ts";
import { LocalRevocationFeed, RevocationSignal } from "./local-feed.ts";
import {
  pageLimit,
  parseRevocationInput,
  parseTokenInput,
  permitEntrySchema,
  revocationTargetSchema,
} from "./records.ts";
import type {
  AddRevocationResult,
  AuditCheckResult,
  AuditEvent,
  AuditFilter,
  AuditInput,
  AuditQuery,
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
}

const targetKey = (target: RevocationTarget): string => `${target.kind}\u0000${target.id}`;

export class MemoryStore implements Store {
  readonly backend = "memory";
  readonly state: MemoryStoreState;
  readonly #clock: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    this.state = options.state ?? createMemoryStoreState();
    this.#clock = options.clock ?? Date.now;
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
    return event;
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = pageLimit(query.limit);
    const afterId = query.afterId ?? 0;
    const out: AuditEvent[] = [];
    for (const row of this.state.audit) {
      if (row.id <= afterId || !matchesAuditFilter(row, query)) continue;
      out.push(requireAuditEvent(row));
      if (out.length >= limit) break;
    }
    return out;
  }

  async checkAudit(): Promise<AuditCheckResult> {
    const checker = new AuditChainChecker();
    for (const row of [...this.state.audit].sort((a, b) => a.id - b.id)) {
      const broken = checker.push(row);
      if (broken) return broken;
    }
    return checker.finish(this.state.auditHead);
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

  async close(): Promise<void> {}
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
