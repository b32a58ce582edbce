/**
 * Interfaces the pure core declares and the stores implement (memory here, SQLite and PostgreSQL
 * in `src/store/`). The core never does I/O itself: time, randomness and state are passed in.
 */

/** What a revocation may target. Agent ids are RFC 9278 JWK-thumbprint URIs. */
export type RevocationTarget =
  | { kind: "token"; id: string } // a jti, or `sha256:<b64url>` of a token's signing input
  | { kind: "agent"; id: string } // every token issued by or held by that key
  | { kind: "intent"; id: string }; // the whole task tree

/** One token of a presented chain, as the revocation check sees it. */
export interface RevocationSubject {
  /** Position in the chain, 0 = root. */
  index: number;
  jti: string;
  /** `sha256:` + b64url(SHA-256(signing input)): the same value as a child's par_hash. */
  hash: string;
  /** Issuer: the root's issuer URI, or a derived token's iss (thumbprint URI of the parent holder). */
  issuer: string;
  /** Thumbprint URI of the token's cnf.jwk. */
  holder: string;
  /**
   * Agent id of the key that signed the token when `issuer` does not say it: for a root, the
   * trust-anchor key. A revoked agent loses every role, so a revoked anchor key's roots are revoked.
   */
  signer?: string;
}

export interface RevocationQuery {
  tokens: RevocationSubject[];
  /** Baton intent id of the chain, if it is intent-bound. */
  intent?: string;
}

export interface RevocationHit {
  /** Index of the first token that is revoked, or whose issuer, holder or intent is. */
  index: number;
  target: RevocationTarget;
  reason?: string;
}

/**
 * Asked about every token of every presented chain, on every call (never cached as "not revoked").
 * A check that cannot answer must say so with `stale`, so the verifier fails closed.
 */
export interface RevocationCheck {
  check(query: RevocationQuery): RevocationHit | null | Promise<RevocationHit | null>;
  /** Optional freshness of the local revocation state; `stale: true` makes every call deny. */
  freshness?(): { stale: boolean; ageMs: number };
}

/** One usage counter to consume: a token of the chain that carries a usage limit. */
export interface UsageCharge {
  index: number;
  /** Stable key of the counter: the token's jti-hash key (`sha256:…`). */
  key: string;
  limit: number;
}

export type LedgerResult =
  | { ok: true }
  | { ok: false; code: "replayed" }
  | { ok: false; code: "usage_exceeded"; index: number; used: number; limit: number };

/**
 * Records a permitted call atomically: the PoP jti (AAT §8 step 7i) and the usage counters of the
 * chain. Either everything is recorded and the call is permitted, or nothing is and the result
 * says why. Only called once every other check has passed, so state changes only on a permit.
 */
export interface PermitLedger {
  commit(entry: {
    /** Replay key of the PoP (its jti, scoped by the leaf), or undefined when the tool is not tracked. */
    replay?: { key: string; expiresAt: number };
    usage: UsageCharge[];
  }): LedgerResult | Promise<LedgerResult>;
}

/** Nonces issued by this enforcement point (AAT §7.2 `nonce`, step 7h). */
export interface NonceCheck {
  accepts(nonce: string): boolean | Promise<boolean>;
}
