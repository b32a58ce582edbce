/** `POST /v1/verify`: decide one tool call. A denial is a 200 with `allow: false`. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { JsonValue } from "../../core/constraints/index.ts";
import type { Trust } from "../../trust/index.ts";
import { decisionSchema, jsonResponse, problemResponse, verifyBodySchema } from "../schemas.ts";
import { decisionWire } from "../wire.ts";

export const verifyRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  app.post(
    "/v1/verify",
    {
      schema: {
        tags: ["verify"],
        operationId: "verifyCall",
        summary: "Verify a presentation for one tool call",
        description:
          "Runs AAT -02 §8 and the Baton profile (revocation, intent, approvals, usage) and audits the decision. The body is parsed as strict JSON: `args` numbers are checked as written.",
        body: verifyBodySchema,
        response: {
          200: jsonResponse(decisionSchema, "The decision (a denial too)"),
          400: problemResponse("Malformed body (invalid_request, malformed_json)"),
          413: problemResponse("Body too large"),
          415: problemResponse("Not application/json"),
        },
      },
    },
    async (request) => {
      const b = request.body;
      const end = app.metrics.verifySeconds.startTimer();
      const decision = await trust.verify({
        presentation: { aat_chain: b.aat_chain, aat_pop: b.aat_pop },
        tool: b.tool,
        args: b.args as Record<string, JsonValue>,
        // The approval gate reads one compact approval or a JSON array of them (m-of-n).
        ...(b.approval !== undefined
          ? { approval: typeof b.approval === "string" ? b.approval : JSON.stringify(b.approval) }
          : {}),
      });
      end();
      app.metrics.decisions.inc({ code: decision.code });
      return decisionWire(decision);
    },
  );
};
