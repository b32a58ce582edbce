/**
 * The delegation graph model: pure functions from recorded tokens, revocations and audit decisions
 * to a graph of token trees with statuses, usage, narrowing diffs and risk findings. No I/O: the
 * facts and the time are passed in (`src/graph/` loads them from a store).
 */
export { type AgentViewOptions, agentView } from "./agent-view.ts";
export { agentRef, buildGraph, shortAgentId } from "./build-graph.ts";
export { DEFAULT_FINDING_OPTIONS, shortDuration, shortJti, wildcardPassthrough } from "./findings.ts";
export { narrowingOf } from "./narrowing.ts";
export type {
  GraphAuditEvent,
  GraphAuditQuery,
  GraphRevocation,
  GraphSource,
  GraphToken,
  GraphTokenQuery,
} from "./source.ts";
export { hashKey, RevocationIndex } from "./status.ts";
export { readTokenClaims, type TokenClaims } from "./token-claims.ts";
export * from "./types.ts";
export { type Call, readCall } from "./usage.ts";
