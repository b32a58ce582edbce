/**
 * Live events read from the store itself, for when nobody publishes on the bus: every interval it
 * reads the audit log after an id cursor (decisions and `token_recorded` events) and the revocation
 * table after a seq cursor, a bounded page of each, and turns new rows into graph events.
 *
 * It runs only while someone listens: the first `subscribe` starts it from the store's current
 * heads (so no history is replayed) and the last unsubscribe stops it.
 *
 * @example
 *   const poller = new StorePoller(store, { intervalMs: 500 });
 *   const stop = poller.subscribe((event) => stream.send(event));
 */
import type { GraphAuditEvent, GraphRevocation, GraphSource } from "../core/graph/index.ts";
import type { DelegationEvent, GraphEvent, GraphEventListener } from "./events.ts";

export interface StorePollerOptions {
  /** Default 500 ms. */
  intervalMs?: number;
  /** Rows read per source and tick. Default 200. */
  pageSize?: number;
  /** Receives read errors; the poller retries on the next tick. */
  onError?: (error: unknown) => void;
}

/** Reads a string member of event data. */
function text(data: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = data[k];
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}

/** The graph event of an audit row, or null for rows the graph does not show live. */
export function eventOfAudit(e: GraphAuditEvent): GraphEvent | null {
  const d = e.data;
  if (e.type === "decision") {
    if (typeof d.allow !== "boolean" || !Array.isArray(d.jtis)) return null;
    const out: GraphEvent = {
      type: "decision",
      at: e.at,
      auditId: e.id,
      allow: d.allow,
      code: typeof d.code === "string" ? d.code : "",
      jtis: d.jtis.filter((j): j is string => typeof j === "string"),
    };
    const tool = text(d, "tool");
    if (tool !== undefined) out.tool = tool;
    if (e.intent !== undefined) out.intent = e.intent;
    if (e.agent !== undefined) out.agent = e.agent;
    return out;
  }
  if (e.type === "token_recorded") {
    const fields: Omit<DelegationEvent, "type" | "at"> = {};
    const put = (k: keyof typeof fields, v: string | undefined) => {
      if (v !== undefined) fields[k] = v;
    };
    put("intent", e.intent ?? text(d, "intent"));
    put("jti", text(d, "jti"));
    put("hash", text(d, "hash"));
    put("parentHash", text(d, "parentHash", "parent_hash", "par_hash"));
    put("issuer", text(d, "issuer", "iss"));
    put("holder", text(d, "holder") ?? e.agent);
    return { type: "delegation", at: e.at, ...fields };
  }
  return null;
}

export function eventOfRevocation(r: GraphRevocation): GraphEvent {
  return {
    type: "revocation",
    at: r.revokedAt,
    target: r.target,
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
  };
}

export class StorePoller {
  readonly #store: GraphSource;
  readonly #intervalMs: number;
  readonly #pageSize: number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<GraphEventListener>();
  #timer: NodeJS.Timeout | null = null;
  #cursor: { auditId: number; revocationSeq: number } | null = null;
  #running: Promise<void> | null = null;
  #generation = 0;

  constructor(store: GraphSource, options: StorePollerOptions = {}) {
    this.#store = store;
    this.#intervalMs = options.intervalMs ?? 500;
    this.#pageSize = options.pageSize ?? 200;
    this.#onError = options.onError ?? (() => {});
  }

  subscribe(listener: GraphEventListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#start();
    return () => {
      if (!this.#listeners.delete(listener)) return;
      if (this.#listeners.size === 0) this.stop();
    };
  }

  /** Stops polling (until the next subscriber) and forgets the cursors. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#cursor = null;
    this.#generation += 1;
  }

  /** Resolves when the poll in progress, if any, is done (for tests and shutdown). */
  async idle(): Promise<void> {
    await this.#running;
  }

  #start(): void {
    const generation = ++this.#generation;
    const loop = async () => {
      if (generation !== this.#generation) return;
      try {
        if (this.#cursor === null) this.#cursor = await this.#heads();
        else await this.#tick(this.#cursor);
      } catch (e) {
        this.#onError(e);
      }
      if (generation === this.#generation) {
        this.#timer = setTimeout(() => {
          this.#running = loop();
        }, this.#intervalMs);
        this.#timer.unref?.();
      }
    };
    this.#running = loop();
  }

  async #tick(cursor: { auditId: number; revocationSeq: number }): Promise<void> {
    const [audit, revocations] = await Promise.all([
      this.#store.listAudit({ afterId: cursor.auditId, limit: this.#pageSize }),
      this.#store.listRevocations({ afterSeq: cursor.revocationSeq, limit: this.#pageSize }),
    ]);
    const events: GraphEvent[] = [];
    for (const e of audit) {
      cursor.auditId = Math.max(cursor.auditId, e.id);
      const g = eventOfAudit(e);
      if (g) events.push(g);
    }
    for (const r of revocations) {
      cursor.revocationSeq = Math.max(cursor.revocationSeq, r.seq);
      events.push(eventOfRevocation(r));
    }
    for (const event of events) {
      for (const listener of [...this.#listeners]) {
        try {
          listener(event);
        } catch (e) {
          this.#onError(e);
        }
      }
    }
  }

  /** The current last audit id and revocation seq, found with O(log n) one-row reads. */
  async #heads(): Promise<{ auditId: number; revocationSeq: number }> {
    const [auditId, revocationSeq] = await Promise.all([
      lastPosition(async (after) => (await this.#store.listAudit({ afterId: after, limit: 1 })).length > 0),
      lastPosition(
        async (after) => (await this.#store.listRevocations({ afterSeq: after, limit: 1 })).length > 0,
      ),
    ]);
    return { auditId, revocationSeq };
  }
}

/**
 * The largest position p such that something exists after p − 1 (i.e. the last position), given
 * `existsAfter(x)`, which is true for x below the last position and false from it on.
 */
export async function lastPosition(existsAfter: (after: number) => Promise<boolean>): Promise<number> {
  if (!(await existsAfter(0))) return 0;
  let lo = 0; // existsAfter(lo) is true
  let hi = 1024;
  while (await existsAfter(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > Number.MAX_SAFE_INTEGER / 2) break;
  }
  // existsAfter(lo) true, existsAfter(hi) false: the last position is in (lo, hi].
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await existsAfter(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}
