import type { JsonValue } from "../constraints/index.ts";
import type { DecisionCode } from "../errors.ts";

export type { Decision } from "../decision/decision.ts";

import type { PublicJwk } from "../keys/public-key.ts";
import type { NonceCheck, PermitLedger, RevocationCheck } from "../ports.ts";
import type { VerifiedToken } from "./verified-token.ts";

/** A trust anchor (§3.2, §9.3): the root issuer URI bound to its public key. */
export interface TrustAnchor {
  issuer: string;
  jwk: PublicJwk;
}

/** Limits of §7.4/§8 and App. B.5. All finite; defaults are the draft's recommendations. */
export interface VerifyLimits {
  maxTokenSize: number;
  maxChainSize: number;
  maxDelegationDepth: number;
  maxConstraintDepth: number;
  /** Clauses of one `all`/`any` (3n/4o, `constraint_too_large`). */
  maxCompositeClauses: number;
  /** Constraint nodes in one argument's constraint tree (3n/4o). */
  maxArgumentNodes: number;
  /** Constraint nodes in one token's whole `tools` map (3n/4o). */
  maxConstraintNodes: number;
  /** Seconds a token's iat may lie in the future. */
  maxIatSkew: number;
  /** Seconds between a token's iat and exp, at most. */
  maxTokenLifetime: number;
  /** Two-sided PoP freshness window, in seconds. */
  popWindow: number;
}

export const DEFAULT_LIMITS: Readonly<VerifyLimits> = Object.freeze({
  maxTokenSize: 65_536,
  maxChainSize: 262_144,
  maxDelegationDepth: 8,
  maxConstraintDepth: 32,
  maxCompositeClauses: 32,
  maxArgumentNodes: 64,
  maxConstraintNodes: 1024,
  maxIatSkew: 30,
  maxTokenLifetime: 7_776_000,
  popWindow: 30,
});

/** Enforcement-point options that change per deployment (the vectors' `policy`). */
export interface VerifyPolicy {
  /**
   * Deny a PoP without `aat_aud` (7d). Default: required whenever no token of the chain carries
   * `aud`; `true` requires it always, `false` never.
   */
  requirePopAud?: boolean;
  /** Deny a chain in which no token carries `aud` (6c). */
  requireChainAud?: boolean;
  /** Nonces this EP issued; when set, a PoP must carry one it accepts (7h). */
  nonces?: NonceCheck;
  /** Deny chains whose root is not bound to a Baton intent. */
  requireIntent?: boolean;
  /** Which tools get PoP jti replay tracking (7i) when a ledger is given. Default: all. */
  trackReplay?: (tool: string) => boolean;
}

/** What a step-up approval gate or request-time policy sees about a call that passed the chain. */
export interface CallContext {
  tool: string;
  args: Record<string, JsonValue>;
  tokens: readonly VerifiedToken[];
  /** b64url SHA-256 of the PoP's compact form: what an approval is bound to. */
  popHash: string;
  popJti: string;
  intent?: string;
  /** The step-up approval presented with the call, if any (for gates and policies). */
  approval?: string;
  /** Approval patterns of the chain that match this tool. */
  approvalPatterns: string[];
  now: number;
}

export type GateResult = null | { code: Exclude<DecisionCode, "permitted">; message: string; step?: string };

/**
 * Step-up approval (Baton profile). Called only when some token's approval pattern matches the tool.
 * Without a gate, such a call is `approval_required`.
 */
export interface ApprovalGate {
  check(ctx: CallContext, approval: string | undefined): GateResult | Promise<GateResult>;
}

/** Request-time policy (e.g. Cedar), evaluated after the chain permits the call. */
export interface RequestPolicy {
  evaluate(ctx: CallContext): GateResult | Promise<GateResult>;
}

/** Everything a verification needs; the world (time, state) is passed in. */
export interface VerifyOptions {
  trustAnchors: readonly TrustAnchor[];
  /** This enforcement point's identifier(s), matched exactly against `aud` and `aat_aud`. */
  audience: string | readonly string[];
  limits?: Partial<VerifyLimits>;
  policy?: VerifyPolicy;
  revocation?: RevocationCheck;
  ledger?: PermitLedger;
  approvals?: ApprovalGate;
  rules?: RequestPolicy;
}

/** One call to verify. */
export interface VerifyCall {
  /** `{aat_chain: string[], aat_pop: string}`, untrusted. */
  presentation: unknown;
  tool: string;
  args: Record<string, JsonValue>;
  /** Unix time in seconds. */
  now: number;
  /** A step-up approval token, if the caller has one. */
  approval?: string;
}
