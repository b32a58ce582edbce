/**
 * `GET /v1/audit` (paged, filtered), `GET /v1/audit/check` (walks the hash chain and holds it
 * against the signed head checkpoints), `POST /v1/audit/check` (the same, with checkpoints kept
 * elsewhere) and `GET /v1/audit/checkpoints` (the stored checkpoints, to keep a copy outside).
 */
import { createHash } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AuditCheckResult, AuditPageQuery, Trust } from "../../trust/index.ts";
import { ProblemError } from "../problems.ts";
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

/**
 * Single flight for whole-log checks: one walk runs at a time per app. A request for the same check
 * (every GET; a POST with the very same checkpoint list) joins the running walk and gets its result;
 * any other check while one runs is refused 429 `rate_limited`.
 */
export class AuditCheckFlight {
  readonly #trust: Trust;
  #running: { key: string; result: Promise<AuditCheckResult> } | null = null;

  constructor(trust: Trust) {
    this.#trust = trust;
  }

  /** Whether a walk is running now. */
  get busy(): boolean {
    return this.#running !== null;
  }

  run(checkpoints?: readonly string[]): Promise<AuditCheckResult> {
    const key =
      checkpoints === undefined
        ? "stored"
        : `given:${createHash("sha256").update(JSON.stringify(checkpoints)).digest("base64url")}`;
    const running = this.#running;
    if (running !== null) {
      if (running.key === key) return running.result;
      throw new ProblemError(
        "rate_limited",
        "an audit check with other checkpoints is running on this node; retry when it has finished",
      );
    }
    const result = this.#trust.checkAudit(checkpoints !== undefined ? { checkpoints } : {});
    const entry = { key, result };
    this.#running = entry;
    const clear = (): void => {
      if (this.#running === entry) this.#running = null;
    };
    result.then(clear, clear);
    return result;
  }
}

export const auditRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  const flight = new AuditCheckFlight(trust);

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
          "200 either way: {ok: true, count, head_hash, checkpoints} or the first broken event. The chain is walked in pages and held against every signed head checkpoint of a trusted node (this node and `audit.trustedNodes`); a head below one is `tail_missing`, and `checkpoints.stalled` says this node stopped signing (see specs/audit.md). One walk runs at a time: concurrent GETs share it; rate-limited.",
        response: {
          200: jsonResponse(auditCheckSchema, "The check result (a broken chain too)"),
          429: problemResponse("Rate limited, or another check (with other checkpoints) is running"),
          503: problemResponse("Store unavailable"),
        },
      },
      config: { rateLimit: {} },
    },
    async () => checkResult(await flight.run()),
  );

  app.post(
    "/v1/audit/check",
    {
      schema: {
        tags: ["audit"],
        summary: "Check the audit hash chain against checkpoints kept elsewhere",
        description:
          "Like GET, and also holds the log against the given checkpoints (an earlier export of GET /v1/audit/checkpoints): a head below one of them is `tail_missing`, even when the stored checkpoints were deleted too. A given checkpoint not signed by a trusted node is `checkpoint_invalid`. While another check runs, the same checkpoint list joins it and any other is 429; rate-limited.",
        body: auditCheckBodySchema,
        response: {
          200: jsonResponse(auditCheckSchema, "The check result (a broken chain too)"),
          400: problemResponse("Bad body"),
          429: problemResponse("Rate limited, or another check is running"),
          503: problemResponse("Store unavailable"),
        },
      },
      config: { rateLimit: {} },
    },
    async (request) => checkResult(await flight.run(request.body.checkpoints)),
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
