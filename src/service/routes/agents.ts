/** `GET /v1/agents/:id`: tokens issued and held, revocation status, display name. */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Trust } from "../../trust/index.ts";
import { ProblemError } from "../problems.ts";
import { agentParamsSchema, agentSchema, jsonResponse, problemResponse } from "../schemas.ts";
import { agentWire } from "../wire.ts";

export const agentRoutes: FastifyPluginAsyncZod<{ trust: Trust }> = async (app, { trust }) => {
  app.get(
    "/v1/agents/:id",
    {
      schema: {
        tags: ["agents"],
        operationId: "getAgent",
        summary: "Describe an agent",
        description: "The id is the agent's RFC 9278 thumbprint URI, URL-encoded.",
        params: agentParamsSchema,
        response: {
          200: jsonResponse(agentSchema, "The agent"),
          404: problemResponse("The service knows nothing about this agent"),
          503: problemResponse("Store unavailable"),
        },
      },
    },
    async (request) => {
      const view = await trust.agent(request.params.id);
      if (!view)
        throw new ProblemError(
          "agent_not_found",
          `no token, name or revocation is known for agent "${request.params.id}"`,
        );
      return agentWire(view);
    },
  );
};
