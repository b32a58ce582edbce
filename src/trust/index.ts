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
export { argsHash } from "./audit-data.ts";
export { StoreUnavailableError } from "./errors.ts";
export { limitsOf } from "./open.ts";
export { Trust } from "./trust.ts";
export type {
  AgentToken,
  AgentView,
  AuditPage,
  AuditPageQuery,
  Readiness,
  RecordChainResult,
  RevokeResult,
  TokenSummary,
  TrustOptions,
  VerifyInput,
} from "./types.ts";
