/**
 * The trust facade, the one door to verification, recording, revocation, the audit log and the
 * registry for every edge (the HTTP service, the CLI, the demo). Edges import from here only; the
 * store behind it is the facade's business.
 *
 * @example
 * import { Trust } from "../trust/index.ts";
 * const trust = await Trust.open(loadConfig());
 * const decision = await trust.verify({ presentation, tool: "read_file", args: { path: "/srv/a" } });
 * await trust.close();
 */
export { StoreUnavailableError } from "./errors.ts";
export {
  type AgentToken,
  type AgentView,
  type AuditPage,
  type AuditPageQuery,
  argsHash,
  limitsOf,
  type Readiness,
  type RecordChainResult,
  type RevokeResult,
  type TokenSummary,
  Trust,
  type TrustOptions,
  type VerifyInput,
} from "./trust.ts";
