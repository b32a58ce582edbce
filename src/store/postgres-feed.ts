/**
 * The PostgreSQL revocation feed: one dedicated connection that LISTENs on the revocation channel
 * and also runs the catch-up queries. When it drops, it reconnects with exponential backoff
 * (capped, with jitter) until closed; meanwhile `fetch` rejects, so the node stops syncing and
 * turns stale instead of trusting a channel that may have missed notifications.
 */
import pg from "pg";
import { z } from "zod";
import { revocationFromRow, revocationTargetSchema } from "./records.ts";
import type { RevocationFeed, RevocationFeedEvents, RevocationRecord, RevocationSignalled } from "./types.ts";

export const DEFAULT_REVOCATION_CHANNEL = "baton_revocations";

export interface PostgresFeedOptions {
  /** NOTIFY channel; default `baton_revocations`. */
  channel?: string;
  /** application_name of the LISTEN connection (visible in pg_stat_activity). */
  applicationName?: string;
  /** First reconnect delay; doubles per failed attempt. Default 100 ms. */
  reconnectInitialMs?: number;
  /** Cap of the reconnect delay. Default 5000 ms. */
  reconnectMaxMs?: number;
  /** Default 5000 ms. */
  connectTimeoutMs?: number;
  /** A catch-up query that takes longer fails (and the node may go stale). Default 5000 ms. */
  queryTimeoutMs?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

const notificationSchema = z.object({
  seq: z.int().min(1),
  target: revocationTargetSchema,
  reason: z.string().optional(),
  tokenExp: z.int().optional(),
});

/** A payload is `<seq>` or the revocation as JSON; anything else is just "something changed". */
function parseNotification(payload: string | undefined): {
  seq: number | undefined;
  revocation?: RevocationSignalled;
} {
  if (payload === undefined) return { seq: undefined };
  if (/^\d+$/.test(payload)) {
    const seq = Number(payload);
    return { seq: Number.isSafeInteger(seq) ? seq : undefined };
  }
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { seq: undefined };
  }
  const parsed = notificationSchema.safeParse(json);
  if (!parsed.success) return { seq: undefined };
  const p = parsed.data;
  return {
    seq: p.seq,
    revocation: {
      seq: p.seq,
      target: p.target,
      ...(p.reason !== undefined ? { reason: p.reason } : {}),
      ...(p.tokenExp !== undefined ? { tokenExp: p.tokenExp } : {}),
    },
  };
}

export class PostgresRevocationFeed implements RevocationFeed {
  readonly #config: pg.ClientConfig;
  readonly #events: RevocationFeedEvents;
  readonly #channel: string;
  readonly #initialMs: number;
  readonly #maxMs: number;
  #client: pg.Client | null = null;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Drops the live connection (and reconnects): set while `#client` is live. */
  #drop: ((error: Error) => void) | null = null;
  #closed = false;
  #connecting: Promise<void> | null = null;

  constructor(config: pg.ClientConfig, events: RevocationFeedEvents, options: PostgresFeedOptions = {}) {
    this.#channel = options.channel ?? DEFAULT_REVOCATION_CHANNEL;
    if (!IDENTIFIER.test(this.#channel)) throw new RangeError(`invalid channel name ${this.#channel}`);
    this.#config = {
      ...config,
      application_name: options.applicationName ?? "baton-revocation-feed",
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 5000,
      keepAlive: true,
    };
    this.#events = events;
    this.#initialMs = options.reconnectInitialMs ?? 100;
    this.#maxMs = options.reconnectMaxMs ?? 5000;
    this.#start();
  }

  get connected(): boolean {
    return this.#client !== null;
  }

  #start(): void {
    this.#timer = null;
    this.#connecting = this.#connect().finally(() => {
      this.#connecting = null;
    });
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client(this.#config);
    const lost = (error: Error): void => {
      // Only the live client reports a loss; errors while connecting land in the catch below.
      if (client !== this.#client) return;
      this.#client = null;
      this.#drop = null;
      client.end().catch(() => {});
      this.#events.onDisconnect(error);
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost(new Error("revocation feed connection ended")));
    client.on("notification", (message) => {
      if (client !== this.#client || message.channel !== this.#channel) return;
      const signalled = parseNotification(message.payload);
      this.#events.onChange(signalled.seq, signalled.revocation);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.#channel}`);
    } catch {
      client.end().catch(() => {});
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#drop = lost;
    this.#events.onConnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#timer !== null) return;
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** Math.min(this.#attempt, 20));
    this.#attempt += 1;
    const delay = base / 2 + (Math.random() * base) / 2;
    this.#timer = setTimeout(() => this.#start(), delay);
    this.#timer.unref();
  }

  async fetch(afterSeq: number, limit: number): Promise<RevocationRecord[]> {
    const client = this.#client;
    const drop = this.#drop;
    if (client === null || drop === null) throw new Error("revocation feed is disconnected");
    let rows: unknown[];
    try {
      rows = (
        await client.query("SELECT * FROM baton_revocations WHERE seq > $1 ORDER BY seq LIMIT $2", [
          afterSeq,
          limit,
        ])
      ).rows;
    } catch (error) {
      // A timed-out or failed catch-up leaves the connection suspect: start over on a new one,
      // with the backoff still growing (it only resets after a catch-up succeeds).
      const failure = error instanceof Error ? error : new Error(String(error));
      drop(failure);
      throw failure;
    }
    this.#attempt = 0;
    return rows.map(revocationFromRow);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const client = this.#client;
    this.#client = null;
    this.#drop = null;
    await client?.end().catch(() => {});
    await this.#connecting;
  }
}
