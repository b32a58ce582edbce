/**
 * `GET /v1/audit` (paged, filtered), `GET /v1/audit/check` (walks the hash chain and holds it
 * against the signed head checkpoints), `POST /v1/audit/check` (the same, with checkpoints kept
 * elsewhere) and `GET /v1/audit/checkpoints` (the stored checkpoints, to keep a copy outside).
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AuditCheckResult, AuditPageQuery, Trust } from "../../trust/index.ts";
import {
  auditCheckBodySchema,
  auditCheckpointPageSchema,
  auditCheckpointQuerySchema,
  auditCheckSchema,
  auditPageSchema,
  auditQuerySchema,
  jsonResponse,
  problemResponse,
} from "../schemas.ts";

export const auditRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  app.get(
    "/v1/audit",
    {
      schema: {
        tags: ["audit"],
        summary: "List audit events",
        description:
          "Oldest first. Decision events carry args_sha256 (SHA-256 of the JCS arguments), never the arguments. Page with `after` = the previous page's `next`.",
        querystring: auditQuerySchema,
        response: {
          200: jsonResponse(auditPageSchema, "A page of events"),
          400: problemResponse("Bad query"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const query: AuditPageQuery = {};
      if (q.intent !== undefined) query.intent = q.intent;
      if (q.agent !== undefined) query.agent = q.agent;
      if (q.type !== undefined) query.type = q.type;
      if (q.from !== undefined) query.from = q.from;
      if (q.to !== undefined) query.to = q.to;
      if (q.after !== undefined) query.after = q.after;
      if (q.limit !== undefined) query.limit = q.limit;
      return trust.audit(query);
    },
  );

  app.get(
    "/v1/audit/check",
    {
      schema: {
        tags: ["audit"],
        summary: "Check the audit hash chain",
        description:
          "200 either way: {ok: true, count, head_hash, checkpoints} or the first broken event. The chain is walked in pages and held against every signed head checkpoint; a head below one is `tail_missing` (see specs/audit.md).",
        response: {
          200: jsonResponse(auditCheckSchema, "The check result (a broken chain too)"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async () => checkResult(await trust.checkAudit()),
  );

  app.post(
    "/v1/audit/check",
    {
      schema: {
        tags: ["audit"],
        summary: "Check the audit hash chain against checkpoints kept elsewhere",
        description:
          "Like GET, and also holds the log against the given checkpoints (an earlier export of GET /v1/audit/checkpoints): a head below one of them is `tail_missing`, even when the stored checkpoints were deleted too.",
        body: auditCheckBodySchema,
        response: {
          200: jsonResponse(auditCheckSchema, "The check result (a broken chain too)"),
          400: problemResponse("Bad body"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request) => checkResult(await trust.checkAudit({ checkpoints: request.body.checkpoints })),
  );

  app.get(
    "/v1/audit/checkpoints",
    {
      schema: {
        tags: ["audit"],
        summary: "List the signed audit head checkpoints",
        description:
          "Oldest first. Keep a copy outside this service's database (`baton audit export --checkpoints`): checked against it later, the log cannot lose its tail unnoticed.",
        querystring: auditCheckpointQuerySchema,
        response: {
          200: jsonResponse(auditCheckpointPageSchema, "A page of checkpoints"),
          400: problemResponse("Bad query"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request) => {
      const q = request.query;
      return trust.auditCheckpoints({
        ...(q.after !== undefined ? { after: q.after } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
      });
    },
  );
};

/** The wire spelling of a check result. */
function checkResult(r: AuditCheckResult) {
  return r.ok
    ? { ok: true as const, count: r.count, head_hash: r.headHash, checkpoints: r.checkpoints }
    : { ok: false as const, id: r.id, reason: r.reason, message: r.message };
}
