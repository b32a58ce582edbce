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

export { AUDIT_EVENT_TYPES, type AuditEventType } from "../core/audit/index.ts";
export type { Graph } from "../core/graph/types.ts";
export type { IntentList, IntentSummary } from "../graph/load.ts";
/** Store records as the facade hands them out (types only: edges never hold the store). */
export type {
  AuditCheckpointRecord,
  AuditCheckResult,
  AuditEvent,
  AuditFilter,
  RevocationRecord,
  TokenInput,
  TokenQuery,
  TokenRecord,
} from "../store/types.ts";
export { argsHash } from "./audit-data.ts";
export { StoreUnavailableError } from "./errors.ts";
export { limitsOf } from "./open.ts";
export { Trust } from "./trust.ts";
export type {
  AgentToken,
  AgentView,
  AuditPage,
  AuditPageQuery,
  ChangeSource,
  CheckpointPage,
  GraphReadOptions,
  Readiness,
  RecordChainResult,
  RevokeResult,
  TokenSummary,
  TrustOptions,
  VerifyInput,
} from "./types.ts";
