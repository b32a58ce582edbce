/**
 * What the registry stores about a token, derived from the token itself, and a bounded cache of
 * those descriptions so the verify hot path decodes a known token once.
 */
import type { DecodedToken } from "../core/chain/verified-token.ts";
import type { JsonValue } from "../core/constraints/index.ts";
import { decodeToken } from "../core/token/decode.ts";
import type { TokenInput } from "../store/types.ts";

/** The registry record of a token: hash `sha256:<b64url>` of its signing input, parent's hash, claims. */
export function tokenInputOf(t: DecodedToken): TokenInput {
  const c = t.claims;
  const input: TokenInput = {
    hash: `sha256:${t.hash}`,
    jti: c.jti,
    issuer: t.issuer,
    holder: c.holder.id,
    depth: c.delDepth,
    iat: c.iat,
    exp: c.exp,
    token: t.parts.compact,
    payload: c.raw as Record<string, JsonValue>,
  };
  if (c.parHash !== undefined) input.parentHash = `sha256:${c.parHash}`;
  if (c.baton.intent !== undefined) input.intent = c.baton.intent.id;
  return input;
}

/**
 * Unverified descriptions of presented tokens, keyed by the compact form. Used only to name the
 * tokens of a decision in the audit log (jtis) and, after the verifier permitted the very same
 * compact strings, to record them. Never used to decide anything.
 */
export class TokenInfoCache {
  readonly #map = new Map<string, TokenInput | null>();
  #bytes = 0;
  /**
   * Bounded by count and by bytes: anyone can present (unsigned) tokens of up to MAX_TOKEN_SIZE,
   * so a count bound alone would let unauthenticated callers pin gigabytes. An entry costs about
   * three times its compact length (the key, the kept token, the decoded payload).
   */
  constructor(
    private readonly max = 10_000,
    private readonly maxBytes = 16 * 1_048_576,
  ) {}

  /** The description of `compact` at chain position `index`, or null if it does not decode. */
  get(compact: string, index: number): TokenInput | null {
    const hit = this.#map.get(compact);
    if (hit !== undefined) return hit;
    const d = decodeToken(compact, index);
    // The issuer of an unverified root is its iss claim; for a permitted chain that is the anchor's issuer.
    const info = d.ok ? tokenInputOf(d.value.token) : null;
    const cost = compact.length * 3;
    if (cost > this.maxBytes) return info;
    while (this.#map.size >= this.max || this.#bytes + cost > this.maxBytes) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
      this.#bytes -= oldest.value.length * 3;
    }
    this.#map.set(compact, info);
    this.#bytes += cost;
    return info;
  }
}

/** A bounded set of token hashes this node knows are in the registry (skips repeat writes). */
export class RecordedSet {
  readonly #set = new Set<string>();
  constructor(private readonly max = 50_000) {}

  has(hash: string): boolean {
    return this.#set.has(hash);
  }

  add(hash: string): void {
    if (this.#set.size >= this.max) this.#set.clear();
    this.#set.add(hash);
  }
}
