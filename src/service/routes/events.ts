/**
 * `GET /v1/events`: live graph changes as Server-Sent Events — `delegation`, `revocation` and
 * `decision` events, each a JSON `data:` line (`src/graph/events.ts` declares the shapes).
 *
 * Two sources feed a stream: the facade's in-process `EventBus`, and a poller that reads new audit
 * events and revocations from the store every `pollIntervalMs` (so changes made by another node,
 * or by code that does not publish, still arrive). The same happening from both is sent once.
 * `?intent=ID` keeps the decisions and delegations of that intent (revocations are always sent:
 * revoking an agent reaches into every intent).
 *
 * Bounded work per stream (issue 9): at most `maxStreams` streams in all (beyond: `503
 * streams_exhausted`) and `maxStreamsPerCaller` per caller (beyond: `429 too_many_streams`); a
 * stream whose reader does not keep up is dropped once `maxBufferedBytes` are queued for it, or
 * when `write()` has reported back-pressure and no `drain` followed within `stallMs`; the
 * de-duplication window keeps fixed-size digests of event keys, never the keys themselves.
 *
 * @example
 *   const source = new EventSource("/v1/events?intent=triage-acme-site");
 *   source.addEventListener("revocation", (e) => refresh(JSON.parse(e.data)));
 */
import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { isIP, isIPv4 } from "node:net";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { GraphSource } from "../../core/graph/index.ts";
import { type EventBus, eventKey, type GraphEvent } from "../../graph/events.ts";
import { StorePoller } from "../../graph/poll.ts";
import { ProblemError } from "../problems.ts";
import { problemResponse } from "../schemas.ts";

/** Limits of `/v1/events` (config `server.sse`). */
export interface EventStreamLimits {
  /** Open streams in all. Default 100. */
  maxStreams?: number;
  /** Open streams per caller. Default 8. */
  maxStreamsPerCaller?: number;
  /** Bytes queued for one slow reader before its stream is dropped. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** A stream under back-pressure that does not drain within this is dropped. Default 30 000 ms. */
  stallMs?: number;
}

export interface EventRoutesOptions extends EventStreamLimits {
  /** What the poller reads new audit events and revocations from (the facade's `graph`). */
  source: GraphSource;
  events?: EventBus;
  /** 0 disables polling the store. Default 500. */
  pollIntervalMs?: number;
  /** Comment lines sent to keep proxies from closing an idle stream. Default 15 000 ms. */
  heartbeatMs?: number;
  /**
   * Who the caller is, for the per-caller cap. Default {@link defaultCallerOf}: the authenticated
   * identity when the request carries one, else the client address.
   */
  callerOf?: (request: FastifyRequest) => string;
}

export const DEFAULT_SSE_LIMITS: Readonly<Required<EventStreamLimits>> = Object.freeze({
  maxStreams: 100,
  maxStreamsPerCaller: 8,
  maxBufferedBytes: 1_048_576,
  stallMs: 30_000,
});

/** How many recent event keys a stream remembers to drop duplicates. */
const DEDUP_WINDOW = 2000;
/** Seconds a refused client is asked to wait. */
const RETRY_AFTER_SECONDS = 5;

/**
 * The caller of a request: `id:<identity>` when an authentication layer decorated the request
 * with `caller: {id}` (see issue 11), else `ip:<client address>`, an IPv6 address by its /64
 * (see {@link addressKey}) (behind a proxy, as `trustProxy`
 * resolves it).
 */
export function defaultCallerOf(request: FastifyRequest): string {
  const caller = (request as FastifyRequest & { caller?: { id?: unknown } }).caller;
  if (caller && typeof caller.id === "string" && caller.id !== "") return `id:${caller.id}`;
  return `ip:${addressKey(request.ip)}`;
}

/**
 * The per-caller key of a client address: an IPv4 address as itself, an IPv6 address by its /64
 * prefix (one host or one customer usually holds a whole /64, so per-address caps would not cap
 * it). An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is its IPv4 address.
 */
export function addressKey(ip: string): string {
  if (!isIP(ip)) return ip;
  if (isIPv4(ip)) return ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) return mapped[1];
  const groups = expandIPv6(ip);
  return groups === null ? ip : `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), lower-case hex without leading zeros. */
function expandIPv6(ip: string): string[] | null {
  let text = ip.split("%")[0] ?? ip;
  // A trailing dotted IPv4 part stands for the last two groups.
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a, b, c, d] = v4[1].split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" || halves[0] === undefined ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" && halves[1] !== undefined ? halves[1].split(":") : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0) return null;
  const all = [...head, ...Array.from({ length: fill }, () => "0"), ...tail];
  if (all.length !== 8) return null;
  return all.map((g) => Number.parseInt(g, 16).toString(16));
}

/** A fixed-size digest of an event key (keys can hold attacker-chosen jtis of any length). */
const digests = new WeakMap<GraphEvent, string>();
function keyDigest(event: GraphEvent): string {
  let digest = digests.get(event);
  if (digest === undefined) {
    digest = createHash("sha256").update(eventKey(event)).digest("base64url");
    digests.set(event, digest);
  }
  return digest;
}

/** Each event is serialized once, however many streams send it. */
const serialized = new WeakMap<GraphEvent, string>();
function dataOf(event: GraphEvent): string {
  let text = serialized.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    serialized.set(event, text);
  }
  return text;
}

type DropReason = "buffer" | "stall";

/** One open stream: writes events, drops duplicates, filters by intent, bounds what it queues. */
class EventStream {
  readonly #res: ServerResponse;
  readonly #intent: string | undefined;
  readonly #seen = new Set<string>();
  readonly #maxBuffered: number;
  readonly #stallMs: number;
  readonly #onDrop: (reason: DropReason) => void;
  #stall: NodeJS.Timeout | null = null;
  #id = 0;
  #closed = false;

  constructor(
    res: ServerResponse,
    intent: string | undefined,
    limits: { maxBufferedBytes: number; stallMs: number },
    onDrop: (reason: DropReason) => void,
  ) {
    this.#res = res;
    this.#intent = intent;
    this.#maxBuffered = limits.maxBufferedBytes;
    this.#stallMs = limits.stallMs;
    this.#onDrop = onDrop;
    res.on("drain", () => this.#clearStall());
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(event: GraphEvent): void {
    if (this.#closed) return;
    if (this.#intent !== undefined && event.type !== "revocation" && event.intent !== this.#intent) return;
    const key = keyDigest(event);
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.#seen.size > DEDUP_WINDOW) {
      const oldest = this.#seen.values().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    this.#id += 1;
    this.#write(`id: ${this.#id}\nevent: ${event.type}\ndata: ${dataOf(event)}\n\n`);
  }

  comment(text: string): void {
    // A stream under back-pressure gains nothing from a heartbeat: the socket is not idle.
    if (this.#closed || this.#stall !== null) return;
    this.#write(`: ${text}\n\n`);
  }

  /** Writes, or drops the stream when the reader is too far behind. */
  #write(chunk: string): void {
    if (this.#res.writableLength + Buffer.byteLength(chunk) > this.#maxBuffered) {
      this.drop("buffer");
      return;
    }
    if (!this.#res.write(chunk) && this.#stall === null) {
      // Back-pressure: the kernel buffer is full. Keep queueing up to the byte bound, but a reader
      // that never drains is dropped after stallMs whatever the event rate.
      this.#stall = setTimeout(() => this.drop("stall"), this.#stallMs);
      this.#stall.unref();
    }
  }

  #clearStall(): void {
    if (this.#stall !== null) clearTimeout(this.#stall);
    this.#stall = null;
  }

  /** Frees the queued bytes at once: a dropped reader gets no graceful end. */
  drop(reason: DropReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearStall();
    this.#seen.clear();
    this.#res.destroy();
    this.#onDrop(reason);
  }

  end(): void {
    this.#clearStall();
    this.#closed = true;
    if (!this.#res.writableEnded) this.#res.end();
  }
}

function limitsOf(o: EventRoutesOptions): Required<EventStreamLimits> {
  return {
    maxStreams: o.maxStreams ?? DEFAULT_SSE_LIMITS.maxStreams,
    maxStreamsPerCaller: o.maxStreamsPerCaller ?? DEFAULT_SSE_LIMITS.maxStreamsPerCaller,
    maxBufferedBytes: o.maxBufferedBytes ?? DEFAULT_SSE_LIMITS.maxBufferedBytes,
    stallMs: o.stallMs ?? DEFAULT_SSE_LIMITS.stallMs,
  };
}

export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, options) => {
  const interval = options.pollIntervalMs ?? 500;
  const limits = limitsOf(options);
  const callerOf = options.callerOf ?? defaultCallerOf;
  const poller =
    interval > 0
      ? new StorePoller(options.source, {
          intervalMs: interval,
          onError: (err) => app.log.warn({ err }, "graph events: polling the store failed"),
        })
      : null;
  const open = new Set<EventStream>();
  const perCaller = new Map<string, number>();

  // End open streams before the server waits for its connections to close.
  app.addHook("preClose", async () => {
    for (const s of open) s.end();
    open.clear();
    perCaller.clear();
    poller?.stop();
  });

  app.get(
    "/v1/events",
    {
      schema: {
        tags: ["graph"],
        operationId: "streamEvents",
        summary: "Live graph changes (Server-Sent Events)",
        description: `A \`text/event-stream\` of \`delegation\`, \`revocation\` and \`decision\` events, each one JSON \`data:\` line (see specs/graph.md). \`intent\` keeps the decisions and delegations of that intent; revocations are always sent. At most ${limits.maxStreams} streams in all and ${limits.maxStreamsPerCaller} per caller (config \`server.sse\`); a reader that falls ${limits.maxBufferedBytes} bytes behind is dropped.`,
        querystring: z.strictObject({ intent: z.string().min(1).max(4096).optional() }),
        response: {
          200: {
            description: "The event stream (never ends on its own)",
            content: { "text/event-stream": { schema: z.string() } },
          },
          400: problemResponse("An unknown query member"),
          429: problemResponse("The caller holds its maximum of streams (too_many_streams)"),
          503: problemResponse(
            "The service holds its maximum of streams (streams_exhausted), or is shutting down",
          ),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const held = perCaller.get(caller) ?? 0;
      if (open.size >= limits.maxStreams) {
        reply.header("retry-after", String(RETRY_AFTER_SECONDS));
        throw new ProblemError(
          "streams_exhausted",
          `the service already holds its ${limits.maxStreams} live event streams; retry later`,
        );
      }
      if (held >= limits.maxStreamsPerCaller) {
        reply.header("retry-after", String(RETRY_AFTER_SECONDS));
        throw new ProblemError(
          "too_many_streams",
          `this caller already holds ${held} live event streams (at most ${limits.maxStreamsPerCaller}); close one first`,
        );
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n\n");
      perCaller.set(caller, held + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearInterval(heartbeat);
        for (const stop of unsubscribe) stop?.();
        open.delete(stream);
        const n = (perCaller.get(caller) ?? 1) - 1;
        if (n > 0) perCaller.set(caller, n);
        else perCaller.delete(caller);
      };
      const stream = new EventStream(res, request.query.intent, limits, (reason) => {
        request.log.warn({ caller, reason }, "graph events: dropped a stream whose reader does not keep up");
        release();
      });
      open.add(stream);
      const send = (event: GraphEvent) => stream.send(event);
      const unsubscribe = [options.events?.subscribe(send), poller?.subscribe(send)];
      const heartbeat = setInterval(() => stream.comment("ping"), options.heartbeatMs ?? 15_000);
      heartbeat.unref();
      stream.comment("connected");
      request.raw.on("close", () => {
        release();
        stream.end();
      });
      res.on("close", () => {
        release();
      });
    },
  );
};
