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
  type ApprovalGate,
  type ApprovalGateOptions,
  approvalArgsHash,
  approvalGate,
  type CallContext,
  type ConsumeApproval,
  DECISION_CODES,
  DEFAULT_LIMITS,
  type Decision,
  type DecisionCode,
  type JsonValue,
  MemoryLedger,
  memoryConsume,
  type Presentation,
  type RequestPolicy,
  type TrustAnchor,
  Verifier,
  type VerifyLimits,
  type VerifyOptions,
  type VerifyPolicy,
} from "./core/index.ts";
export { assertAllowed, BatonDenied } from "./sdk/errors.ts";
export { TrustClient, type TrustClientOptions } from "./sdk/trust-client.ts";
export {
  type BatonVerifier,
  LocalVerifier,
  type LocalVerifierOptions,
  type VerifyFacade,
  type VerifyRequest,
} from "./sdk/verifier.ts";
