/**
 * What agents and tool servers import: keys and the protocol verbs (`Agent`, `Issuer`), one
 * verification interface in process (`LocalVerifier`) or over HTTP (`TrustClient`), the fastify
 * guard and the MCP adapter, plus step-up approvals.
 */
export {
  APPROVAL_TYP,
  type ApprovalGateOptions,
  approvalArgsHash,
  approvalGate,
  type ConsumeApproval,
  createApproval,
  memoryConsume,
} from "../core/approval/approval.ts";
export type { Presentation } from "../core/chain/issue.ts";
export type { Decision, TrustAnchor } from "../core/chain/options.ts";
export {
  Agent,
  type AgentApproveOptions,
  type AgentDeriveOptions,
  type AgentProveOptions,
  type Chain,
  type Recipient,
  type Tools,
} from "./agent.ts";
export { type Ttl, ttlSeconds } from "./duration.ts";
export { assertAllowed, BatonDenied } from "./errors.ts";
export {
  BATON_BODY_MEMBER,
  type BatonGuardOptions,
  batonGuard,
  type GuardProblem,
  problemOf,
} from "./fastify-guard.ts";
export { type GrantRequest, Issuer, type IssuerOptions } from "./issuer.ts";
export {
  APPROVAL_META,
  type BatonToolCall,
  callToolWithBaton,
  DECISION_META,
  decisionOf,
  deniedResult,
  type GuardMcpOptions,
  guardMcpServer,
  PRESENTATION_META,
} from "./mcp.ts";
export { TrustClient, type TrustClientOptions } from "./trust-client.ts";
export {
  type BatonVerifier,
  LocalVerifier,
  type LocalVerifierOptions,
  type VerifyFacade,
  type VerifyRequest,
} from "./verifier.ts";
