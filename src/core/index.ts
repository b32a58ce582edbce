/**
 * Baton's pure protocol core: AAT -02 tokens with the Baton profile, derivation, proof of
 * possession and the explaining chain verifier. No I/O: time, state and keys are passed in.
 */

export * from "./approval/index.ts";
export {
  type DeriveOptions,
  derive,
  type GrantOptions,
  grant,
  type IssueResult,
  type Presentation,
  type ProveOptions,
  prove,
  uuidv7,
} from "./chain/issue.ts";
export { MemoryLedger } from "./chain/memory-ledger.ts";
export {
  type ApprovalGate,
  type CallContext,
  DEFAULT_LIMITS,
  type GateResult,
  type RequestPolicy,
  type TrustAnchor,
  type VerifyCall,
  type VerifyLimits,
  type VerifyOptions,
  type VerifyPolicy,
} from "./chain/options.ts";
export type { DecodedToken, VerifiedToken } from "./chain/verified-token.ts";
export { readPresentation, type Verification, Verifier } from "./chain/verify.ts";
export { checkChainTimes, VerifiedTokenCache, verifyChainStatic } from "./chain/verify-chain.ts";
export * from "./constraints/index.ts";
export {
  type Decision,
  type DecisionContext,
  type DenialInit,
  decisionFromJSON,
  decisionSchema,
  decisionToJSON,
  deny,
  type Evidence,
  permit,
  unavailable,
} from "./decision/index.ts";
export { b64urlDecode, b64urlEncode, jcs, sha256b64u, sha256hex } from "./encoding.ts";
export { BatonError, DECISION_CODES, type DecisionCode } from "./errors.ts";
export { isAdmissible, parseStrictJson } from "./json/strict-json.ts";
export { AgentKey, type PrivateJwk } from "./keys/agent-key.ts";
export {
  agentIdOf,
  importPublicJwk,
  jwkThumbprint,
  type PublicJwk,
  type PublicKey,
  THUMBPRINT_URI_PREFIX,
} from "./keys/public-key.ts";
export type * from "./ports.ts";
export * from "./revocation/index.ts";
export { type AatClaims, type BatonClaims, type Intent, matchesPattern } from "./token/claims.ts";
export { decodeToken, type UnverifiedToken } from "./token/decode.ts";
export { AAT_TYP, ALG, linkHash, POP_TYP, signCompact, splitCompact } from "./token/jws.ts";
