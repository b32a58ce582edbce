import type { JsonValue } from "../constraints/index.ts";
import { quote } from "../display.ts";
import { importPublicJwk, type PublicKey } from "../keys/public-key.ts";
import { CLAIM_LIMITS, stringProblem } from "../token/claims.ts";
import { type JwsParts, parsePayload, splitCompact } from "../token/jws.ts";
import { type Failure, failure } from "./failure.ts";
import type { TrustAnchor, VerifyLimits } from "./options.ts";
import type { VerifiedTokenCache } from "./token-cache.ts";
import { type DecodedToken, sealVerified, type VerifiedToken } from "./verified-token.ts";
import { anchorContext, verifyLink, verifyRoot } from "./verify-token.ts";

export { type Failure, failure } from "./failure.ts";
export { VerifiedTokenCache } from "./token-cache.ts";
export { verifyLink, wellFormedOptions } from "./verify-token.ts";

export type ChainResult = { ok: true; tokens: VerifiedToken[] } | Failure;

/**
 * §8 steps 1–5 and the Baton profile's per-link rules, except the time-dependent checks (3e, 3f,
 * 4i, 4k), which {@link checkChainTimes} runs on every call.
 */
export function verifyChainStatic(
  chain: readonly string[],
  anchors: readonly TrustAnchor[],
  limits: VerifyLimits,
  cache?: VerifiedTokenCache,
): ChainResult {
  if (chain.length === 0) return failure("chain_empty", "1", null, "the chain has no tokens");
  // 2a/2b: sizes, before any decoding.
  let total = 0;
  for (let i = 0; i < chain.length; i++) {
    const t = chain[i] as string;
    if (t.length > limits.maxTokenSize) {
      return failure(
        "token_too_large",
        "2a",
        i,
        `token ${i} is ${t.length} bytes, over the ${limits.maxTokenSize}-byte limit`,
      );
    }
    total += t.length;
  }
  if (total > limits.maxChainSize) {
    return failure(
      "chain_too_large",
      "2b",
      null,
      `the chain is ${total} bytes, over the ${limits.maxChainSize}-byte limit`,
    );
  }
  if (chain.length > limits.maxDelegationDepth + 1) {
    return failure(
      "depth_exceeded",
      "4f",
      limits.maxDelegationDepth + 1,
      `the chain has ${chain.length} tokens, more than depth ${limits.maxDelegationDepth} allows`,
    );
  }

  // Fast path: every token cached under the context it would be verified in now.
  if (cache) {
    const hit = fromCache(chain, anchors, cache);
    if (hit) return { ok: true, tokens: hit };
  }

  // 2c: minimal, untrusted jti scan for duplicates (J.2), before any signature work.
  const parts: JwsParts[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < chain.length; i++) {
    const split = splitCompact(chain[i] as string);
    if (!split.ok) return failure("malformed_token", "2c", i, `token ${i} ${split.message}`);
    parts.push(split.parts);
    const payload = parsePayload(split.parts);
    if (!payload.ok) return failure("malformed_claims", "2c", i, `token ${i}: ${payload.message}`);
    const jti = jtiOf(payload.parsed.value);
    // Untrusted until the signatures verify: bounded here, and never echoed in full.
    const why = stringProblem("jti", jti, CLAIM_LIMITS.id);
    if (why !== null || typeof jti !== "string")
      return failure("malformed_claims", "2c", i, `token ${i}: ${why}`);
    const prev = seen.get(jti);
    if (prev !== undefined) {
      return failure(
        "duplicate_jti",
        "2c",
        i,
        `tokens ${prev} and ${i} carry the same jti ${quote(jti, 40)}`,
      );
    }
    seen.set(jti, i);
  }

  // Each token is sealed as verified once its own signature, claims and link to its (verified)
  // parent hold; the cache keeps only sealed tokens, under the context they were verified in.
  const tokens: VerifiedToken[] = [];
  const root = verifyRoot(parts[0] as JwsParts, anchors, limits);
  if (!root.ok) return root;
  const sealedRoot = sealVerified(root.token);
  tokens.push(sealedRoot);
  cache?.set(sealedRoot.parts.compact, root.context, sealedRoot);
  for (let i = 1; i < parts.length; i++) {
    const parent = tokens[i - 1] as VerifiedToken;
    const context = `p:${parent.hash}`;
    const cached = cache?.get(parts[i]?.compact as string, i, context);
    if (cached) {
      tokens.push(cached);
      continue;
    }
    const child = verifyLink(parent, parts[i] as JwsParts, i, limits);
    if (!child.ok) return child;
    const sealed = sealVerified(child.token);
    tokens.push(sealed);
    cache?.set(sealed.parts.compact, context, sealed);
  }

  // 5: defence in depth.
  const leaf = tokens[tokens.length - 1] as VerifiedToken;
  if (tokens.length !== leaf.claims.delDepth + 1) {
    return failure(
      "chain_length_mismatch",
      "5",
      leaf.index,
      `the chain has ${tokens.length} tokens but the leaf's del_depth is ${leaf.claims.delDepth}`,
    );
  }
  return { ok: true, tokens };
}

function fromCache(
  chain: readonly string[],
  anchors: readonly TrustAnchor[],
  cache: VerifiedTokenCache,
): VerifiedToken[] | null {
  const out: VerifiedToken[] = [];
  let context = "";
  for (let i = 0; i < chain.length; i++) {
    if (i === 0) {
      // The root's context names its anchor; it must still be configured.
      const candidates = anchors.map(anchorContext);
      let token: VerifiedToken | undefined;
      for (const c of candidates) {
        token = cache.get(chain[0] as string, 0, c);
        if (token) break;
      }
      if (!token) return null;
      out.push(token);
    } else {
      context = `p:${(out[i - 1] as VerifiedToken).hash}`;
      const token = cache.get(chain[i] as string, i, context);
      if (!token) return null;
      out.push(token);
    }
  }
  const leaf = out[out.length - 1] as VerifiedToken;
  return out.length === leaf.claims.delDepth + 1 ? out : null;
}

function jtiOf(v: JsonValue): unknown {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>).jti
    : undefined;
}

/** The time-dependent checks of steps 3 and 4 (3e, 3f, 4i, 4k), run on every call. */
export function checkChainTimes(
  tokens: readonly DecodedToken[],
  now: number,
  limits: VerifyLimits,
): Failure | null {
  for (const t of tokens) {
    const root = t.index === 0;
    if (t.claims.exp <= now) {
      return failure(
        "expired",
        root ? "3e" : "4i",
        t.index,
        `token ${t.index} expired at ${t.claims.exp} (now ${now})`,
      );
    }
    if (t.claims.iat > now + limits.maxIatSkew) {
      return failure(
        "issued_in_future",
        root ? "3f" : "4k",
        t.index,
        `token ${t.index} is issued at ${t.claims.iat}, more than ${limits.maxIatSkew} s after now (${now})`,
      );
    }
  }
  return null;
}

/** The public key of an anchor, refused if it is not an acceptable Ed25519 key (config error). */
export function anchorKey(a: TrustAnchor): PublicKey | null {
  const k = importPublicJwk(a.jwk);
  return k.ok ? k.key : null;
}
