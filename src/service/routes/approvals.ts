/**
 * `GET /v1/approvals`: the pending-approval work list, for approvers and their tools.
 *
 * The route discloses which agents wait on which tools (not the arguments: only their hash), so
 * a deployment should put it behind the same network controls as its other operator routes.
 *
 * @example
 * await app.register(approvalsRoutes, { pending: trust.pending });
 * // GET /v1/approvals → 200 {"approvals": [{pop_hash, tool, args_hash, intent, holder, reason, at, expires_at}]}
 */
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { PendingApprovals } from "../../policy/pending.ts";

export interface ApprovalsRoutesOptions {
  pending: PendingApprovals;
  /** Unix seconds; default the system clock. */
  now?: () => number;
}

/** One waiting call. The response schema doubles as a leak guard: nothing else goes out. */
export const pendingApprovalSchema = z.strictObject({
  pop_hash: z.string().describe("What an approval must bind: b64url SHA-256 of the compact PoP"),
  tool: z.string(),
  args_hash: z.string().describe("b64url SHA-256 of JCS(args); the arguments themselves are not kept"),
  intent: z.string().nullable(),
  holder: z.string().nullable(),
  reason: z.string(),
  at: z.int(),
  expires_at: z.int(),
});

/** Adds `GET /v1/approvals` to an app built with the zod type provider. */
export const approvalsRoutes: FastifyPluginAsyncZod<ApprovalsRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  app.get(
    "/v1/approvals",
    {
      schema: {
        tags: ["approvals"],
        operationId: "listPendingApprovals",
        summary: "Calls waiting for a step-up approval",
        description:
          "Calls that were denied `approval_required` on this node and have not been permitted since, until their PoP leaves the freshness window.",
        response: {
          200: {
            description: "The pending approvals",
            content: {
              "application/json": { schema: z.strictObject({ approvals: z.array(pendingApprovalSchema) }) },
            },
          },
        },
      },
    },
    async () => ({ approvals: opts.pending.list(now()) }),
  );
};
