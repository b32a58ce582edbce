/**
 * One node's in-memory revocation set: the `RevocationCheck` the verifier asks on every call.
 *
 * Lookups are O(1) Map hits (token ids and hashes, agent ids, intent ids). The set is fed by the
 * store's revocation feed: a full load at start, then catch-up by seq on every change signal,
 * every (re)connect and every heartbeat. `lastSyncAt` is the time a catch-up that reached the end
 * of the table was started, so `freshness()` turns stale once the feed has been lost for longer
 * than `maxStalenessMs`, and the verifier fails closed with `revocation_state_stale`.
 *
 * @example
 *   const revocations = await RevocationState.open(store);        // PostgreSQL: LISTEN baton_revocations
 *   const hit = revocations.check({ tokens, intent });             // { index, target, reason } or null
 *   if (revocations.freshness().stale) deny("revocation_state_stale");
 */
import type { RevocationCheck, RevocationHit, RevocationQuery, RevocationTarget } from "../core/ports.ts";
import type { RevocationFeed, RevocationRecord, Store } from "./types.ts";

export interface RevocationStateOptions {
  /** Older than this, `freshness()` says stale. Default 5000 ms. */
  maxStalenessMs?: number;
  /** Catch-up interval, which is also the heartbeat of the feed. Default 1000 ms. */
  heartbeatMs?: number;
  /** `open` rejects if the first full load has not succeeded by then. Default 10 000 ms. */
  startTimeoutMs?: number;
  /** Rows per catch-up query. Default 10 000. */
  pageSize?: number;
  /** Unix ms. */
  clock?: () => number;
}

/** What the set keeps per revoked id: enough to name the hit and to prune it later. */
interface Entry {
  reason: string | undefined;
  tokenExp: number | undefined;
}

export interface RevocationStateStatus {
  connected: boolean;
  lastSeq: number;
  /** Unix ms of the start of the last complete catch-up; -Infinity before the first. */
  lastSyncAt: number;
  size: number;
  disconnects: number;
  lastError: string | undefined;
}

export class RevocationState implements RevocationCheck {
  readonly #tokens = new Map<string, Entry>();
  readonly #agents = new Map<string, Entry>();
  readonly #intents = new Map<string, Entry>();
  readonly #maxStalenessMs: number;
  readonly #heartbeatMs: number;
  readonly #pageSize: number;
  readonly #clock: () => number;
  #feed: RevocationFeed | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #lastSeq = 0;
  #lastSyncAt = Number.NEGATIVE_INFINITY;
  #connected = false;
  #disconnects = 0;
  #lastError: string | undefined;
  #syncing: Promise<boolean> | null = null;
  #syncAgain = false;
  #closed = false;
  /** True until `open` attaches a feed: a detached set is its own source of truth, never stale. */
  #detached = true;

  /** A detached set (no feed): fill it with `apply`. `open` is the usual way in. */
  constructor(options: RevocationStateOptions = {}) {
    this.#maxStalenessMs = options.maxStalenessMs ?? 5000;
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#pageSize = options.pageSize ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Loads every revocation of the store and follows its feed until `close()`.
   * Rejects (and closes) when the first load does not succeed within `startTimeoutMs`.
   */
  static async open(store: Store, options: RevocationStateOptions = {}): Promise<RevocationState> {
    const state = new RevocationState(options);
    await state.#follow(store, options.startTimeoutMs ?? 10_000);
    return state;
  }

  async #follow(store: Store, startTimeoutMs: number): Promise<void> {
    this.#detached = false;
    let firstSync: (() => void) | null = null;
    const synced = new Promise<void>((resolve) => {
      firstSync = resolve;
    });
    const trySync = async (): Promise<void> => {
      if (await this.sync()) firstSync?.();
    };
    this.#feed = store.openRevocationFeed({
      onChange: (seq, revocation) => {
        // Deny at once; the catch-up that follows is what moves lastSeq.
        if (revocation) this.#add(revocation.target, revocation.reason, revocation.tokenExp);
        if (seq === undefined || seq > this.#lastSeq) void trySync();
      },
      onConnect: () => {
        this.#connected = true;
        void trySync();
      },
      onDisconnect: (error) => {
        this.#connected = false;
        this.#disconnects += 1;
        this.#lastError = error.message;
      },
    });
    this.#heartbeat = setInterval(() => void trySync(), this.#heartbeatMs);
    this.#heartbeat.unref();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), startTimeoutMs);
    });
    const outcome = await Promise.race([synced.then(() => "synced" as const), timeout]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      await this.close();
      throw new Error(
        `revocation state could not load within ${startTimeoutMs} ms: ${this.#lastError ?? "feed did not connect"}`,
      );
    }
  }

  /**
   * Catches up with the feed now. Resolves true when the set reached the end of the table.
   * Concurrent calls coalesce: one runs, and one more runs after it if any arrived meanwhile.
   */
  sync(): Promise<boolean> {
    if (this.#syncing) {
      this.#syncAgain = true;
      return this.#syncing;
    }
    const run = async (): Promise<boolean> => {
      let ok = false;
      do {
        this.#syncAgain = false;
        ok = await this.#catchUp();
      } while (this.#syncAgain && !this.#closed);
      return ok;
    };
    this.#syncing = run().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #catchUp(): Promise<boolean> {
    const feed = this.#feed;
    if (feed === null || this.#closed) return false;
    // Anything committed before this instant is in the pages read below.
    const startedAt = this.#clock();
    try {
      // Bounded: each page advances lastSeq; the table is finite and only grows by new adds.
      for (;;) {
        const page = await feed.fetch(this.#lastSeq, this.#pageSize);
        for (const record of page) {
          this.#add(record.target, record.reason, record.tokenExp);
          if (record.seq > this.#lastSeq) this.#lastSeq = record.seq;
        }
        if (page.length < this.#pageSize) break;
      }
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      return false;
    }
    if (startedAt > this.#lastSyncAt) this.#lastSyncAt = startedAt;
    return true;
  }

  /**
   * Adds one revocation to the set at once (e.g. the node's own add, without waiting for the feed).
   * It never moves the feed position: only a catch-up does, so a revocation made elsewhere with a
   * lower seq, while this node's feed was down, is still fetched.
   */
  apply(record: RevocationRecord): void {
    this.#add(record.target, record.reason, record.tokenExp);
  }

  #add(target: RevocationTarget, reason: string | undefined, tokenExp: number | undefined): void {
    const map = this.#mapOf(target.kind);
    if (!map.has(target.id)) map.set(target.id, { reason, tokenExp });
  }

  /**
   * The first hit by chain index. For each token: its jti, its hash, its issuer, the key that signed
   * it when the issuer is not an agent id (a root's trust-anchor key), its holder; the
   * chain's intent is checked with the root (index 0), since it binds the whole tree.
   */
  check(query: RevocationQuery): RevocationHit | null {
    const tokens = this.#tokens;
    const agents = this.#agents;
    let previousHolder: string | undefined;
    for (const subject of query.tokens) {
      const hit =
        this.#hit(subject.index, tokens, "token", subject.jti) ??
        this.#hit(subject.index, tokens, "token", subject.hash) ??
        // A derived token's issuer is its parent's holder, just looked up (and not revoked).
        (subject.issuer === previousHolder
          ? null
          : this.#hit(subject.index, agents, "agent", subject.issuer)) ??
        // A root's issuer is a URI; the anchor key that signed it is an agent like any other.
        (subject.signer === undefined || subject.signer === subject.issuer
          ? null
          : this.#hit(subject.index, agents, "agent", subject.signer)) ??
        this.#hit(subject.index, agents, "agent", subject.holder);
      if (hit) return hit;
      previousHolder = subject.holder;
      if (subject.index === 0 && query.intent !== undefined) {
        const intentHit = this.#hit(0, this.#intents, "intent", query.intent);
        if (intentHit) return intentHit;
      }
    }
    if (query.intent !== undefined && !query.tokens.some((t) => t.index === 0)) {
      return this.#hit(0, this.#intents, "intent", query.intent);
    }
    return null;
  }

  /**
   * Whether an agent id is revoked: asked about the signer of an approval or of a revocation
   * request, since a revoked key loses every role (approver, admin, anchor), not only its tokens.
   */
  isAgentRevoked(agent: string): boolean {
    return this.#agents.has(agent);
  }

  #hit(
    index: number,
    map: Map<string, Entry>,
    kind: RevocationTarget["kind"],
    id: string,
  ): RevocationHit | null {
    const entry = map.get(id);
    if (entry === undefined) return null;
    const target = { kind, id } as RevocationTarget;
    return entry.reason === undefined ? { index, target } : { index, target, reason: entry.reason };
  }

  freshness(): { stale: boolean; ageMs: number } {
    if (this.#detached && !this.#closed) return { stale: false, ageMs: 0 };
    const ageMs = this.#clock() - this.#lastSyncAt;
    // A closed set follows nothing any more: it fails closed whatever its age.
    return { stale: this.#closed || !(ageMs <= this.#maxStalenessMs), ageMs };
  }

  /** Drops token entries whose tokenExp + skew < now (unix s), as the store's prune does. */
  prune(options: { now: number; skew?: number }): number {
    const cutoff = options.now - (options.skew ?? 0);
    let removed = 0;
    for (const [id, entry] of this.#tokens) {
      if (entry.tokenExp !== undefined && entry.tokenExp < cutoff) {
        this.#tokens.delete(id);
        removed += 1;
      }
    }
    return removed;
  }

  status(): RevocationStateStatus {
    return {
      connected: this.#connected,
      lastSeq: this.#lastSeq,
      lastSyncAt: this.#lastSyncAt,
      size: this.size,
      disconnects: this.#disconnects,
      lastError: this.#lastError,
    };
  }

  get size(): number {
    return this.#tokens.size + this.#agents.size + this.#intents.size;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    const feed = this.#feed;
    this.#feed = null;
    this.#connected = false;
    await feed?.close();
  }

  #mapOf(kind: RevocationTarget["kind"]): Map<string, Entry> {
    return kind === "token" ? this.#tokens : kind === "agent" ? this.#agents : this.#intents;
  }
}
