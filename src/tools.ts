/**
 * `@baton-trust/tools`: what a tool server imports to admit only authorised calls. One
 * verification interface (`BatonVerifier`) in process (`LocalVerifier`, the core chain verifier) or
 * over HTTP (`TrustClient`), plus approval gates. The adapters have their own entries so that this
 * one needs neither framework: `@baton-trust/tools/fastify` (the guard; peer `fastify`) and
 * `@baton-trust/tools/mcp` (the MCP adapter; peer `@modelcontextprotocol/sdk`).
 *
 * @example
 * import { LocalVerifier } from "@baton-trust/tools";
 * const verifier = new LocalVerifier({ trustAnchors: [anchor], audience: "https://tools.example" });
 * const decision = await verifier.verify({ presentation, tool: "write_file", args });
 * if (!decision.allow) console.log(decision.code, decision.message);
 *
 * @packageDocumentation
 */

export {
  APPROVAL_TYP,
  type ApprovalGateOptions,
  approvalArgsHash,
  approvalGate,
  type ConsumeApproval,
  memoryConsume,
} from "./core/approval/approval.ts";
export type { Presentation } from "./core/chain/issue.ts";
export { MemoryLedger } from "./core/chain/memory-ledger.ts";
export {
  type ApprovalGate,
  type CallContext,
  DEFAULT_LIMITS,
  type Decision,
  type RequestPolicy,
  type TrustAnchor,
  type VerifyLimits,
  type VerifyOptions,
  type VerifyPolicy,
} from "./core/chain/options.ts";
export { Verifier } from "./core/chain/verify.ts";
export type { JsonValue } from "./core/constraints/index.ts";
export { DECISION_CODES, type DecisionCode } from "./core/errors.ts";
export { assertAllowed, BatonDenied } from "./sdk/errors.ts";
export { TrustClient, type TrustClientOptions } from "./sdk/trust-client.ts";
export {
  type BatonVerifier,
  LocalVerifier,
  type LocalVerifierOptions,
  type VerifyFacade,
  type VerifyRequest,
} from "./sdk/verifier.ts";
