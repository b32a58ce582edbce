/** `GET /v1/audit` (paged, filtered) and `GET /v1/audit/check` (walks the hash chain). */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AuditPageQuery, Trust } from "../../trust/index.ts";
import {
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
    async () => {
      const r = await trust.checkAudit();
      return r.ok
        ? { ok: true as const, count: r.count, head_hash: r.headHash, checkpoints: r.checkpoints }
        : { ok: false as const, id: r.id, reason: r.reason, message: r.message };
    },
  );
};
