/**
 * The delegation graph over HTTP, and the inspector page that shows it:
 *
 * - `GET /v1/graph?intent=ID` (or `?agent=ID`) → `{nodes, edges, findings, …}`; `format=dot` and
 *   `format=mermaid` return documents (`findings=true` names finding ids in their labels).
 * - `GET /v1/graph/audit?jti=JTI[&intent=ID][&after=N][&limit=N]` → the audit events that concern
 *   one token, a page at a time, read from the per-token index (never a scan of the log).
 * - `GET /v1/intents` → intents with token counts by status.
 * - `GET /v1/events` → live changes as Server-Sent Events (see `./events.ts`).
 * - `GET /ui` and `/ui/*` → the inspector (plain HTML/CSS/JS from `src/ui/`, cytoscape.js and its
 *   dagre layout served from node_modules: the page needs no network beyond this service).
 *
 * @example
 *   await app.register(graphRoutes, { trust, events }); // reads through trust.graph (a GraphSource)
 *   const res = await app.inject({ url: "/v1/graph?intent=triage-acme-site&format=mermaid" });
 */
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type {
  FindingOptions,
  GraphAuditEvent,
  GraphAuditQuery,
  GraphSource,
} from "../../core/graph/index.ts";
import type { EventBus } from "../../graph/events.ts";
import { listIntents, loadAgentGraph, loadIntentGraph } from "../../graph/load.ts";
import { renderDot } from "../../graph/render-dot.ts";
import { renderMermaid } from "../../graph/render-mermaid.ts";
import { ProblemError } from "../problems.ts";
import { problemResponse } from "../schemas.ts";
import { type EventRoutesOptions, type EventStreamLimits, eventRoutes } from "./events.ts";

export interface GraphRoutesOptions extends FindingOptions {
  /**
   * What the routes read: the trust facade's `graph` (give `trust`), or any `GraphSource` (`source`;
   * `store` is the same option under its former name, and a `Store` is a `GraphSource`).
   */
  source?: GraphSource;
  store?: GraphSource;
  trust?: { readonly graph: GraphSource };
  /** Live events published by the facade; without it `/v1/events` relies on polling the store. */
  events?: EventBus;
  /** Unix ms; default Date.now. */
  clock?: () => number;
  /** How often `/v1/events` polls the store for new audit events and revocations; 0 disables. Default 500. */
  pollIntervalMs?: number;
  /** Serve the inspector at /ui. Default true. */
  ui?: boolean;
  /** Caps of `/v1/events` (streams in all and per caller, bytes queued per slow reader). */
  sse?: EventStreamLimits;
  /** Who the caller of `/v1/events` is, for its per-caller cap (default: identity, else address). */
  callerOf?: EventRoutesOptions["callerOf"];
}

const id = z.string().min(1).max(4096);

const DEFAULT_TOKEN_EVENTS_PAGE = 200;
const MAX_TOKEN_EVENTS_PAGE = 500;

const graphQuerySchema = z
  .strictObject({
    intent: id.optional().describe("An intent id: its delegation tree"),
    agent: id.optional().describe("An agent id (thumbprint URI): its tokens across intents"),
    format: z.enum(["json", "dot", "mermaid"]).default("json"),
    findings: z.enum(["true", "false"]).optional().describe("dot/mermaid: name finding ids in the labels"),
  })
  .refine((q) => (q.intent === undefined) !== (q.agent === undefined), {
    message: "give exactly one of intent and agent",
  });

const tokenAuditQuerySchema = z.strictObject({
  jti: id,
  intent: id.optional(),
  after: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, "must be an event id")
    .transform(Number)
    .pipe(z.int().max(Number.MAX_SAFE_INTEGER))
    .optional()
    .describe("Events with id > after (the previous page's `next`)"),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, `must be an integer from 1 to ${MAX_TOKEN_EVENTS_PAGE}`)
    .transform(Number)
    .pipe(z.int().max(MAX_TOKEN_EVENTS_PAGE))
    .optional()
    .describe(`Page size, default ${DEFAULT_TOKEN_EVENTS_PAGE}, at most ${MAX_TOKEN_EVENTS_PAGE}`),
});

/** Documentation of the graph body; the full shape is in specs/graph.md (it is sent pre-serialized). */
const graphBody = z.looseObject({
  view: z.enum(["intent", "agent"]),
  now: z.int().describe("Unix seconds the statuses were computed for"),
  nodes: z.array(z.looseObject({ id: z.string(), jti: z.string(), status: z.string() })),
  edges: z.array(z.object({ id: z.string(), source: z.string(), target: z.string() })),
  findings: z.array(z.looseObject({ id: z.string(), severity: z.string(), message: z.string() })),
  summary: z.looseObject({ tokens: z.int() }),
});

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

const JSON_TYPE = "application/json; charset=utf-8";

/** Sends a body serialized here (the graph is large: one JSON.stringify, no schema pass). */
function sendText(reply: unknown, type: string, body: string): FastifyReply {
  return (reply as FastifyReply).type(type).send(body);
}

function sourceOf(o: GraphRoutesOptions): GraphSource {
  const source = o.source ?? o.store ?? o.trust?.graph;
  if (!source) throw new TypeError("graphRoutes needs a GraphSource (the trust facade's graph)");
  return source;
}

function findingOptions(o: GraphRoutesOptions): FindingOptions {
  const out: FindingOptions = {};
  if (o.maxDerivedTtl !== undefined) out.maxDerivedTtl = o.maxDerivedTtl;
  if (o.maxRootTtl !== undefined) out.maxRootTtl = o.maxRootTtl;
  if (o.depthSlack !== undefined) out.depthSlack = o.depthSlack;
  if (o.denialThreshold !== undefined) out.denialThreshold = o.denialThreshold;
  return out;
}

export const graphRoutes: FastifyPluginAsyncZod<GraphRoutesOptions> = async (app, options) => {
  const source = sourceOf(options);
  const clock = options.clock ?? Date.now;
  const loadOptions = () => ({ now: Math.floor(clock() / 1000), ...findingOptions(options) });

  app.get(
    "/v1/graph",
    {
      schema: {
        tags: ["graph"],
        operationId: "getGraph",
        summary: "The delegation graph of an intent or an agent",
        description:
          "JSON `{view, intent|agent, now, nodes, edges, findings, summary}` (see specs/graph.md), or a Graphviz (`format=dot`) or Mermaid (`format=mermaid`) document.",
        querystring: graphQuerySchema,
        response: {
          200: {
            description: "The graph (JSON), or a DOT or Mermaid document",
            content: {
              "application/json": { schema: graphBody },
              "text/vnd.graphviz": { schema: z.string() },
              "text/plain": { schema: z.string() },
            },
          },
          400: problemResponse("Neither or both of intent and agent, or a bad format"),
          404: problemResponse("No recorded token belongs to this intent or agent"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const graph =
        q.intent !== undefined
          ? await loadIntentGraph(source, q.intent, loadOptions())
          : await loadAgentGraph(source, q.agent as string, loadOptions());
      if (!graph) {
        const what = q.intent !== undefined ? `intent "${q.intent}"` : `agent "${q.agent}"`;
        throw new ProblemError("not_found", `no recorded token belongs to ${what}`, {}, 404);
      }
      const findings = q.findings === "true";
      if (q.format === "dot")
        return sendText(reply, "text/vnd.graphviz; charset=utf-8", renderDot(graph, { findings }));
      if (q.format === "mermaid")
        return sendText(reply, "text/plain; charset=utf-8", renderMermaid(graph, { findings }));
      return sendText(reply, JSON_TYPE, JSON.stringify(graph));
    },
  );

  app.get(
    "/v1/graph/audit",
    {
      schema: {
        tags: ["graph"],
        operationId: "getTokenAudit",
        summary: "Audit events about one token",
        description:
          "Decisions whose chain names the token, its `token_recorded` event and revocations that target it, oldest first, a page at a time (read from an index of the jtis and token hashes each event concerns). With `intent`, only that intent's events and revocations. `next` is the `after` of the next page, null on the last.",
        querystring: tokenAuditQuerySchema,
        response: {
          200: {
            description: "A page of the token's audit events",
            content: {
              "application/json": {
                schema: z.object({
                  jti: z.string(),
                  events: z.array(z.looseObject({ id: z.int() })),
                  truncated: z.boolean().describe("More events follow (fetch them with after=next)"),
                  next: z.int().nullable(),
                }),
              },
            },
          },
          400: problemResponse("No jti, or a bad after or limit"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request, reply) => {
      const { jti, intent } = request.query;
      const limit = request.query.limit ?? DEFAULT_TOKEN_EVENTS_PAGE;
      const afterId = request.query.after ?? 0;
      const [token] = await source.findTokens({ jti, limit: 1, ...(intent !== undefined ? { intent } : {}) });
      const refs = token !== undefined ? [jti, token.hash] : [jti];
      // The intent's events, and revocations, which are audited without an intent unless they
      // revoke one: two bounded index reads merged by id.
      const filters: GraphAuditQuery[] = intent !== undefined ? [{ intent }, { type: "revocation" }] : [{}];
      const found = new Map<number, GraphAuditEvent>();
      for (const filter of filters) {
        for (const e of await source.listAudit({ ...filter, refs, afterId, limit: limit + 1 }))
          found.set(e.id, e);
      }
      const sorted = [...found.values()].sort((a, b) => a.id - b.id);
      const more = sorted.length > limit;
      const events = more ? sorted.slice(0, limit) : sorted;
      const next = more ? (events.at(-1)?.id ?? null) : null;
      return sendText(reply, JSON_TYPE, JSON.stringify({ jti, events, truncated: more, next }));
    },
  );

  app.get(
    "/v1/intents",
    {
      schema: {
        tags: ["graph"],
        operationId: "listIntents",
        summary: "Intents with token counts and status",
        response: {
          200: {
            description: "Intents, most recently active first",
            content: {
              "application/json": {
                schema: z.object({
                  intents: z.array(
                    z.looseObject({ id: z.string(), status: z.enum(["active", "expired", "revoked"]) }),
                  ),
                  truncated: z.boolean(),
                  unbound: z.int(),
                }),
              },
            },
          },
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (_request, reply) => {
      const list = await listIntents(source, loadOptions());
      return sendText(reply, JSON_TYPE, JSON.stringify(list));
    },
  );

  await app.register(eventRoutes, {
    source,
    ...(options.events ? { events: options.events } : {}),
    pollIntervalMs: options.pollIntervalMs ?? 500,
    ...options.sse,
    ...(options.callerOf ? { callerOf: options.callerOf } : {}),
  });

  if (options.ui !== false) await registerUi(app);
};

/** The inspector: `src/ui/*` as read at startup, and the two vendor scripts from node_modules. */
async function registerUi(app: FastifyInstance): Promise<void> {
  const uiDir = fileURLToPath(new URL("../../ui/", import.meta.url));
  const files = new Map<string, { body: string; type: string }>();
  for (const name of await readdir(uiDir)) {
    const ext = name.slice(name.lastIndexOf("."));
    const type = CONTENT_TYPES[ext];
    if (type) files.set(name, { body: await readFile(join(uiDir, name), "utf8"), type });
  }
  const require = createRequire(import.meta.url);
  const vendor = new Map<string, string>([
    ["cytoscape.min.js", require.resolve("cytoscape/dist/cytoscape.min.js")],
    ["cytoscape-dagre.min.js", join(dirname(require.resolve("cytoscape-dagre")), "cytoscape-dagre.min.js")],
  ]);
  const vendorCache = new Map<string, string>();

  const page = files.get("index.html");
  if (!page) throw new Error(`the inspector page is missing from ${uiDir}`);
  app.get("/ui", { schema: { hide: true } }, async (_request, reply) =>
    reply.type(page.type).header("cache-control", "no-cache").send(page.body),
  );
  app.get("/ui/", { schema: { hide: true } }, async (_request, reply) => reply.redirect("/ui"));
  app.get<{ Params: { file: string } }>("/ui/:file", { schema: { hide: true } }, async (request, reply) => {
    const file = files.get(request.params.file);
    if (!file) throw new ProblemError("not_found", `no such file: /ui/${request.params.file}`);
    return reply.type(file.type).header("cache-control", "no-cache").send(file.body);
  });
  app.get<{ Params: { file: string } }>(
    "/ui/vendor/:file",
    { schema: { hide: true } },
    async (request, reply) => {
      const path = vendor.get(request.params.file);
      if (!path) throw new ProblemError("not_found", `no such file: /ui/vendor/${request.params.file}`);
      let body = vendorCache.get(path);
      if (body === undefined) {
        body = await readFile(path, "utf8");
        vendorCache.set(path, body);
      }
      return reply
        .type(CONTENT_TYPES[".js"] as string)
        .header("cache-control", "public, max-age=86400")
        .send(body);
    },
  );
}
