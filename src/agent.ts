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

// The protocol layer: keys (AgentKey, thumbprint ids), the low-level verbs the Agent/Issuer methods
// wrap, decoding for inspection (decoded is not verified), capability types, and decisions (data
// with a stable code; BatonError is thrown only for misuse such as bad options or bad keys).
export {
  type AatClaims,
  AgentKey,
  agentIdOf,
  BatonError,
  type ConstraintMap,
  type ConstraintType,
  type CreateApprovalOptions,
  type CreateRevocationRequestOptions,
  createApproval,
  createRevocationRequest,
  DECISION_CODES,
  type Decision,
  type DecisionCode,
  type DeriveOptions,
  decodeToken,
  derive,
  type GrantOptions,
  grant,
  type Intent,
  type IssueResult,
  type JsonValue,
  jwkThumbprint,
  type Presentation,
  type PrivateJwk,
  type ProveOptions,
  type PublicJwk,
  prove,
  type RevocationTarget,
  readPresentation,
  type ToolsMap,
  type TrustAnchor,
  type UnverifiedToken,
} from "./core/index.ts";
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
export { TrustClient, type TrustClientOptions } from "./sdk/trust-client.ts";
export type { BatonVerifier, VerifyRequest } from "./sdk/verifier.ts";
