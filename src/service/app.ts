/**
 * The HTTP service, built but never listening (tests drive it with `app.inject`; `server.ts`
 * listens). Every body and query is a zod schema (validation, serialization, OpenAPI 3.1), every
 * error is problem+json from one handler, bodies are parsed as strict JSON.
 *
 * @example
 * const app = await buildApp(trust, { logger: false });
 * const res = await app.inject({ method: "POST", url: "/v1/verify", payload: { aat_chain, aat_pop, tool, args } });
 */
import { readFileSync } from "node:fs";
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { DEFAULT_BODY_LIMIT, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_MS } from "../config/schema.ts";
import type { Trust } from "../trust/index.ts";
import { installErrorHandler, sendProblem } from "./error-handler.ts";
import { type LogLevel, loggerOptions } from "./logging.ts";
import { docsPlugin } from "./plugins/docs.ts";
import { metricsPlugin } from "./plugins/metrics.ts";
import { type RateLimitOptions, securityPlugin } from "./plugins/security.ts";
import { strictJsonPlugin } from "./plugins/strict-json.ts";
import { ProblemError } from "./problems.ts";
import { agentRoutes } from "./routes/agents.ts";
import { approvalsRoutes } from "./routes/approvals.ts";
import { auditRoutes } from "./routes/audit.ts";
import { type GraphRoutesOptions, graphRoutes } from "./routes/graph.ts";
import { healthRoutes } from "./routes/health.ts";
import { revocationRoutes } from "./routes/revocations.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { verifyRoutes } from "./routes/verify.ts";

export interface AppOptions {
  /** false: no logs. Default: info level to stdout. `stream` receives the JSON lines (tests). */
  logger?: false | { level?: LogLevel; stream?: { write(line: string): void } };
  /** Maximum body size in bytes; default 1 MiB. */
  bodyLimit?: number;
  /** Limit of the mutating routes except /v1/verify; default 60 per minute per client; false disables it. */
  rateLimit?: RateLimitOptions | false;
  trustProxy?: boolean;
  /** Milliseconds to receive a whole request (headers and body); 0 disables. Default 30 000. */
  requestTimeoutMs?: number;
  /** Open sockets the HTTP server accepts (`server.maxConnections`). Default 1024. */
  maxConnections?: number;
  /** Also export process metrics (CPU, memory, event loop). Default false. */
  defaultMetrics?: boolean;
  /**
   * The delegation graph, its live events and the /ui inspector (`routes/graph.ts`), read through
   * the facade's `graph` (the core's `GraphSource` port). Default on; false leaves them out.
   */
  graph?: false | Omit<GraphRoutesOptions, "source" | "store" | "trust">;
  /**
   * More routes, registered after the built-in ones, under the same error handler, body parser
   * and zod compilers (so their schemas must be zod schemas to appear in /openapi.json).
   */
  routes?: { plugin: FastifyPluginAsync<Record<string, unknown>>; options?: Record<string, unknown> }[];
}

const VERSION = readVersion();

/** Builds the service over a trust facade. The app does not own the facade: close it yourself. */
export async function buildApp(trust: Trust, options: AppOptions = {}): Promise<FastifyInstance> {
  const logger =
    options.logger === false
      ? false
      : {
          ...loggerOptions(options.logger?.level ?? "info"),
          ...(options.logger?.stream ? { stream: options.logger.stream } : {}),
        };
  const app = Fastify({
    logger,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    // A client that trickles its request in cannot hold a socket and a parser forever. This bounds
    // receiving the request only: a long-lived /v1/events response is not cut by it.
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // On close: stop accepting, let in-flight requests finish, drop idle keep-alive sockets.
    forceCloseConnections: "idle",
    // Requests arriving while closing get a 503 problem from the hook below, not fastify's own body.
    return503OnClosing: false,
    // Errors raised before routing (a malformed URL) get the same problem+json as the rest.
    frameworkErrors: (error, _request, reply) => {
      sendProblem(reply, new ProblemError("bad_request", error.message).toProblem());
    },
  }) as unknown as FastifyInstance;
  // Beyond this many open sockets Node closes new connections at once (idle SSE readers included).
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  app.addHook("onRequest", async () => {
    if (closing) throw new ProblemError("not_ready", "the service is shutting down");
  });

  await app.register(strictJsonPlugin);
  await app.register(securityPlugin, { rateLimit: options.rateLimit ?? { max: 60, timeWindowMs: 60_000 } });
  await app.register(metricsPlugin, { trust, defaultMetrics: options.defaultMetrics ?? false });
  await app.register(docsPlugin, { version: VERSION });

  await app.register(verifyRoutes, { trust });
  await app.register(tokenRoutes, { trust });
  await app.register(revocationRoutes, { trust });
  await app.register(auditRoutes, { trust });
  await app.register(agentRoutes, { trust });
  await app.register(healthRoutes, { trust });
  await app.register(approvalsRoutes, { pending: trust.pending });
  if (options.graph !== false) await app.register(graphRoutes, { ...options.graph, trust });
  for (const r of options.routes ?? []) await app.register(r.plugin, r.options ?? {});
  return app;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}
