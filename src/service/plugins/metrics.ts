/**
 * Prometheus metrics on a registry of the app's own (several apps in one process do not collide):
 *
 * - `baton_decisions_total{code}`: verify decisions by code;
 * - `baton_verify_seconds`: time to decide one `/v1/verify` call;
 * - `baton_revocation_feed_lag_seconds`: age of this node's revocation set;
 * - `baton_store_errors_total{operation}`: failed store operations.
 *
 * Served at `GET /metrics` in the Prometheus text format.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Trust } from "../../trust/index.ts";

export interface BatonMetrics {
  registry: Registry;
  decisions: Counter<"code">;
  verifySeconds: Histogram<never>;
  feedLag: Gauge<never>;
  storeErrors: Counter<"operation">;
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: BatonMetrics;
  }
}

export interface MetricsOptions {
  trust: Trust;
  /** Process metrics (CPU, memory, event loop); default false. */
  defaultMetrics?: boolean;
}

async function metrics(app: FastifyInstance, o: MetricsOptions): Promise<void> {
  const registry = new Registry();
  const m: BatonMetrics = {
    registry,
    decisions: new Counter({
      name: "baton_decisions_total",
      help: "Verify decisions, by decision code",
      labelNames: ["code"],
      registers: [registry],
    }),
    verifySeconds: new Histogram({
      name: "baton_verify_seconds",
      help: "Time to decide one /v1/verify call",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    feedLag: new Gauge({
      name: "baton_revocation_feed_lag_seconds",
      help: "Age of this node's revocation set (time since its last complete catch-up)",
      registers: [registry],
      collect() {
        const { ageMs } = o.trust.revocationFreshness();
        // Before the first sync the age is infinite; report it as such (Prometheus accepts +Inf).
        this.set(ageMs / 1000);
      },
    }),
    storeErrors: new Counter({
      name: "baton_store_errors_total",
      help: "Store operations that failed",
      labelNames: ["operation"],
      registers: [registry],
    }),
  };
  if (o.defaultMetrics) collectDefaultMetrics({ register: registry });
  const unsubscribe = o.trust.onStoreError((operation) => m.storeErrors.inc({ operation }));
  app.addHook("onClose", async () => {
    unsubscribe();
  });
  app.decorate("metrics", m);
}

export const metricsPlugin = fp(metrics, { name: "baton-metrics", fastify: "5.x" });
