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
 * @example
 *   const source = new EventSource("/v1/events?intent=triage-acme-site");
 *   source.addEventListener("revocation", (e) => refresh(JSON.parse(e.data)));
 */
import type { ServerResponse } from "node:http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type EventBus, eventKey, type GraphEvent } from "../../graph/events.ts";
import { StorePoller } from "../../graph/poll.ts";
import type { Store } from "../../store/types.ts";

export interface EventRoutesOptions {
  store: Store;
  events?: EventBus;
  /** 0 disables polling the store. Default 500. */
  pollIntervalMs?: number;
  /** Comment lines sent to keep proxies from closing an idle stream. Default 15 000 ms. */
  heartbeatMs?: number;
}

/** How many recent event keys a stream remembers to drop duplicates. */
const DEDUP_WINDOW = 2000;

/** One open stream: writes events, drops duplicates, filters by intent. */
class EventStream {
  readonly #res: ServerResponse;
  readonly #intent: string | undefined;
  readonly #seen = new Set<string>();
  #id = 0;

  constructor(res: ServerResponse, intent: string | undefined) {
    this.#res = res;
    this.#intent = intent;
  }

  send(event: GraphEvent): void {
    if (this.#intent !== undefined && event.type !== "revocation" && event.intent !== this.#intent) return;
    const key = eventKey(event);
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    if (this.#seen.size > DEDUP_WINDOW) {
      const oldest = this.#seen.values().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    this.#id += 1;
    this.#res.write(`id: ${this.#id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  comment(text: string): void {
    this.#res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.#res.writableEnded) this.#res.end();
  }
}

export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, options) => {
  const interval = options.pollIntervalMs ?? 500;
  const poller =
    interval > 0
      ? new StorePoller(options.store, {
          intervalMs: interval,
          onError: (err) => app.log.warn({ err }, "graph events: polling the store failed"),
        })
      : null;
  const open = new Set<EventStream>();

  // End open streams before the server waits for its connections to close.
  app.addHook("preClose", async () => {
    for (const s of open) s.end();
    open.clear();
    poller?.stop();
  });

  app.get(
    "/v1/events",
    {
      schema: {
        hide: true,
        querystring: z.strictObject({ intent: z.string().min(1).max(4096).optional() }),
      },
    },
    async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n\n");
      const stream = new EventStream(res, request.query.intent);
      open.add(stream);
      const send = (event: GraphEvent) => stream.send(event);
      const unsubscribe = [options.events?.subscribe(send), poller?.subscribe(send)];
      const heartbeat = setInterval(() => stream.comment("ping"), options.heartbeatMs ?? 15_000);
      heartbeat.unref();
      stream.comment("connected");
      request.raw.on("close", () => {
        clearInterval(heartbeat);
        for (const stop of unsubscribe) stop?.();
        open.delete(stream);
        stream.end();
      });
    },
  );
};
