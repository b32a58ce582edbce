import type { AatClaims } from "../token/claims.ts";
import type { JwsParts } from "../token/jws.ts";

/**
 * A token whose signature, claims and link to its parent have been verified (all but the
 * time-dependent checks, which run on every call). Only the chain verifier creates these.
 */
export interface VerifiedToken {
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
