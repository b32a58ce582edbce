/** `POST /v1/tokens`: verify a chain statically and record its tokens (idempotent). */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Trust } from "../../trust/index.ts";
import { ProblemError } from "../problems.ts";
import { jsonResponse, problemResponse, recordBodySchema, recordResponseSchema } from "../schemas.ts";
import { tokenSummaryWire } from "../wire.ts";

export const tokenRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  app.post(
    "/v1/tokens",
    {
      config: { rateLimit: {} },
      schema: {
        tags: ["tokens"],
        operationId: "recordChain",
        summary: "Record a chain in the registry",
        description:
          "Verifies signatures, links and times (no PoP) and records every token; a token already recorded is left as is. An invalid chain is a 422 problem whose code is the verifier's. `holder_name` names the leaf's holder in the graph and /ui when it has no name yet.",
        body: recordBodySchema,
        response: {
          200: jsonResponse(recordResponseSchema, "The chain is recorded"),
          400: problemResponse("Malformed body"),
          422: problemResponse("The chain does not verify; `code` is a decision code"),
          429: problemResponse("Rate limited"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request) => {
      const name = request.body.holder_name;
      const r = await trust.recordChain(
        request.body.aat_chain,
        name !== undefined ? { holderName: name } : {},
      );
      if (!r.ok) throw new ProblemError(r.code, r.message, { step: r.step, token: r.token });
      return { recorded: r.recorded, tokens: r.tokens.map(tokenSummaryWire), holder_name: r.holderName };
    },
  );
};
