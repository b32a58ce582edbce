/**
 * The PostgreSQL revocation feed: one dedicated connection that LISTENs on the revocation channel
 * and also runs the catch-up queries. When it drops, it reconnects with exponential backoff
 * (capped, with jitter) until closed; meanwhile `fetch` rejects, so the node stops syncing and
 * turns stale instead of trusting a channel that may have missed notifications.
 */
import pg from "pg";
import { revocationFromRow } from "./records.ts";
import type { RevocationFeed, RevocationFeedEvents, RevocationRecord } from "./types.ts";

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

export class PostgresRevocationFeed implements RevocationFeed {
  readonly #config: pg.ClientConfig;
  readonly #events: RevocationFeedEvents;
  readonly #channel: string;
  readonly #initialMs: number;
  readonly #maxMs: number;
  #client: pg.Client | null = null;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
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
      client.end().catch(() => {});
      this.#events.onDisconnect(error);
      this.#scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost(new Error("revocation feed connection ended")));
    client.on("notification", (message) => {
      if (client !== this.#client || message.channel !== this.#channel) return;
      const seq = Number(message.payload);
      this.#events.onChange(Number.isSafeInteger(seq) ? seq : undefined);
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
    this.#attempt = 0;
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
    if (client === null) throw new Error("revocation feed is disconnected");
    const result = await client.query(
      "SELECT * FROM baton_revocations WHERE seq > $1 ORDER BY seq LIMIT $2",
      [afterSeq, limit],
    );
    return result.rows.map(revocationFromRow);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
    await this.#connecting;
  }
}
