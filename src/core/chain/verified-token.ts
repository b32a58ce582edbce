import type { AatClaims } from "../token/claims.ts";
import type { JwsParts } from "../token/jws.ts";

/**
 * A token decoded into its claims. On its own this says nothing about its signature: `decodeToken`
 * yields one for inspection (and for a holder deriving from a chain it trusts). Only the chain
 * verifier turns it into a {@link VerifiedToken}.
 */
export interface DecodedToken {
  readonly index: number;
  readonly parts: JwsParts;
  readonly claims: AatClaims;
  /** b64url SHA-256 of the signing input: the child's par_hash / the PoP's aat_hash. */
  readonly hash: string;
  /** Whether the header carries the Baton profile marker. */
  readonly baton: boolean;
  /** Agent id (or, for the root, issuer URI) that signed this token. */
  readonly issuer: string;
  /**
   * The usage limit in force at this token: its own `baton_max_uses`, else the nearest ancestor's
   * (B4 compares a child's limit with it). Undefined when no token up to here carries a limit.
   */
  readonly usageCeiling?: number;
  /** Root only: agent id (thumbprint URI) of the trust-anchor key whose signature verified. */
  readonly anchorKeyId?: string;
}

declare const verified: unique symbol;

/**
 * A token whose signature, claims and link to its (verified) parent have been checked — all but the
 * time-dependent checks, which run on every call. Branded: a `DecodedToken` cannot be passed where a
 * `VerifiedToken` is required, and only `verifyChainStatic` creates one (via {@link sealVerified}).
 */
export type VerifiedToken = DecodedToken & { readonly [verified]: true };

/**
 * Brands a token as verified. For the chain verifier only (`verify-chain.ts`): not exported from the
 * core's public entry, and the architecture test keeps other callers out.
 */
export function sealVerified(t: DecodedToken): VerifiedToken {
  return t as VerifiedToken;
}
