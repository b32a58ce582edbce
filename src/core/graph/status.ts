/**
 * Token statuses from the revocation list. The rules are the verifier's (Baton profile B5): a token
 * is revoked when its jti or hash, its issuer, its holder or its intent is revoked, and every token
 * below a revoked one is refused with it, even tokens never enumerated: `revoked-by-ancestor`.
 */
import type { RevocationFact, TokenFact } from "./types.ts";

const HASH_PREFIX = "sha256:";

/** `sha256:<b64url>` whether or not the prefix was given. */
export function hashKey(hash: string): string {
  return hash.startsWith(HASH_PREFIX) ? hash : `${HASH_PREFIX}${hash}`;
}

const key = (kind: string, id: string) => `${kind}\u0000${id}`;

/** The revocation list, indexed for lookups by target. */
export class RevocationIndex {
  readonly #byTarget = new Map<string, RevocationFact>();

  constructor(revocations: readonly RevocationFact[]) {
    for (const r of revocations) {
      const k = key(r.target.kind, r.target.id);
      const seen = this.#byTarget.get(k);
      if (!seen || r.revokedAt < seen.revokedAt) this.#byTarget.set(k, r);
    }
  }

  /** The revocation that hits this token itself, checked in the order token, holder, issuer, intent. */
  hit(token: TokenFact): RevocationFact | null {
    return (
      this.#byTarget.get(key("token", token.jti)) ??
      this.#byTarget.get(key("token", hashKey(token.hash))) ??
      this.#byTarget.get(key("agent", token.holder)) ??
      this.#byTarget.get(key("agent", token.issuer)) ??
      (token.intent !== undefined ? this.#byTarget.get(key("intent", token.intent)) : undefined) ??
      null
    );
  }

  /** The revocation of a whole intent, if any. */
  intent(id: string): RevocationFact | null {
    return this.#byTarget.get(key("intent", id)) ?? null;
  }
}
