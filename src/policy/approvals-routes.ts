/**
 * `GET /v1/approvals`: the pending-approval work list, for approvers and their tools.
 *
 * The route discloses which agents wait on which tools (not the arguments: only their hash), so
 * the service must put it behind the same authentication as its other admin routes.
 *
 * @example
 * const pending = new PendingApprovals();
 * await app.register(approvalsRoutes, { pending });
 * // GET /v1/approvals → 200 {"approvals": [{pop_hash, tool, args_hash, intent, holder, reason, at, expires_at}]}
 */
import type { FastifyPluginAsync } from "fastify";
import type { PendingApprovals } from "./pending.ts";

export interface ApprovalsRoutesOptions {
  pending: PendingApprovals;
  /** Unix seconds; default the system clock. */
  now?: () => number;
}

const entrySchema = {
  type: "object",
  required: ["pop_hash", "tool", "args_hash", "intent", "holder", "reason", "at", "expires_at"],
  additionalProperties: false,
  properties: {
    pop_hash: { type: "string" },
    tool: { type: "string" },
    args_hash: { type: "string" },
    intent: { type: ["string", "null"] },
    holder: { type: ["string", "null"] },
    reason: { type: "string" },
    at: { type: "integer" },
    expires_at: { type: "integer" },
  },
} as const;

/** Adds `GET /v1/approvals` to an app. The response schema doubles as a leak guard. */
export const approvalsRoutes: FastifyPluginAsync<ApprovalsRoutesOptions> = async (app, opts) => {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  app.get(
    "/v1/approvals",
    {
      schema: {
        response: {
          200: {
            type: "object",
            required: ["approvals"],
            properties: { approvals: { type: "array", items: entrySchema } },
          },
        },
      },
    },
    async () => ({ approvals: opts.pending.list(now()) }),
  );
};
