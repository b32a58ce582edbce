/**
 * `POST /v1/revocations`: apply a signed revocation request (201 new, 200 already revoked; a
 * refusal is a 403 problem with a revocation code). `GET /v1/revocations?after=SEQ`: the feed.
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Trust } from "../../trust/index.ts";
import { ProblemError } from "../problems.ts";
import {
  jsonResponse,
  problemResponse,
  revocationFeedSchema,
  revocationRecordSchema,
  revocationsQuerySchema,
  revokeBodySchema,
} from "../schemas.ts";
import { revocationWire } from "../wire.ts";

export const revocationRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  app.post(
    "/v1/revocations",
    {
      config: { rateLimit: {} },
      schema: {
        tags: ["revocations"],
        operationId: "revoke",
        summary: "Revoke a token, an agent or an intent",
        description:
          "The body carries a compact JWS, typ \"baton-revoke+jwt\", payload {jti, iat, aud, target: {kind, id}, chain, reason?} where aud is this service's id, signed by an admin key, the trust anchor of the carried chain's root (inside its own trees), or an agent the carried chain places above the target; a revoked key has no authority (see specs/http.md). Revocations are permanent and idempotent.",
        body: revokeBodySchema,
        response: {
          200: jsonResponse(revocationRecordSchema, "The target was already revoked: the first record"),
          201: jsonResponse(revocationRecordSchema, "A new revocation"),
          400: problemResponse("Malformed body"),
          403: problemResponse("The request is refused; `code` is a revocation code"),
          429: problemResponse("Rate limited"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request, reply) => {
      const r = await trust.revoke(request.body.request);
      if (!r.ok) throw new ProblemError(r.code, r.message);
      reply.status(r.created ? 201 : 200);
      return revocationWire(r.record);
    },
  );

  app.get(
    "/v1/revocations",
    {
      schema: {
        tags: ["revocations"],
        operationId: "listRevocations",
        summary: "The revocation feed",
        description: "Revocations with seq > after, ascending. Continue with after = last_seq.",
        querystring: revocationsQuerySchema,
        response: {
          200: jsonResponse(revocationFeedSchema, "The feed page"),
          400: problemResponse("Bad query"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request) => {
      const { after, limit } = request.query;
      const r = await trust.revocations(after ?? 0, limit ?? 1000);
      return { revocations: r.revocations.map(revocationWire), last_seq: r.lastSeq };
    },
  );
};
