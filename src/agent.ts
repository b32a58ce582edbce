/**
 * `@baton-trust/agent`: what orchestrators and sub-agents import. Keys, the protocol verbs
 * (grant, derive, prove, approve), decoding a chain for inspection, and the HTTP client of a Baton
 * service (`TrustClient`: verify, record, revoke, approvals). No native module, no server
 * framework, no database driver.
 *
 * @example
 * import { Agent, Issuer } from "@baton-trust/agent";
 * const alice = new Issuer({ key: Agent.generate("alice").key, issuer: "https://people.example/alice" });
 * const orchestrator = Agent.generate("orchestrator");
 * const root = alice.grant({ to: orchestrator, intent: { id: "triage", purpose: "triage issues" },
 *   tools: ["search_issues"], ttl: "15m", maxDepth: 2 });
 * const presentation = orchestrator.prove(root, { tool: "search_issues", args: { q: "bug" } });
 *
 * @packageDocumentation
 */

// The protocol layer, named module by module (not the core barrel, which also holds internals):
// keys and thumbprint ids, the low-level verbs the Agent/Issuer methods wrap, decoding for
// inspection (decoded is not verified), capability types, and decisions (data with a stable code;
// BatonError is thrown only for misuse such as bad options or bad keys).
export { type CreateApprovalOptions, createApproval } from "./core/approval/approval.ts";
export {
  type DeriveOptions,
  derive,
  type GrantOptions,
  grant,
  type IssueResult,
  type Presentation,
  type ProveOptions,
  prove,
} from "./core/chain/issue.ts";
export type { Decision, TrustAnchor } from "./core/chain/options.ts";
export { readPresentation } from "./core/chain/verify.ts";
export type { ConstraintMap, ConstraintType, JsonValue, ToolsMap } from "./core/constraints/index.ts";
export { BatonError, DECISION_CODES, type DecisionCode } from "./core/errors.ts";
export { AgentKey, type PrivateJwk } from "./core/keys/agent-key.ts";
export { agentIdOf, jwkThumbprint, type PublicJwk } from "./core/keys/public-key.ts";
export type { RevocationTarget } from "./core/ports.ts";
export { type CreateRevocationRequestOptions, createRevocationRequest } from "./core/revocation/request.ts";
export type { AatClaims, Intent } from "./core/token/claims.ts";
export { decodeToken, type UnverifiedToken } from "./core/token/decode.ts";
export {
  Agent,
  type AgentApproveOptions,
  type AgentDeriveOptions,
  type AgentProveOptions,
  type Chain,
  type Recipient,
  type Tools,
} from "./sdk/agent.ts";
export { type Ttl, ttlSeconds } from "./sdk/duration.ts";
export { assertAllowed, BatonDenied } from "./sdk/errors.ts";
export { type GrantRequest, Issuer, type IssuerOptions } from "./sdk/issuer.ts";
export {
  type ApprovalsResult,
  type PendingApprovalEntry,
  type RecordedToken,
  type RecordResult,
  type Revocation,
  type RevokeOptions,
  type RevokeResult,
  type ServiceFailure,
  TrustClient,
  type TrustClientOptions,
} from "./sdk/trust-client.ts";
export type { BatonVerifier, VerifyRequest } from "./sdk/verifier.ts";
