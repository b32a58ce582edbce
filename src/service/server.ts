/**
 * Runs the service: opens the configured store and revocation feed, builds the app, listens, and
 * shuts down gracefully on SIGINT/SIGTERM (stops accepting, finishes in-flight requests, closes
 * the feed and the store). The CLI's `baton serve` (and so `npm start`) calls `startServer`.
 *
 * @example
 * const server = await startServer(loadConfig({ trustAnchorsPath: "anchors.json" }));
 * console.log(server.url); // http://127.0.0.1:7420
 * await server.close();
 */
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { type BatonConfig, checkServiceAudience } from "../config/schema.ts";
import { Trust, type TrustOptions } from "../trust/index.ts";
import { type AppOptions, buildApp } from "./app.ts";

export interface StartServerOptions {
  /** Install SIGINT/SIGTERM handlers that close the server. Default true. */
  signals?: boolean;
  /** Override the logger (default: config.server.logLevel to stdout). */
  logger?: AppOptions["logger"];
  /** Use this facade instead of opening one from the config (it is closed with the server). */
  trust?: Trust;
  /** Passed to `Trust.open` when no facade is given (request policy, approval gate, observers). */
  trustOptions?: Partial<TrustOptions>;
  /** More routes (see `AppOptions.routes`). */
  routes?: AppOptions["routes"];
  /** How often expired replay keys and token revocations are pruned; default 60 000 ms. 0 disables. */
  pruneIntervalMs?: number;
  /** After a signal, force the exit if shutdown takes longer; default 10 000 ms. */
  shutdownTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://host:port` as bound (port 0 resolved). */
  url: string;
  app: FastifyInstance;
  trust: Trust;
  /** Stops accepting, waits for in-flight requests, closes the store. Idempotent. */
  close(): Promise<void>;
}

export const NO_ANCHORS_HINT =
  'no trust anchors configured: every verify will deny. Start with --trust anchors.json (a JSON array of {"issuer", "jwk"}) or set BATON_TRUST_ANCHORS';

/** Starts the service on `config.server.host:port`. */
export async function startServer(
  config: BatonConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  // A defaulted audience on a reachable host with anchors or admin keys: ConfigError, before anything opens.
  const audienceWarning = checkServiceAudience(config);
  const trust = options.trust ?? (await Trust.open(config, options.trustOptions));
  let app: FastifyInstance;
  try {
    app = await buildApp(trust, {
      logger: options.logger ?? { level: config.server.logLevel },
      bodyLimit: config.server.bodyLimit,
      rateLimit: config.server.rateLimit,
      trustProxy: config.server.trustProxy,
      requestTimeoutMs: config.server.requestTimeoutMs,
      maxConnections: config.server.maxConnections,
      graph: { sse: config.server.sse },
      defaultMetrics: true,
      ...(options.routes ? { routes: options.routes } : {}),
    });
    if (config.trustAnchors.length === 0) app.log.warn(NO_ANCHORS_HINT);
    if (audienceWarning !== null) app.log.warn(audienceWarning);
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    await trust.close();
    throw e;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  app.log.info(
    { url, backend: trust.backend, anchors: config.trustAnchors.length, audience: config.audience },
    "baton listening",
  );

  const pruneEvery = options.pruneIntervalMs ?? 60_000;
  const pruner =
    pruneEvery > 0
      ? setInterval(() => {
          trust.prune().catch((e: unknown) => app.log.warn({ err: e }, "prune failed"));
        }, pruneEvery)
      : null;
  pruner?.unref();

  let closing: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      app.log.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    app.log.info({ signal }, "shutting down");
    const timer = setTimeout(() => {
      app.log.error("shutdown timed out; exiting");
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 10_000);
    timer.unref();
    void close().then(
      () => {
        clearTimeout(timer);
        app.log.info("stopped");
      },
      (e: unknown) => {
        app.log.error({ err: e }, "shutdown failed");
        process.exitCode = 1;
      },
    );
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (pruner) clearInterval(pruner);
      if (options.signals !== false) {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      try {
        await app.close();
      } finally {
        await trust.close();
      }
    })();
    return closing;
  };
  if (options.signals !== false) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return { url, app, trust, close };
}
