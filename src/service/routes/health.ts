/** `GET /healthz` (the process is up), `GET /readyz` (store reachable, revocation state fresh), `GET /metrics`. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Trust } from "../../trust/index.ts";
import { ProblemError } from "../problems.ts";
import { healthSchema, jsonResponse, problemResponse, readySchema } from "../schemas.ts";

export const healthRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  app.get(
    "/healthz",
    {
      logLevel: "warn",
      schema: {
        tags: ["operations"],
        operationId: "getHealth",
        summary: "Liveness",
        response: { 200: jsonResponse(healthSchema, "The process is up") },
      },
    },
    async () => ({ ok: true as const }),
  );

  app.get(
    "/readyz",
    {
      logLevel: "warn",
      schema: {
        tags: ["operations"],
        operationId: "getReadiness",
        summary: "Readiness",
        description:
          "200 when the store answers and the revocation state is fresh; 503 problem (not_ready) otherwise.",
        response: { 200: jsonResponse(readySchema, "Ready"), 503: problemResponse("Not ready") },
      },
    },
    async () => {
      const r = await trust.ready();
      if (!r.ok) {
        const why = !r.store.ok
          ? "the store does not answer"
          : `the revocation state is ${Number.isFinite(r.revocation.ageMs) ? `${r.revocation.ageMs} ms old` : "not loaded yet"}`;
        throw new ProblemError("not_ready", why);
      }
      return {
        ok: true,
        store: { ok: true },
        revocation: {
          stale: r.revocation.stale,
          age_ms: Number.isFinite(r.revocation.ageMs) ? r.revocation.ageMs : null,
          last_seq: r.revocation.lastSeq,
        },
      };
    },
  );

  app.get(
    "/metrics",
    {
      logLevel: "warn",
      schema: {
        tags: ["operations"],
        operationId: "getMetrics",
        summary: "Prometheus metrics",
        response: {
          200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } },
        },
      },
    },
    async (_request, reply) => {
      const text = await app.metrics.registry.metrics();
      return reply.type(app.metrics.registry.contentType).send(text);
    },
  );
};
