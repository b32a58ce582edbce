import type { JsonValue } from "../constraints/index.ts";
import { checkToolsWellFormed, narrowsTools, type WellFormedOptions } from "../constraints/index.ts";
import { quote } from "../display.ts";
import type { DecisionCode } from "../errors.ts";
import { importPublicJwk, type PublicKey } from "../keys/public-key.ts";
import { type AatClaims, CLAIM_LIMITS, readAatClaims, stringProblem } from "../token/claims.ts";
import { AAT_TYP, checkHeader, type JwsParts, linkHash, parsePayload, splitCompact } from "../token/jws.ts";
import type { TrustAnchor, VerifyLimits } from "./options.ts";
import type { VerifiedToken } from "./verified-token.ts";

/** A failure of one rule at one token. */
export interface Failure {
  ok: false;
  code: DecisionCode;
  step: string;
  token: number | null;
  message: string;
}

export type ChainResult = { ok: true; tokens: VerifiedToken[] } | Failure;

export function failure(code: DecisionCode, step: string, token: number | null, message: string): Failure {
  return { ok: false, code, step, token, message };
}

/**
 * Cache of verified tokens. A token is reused only under the exact conditions it was verified in:
 * the root under the same trust anchor, a child under a parent with the same signing-input hash
 * (which, through par_hash, fixes every parent claim). Failures are never cached, and nothing
 * time-dependent is: expiry, skew, audience and revocation are checked on every call.
 */
export class VerifiedTokenCache {
  private readonly map = new Map<string, { token: VerifiedToken; context: string }>();
  private bytes = 0;
  /** Bounded by entries and by bytes (a verified token is kept with its compact form and claims). */
  constructor(
    private readonly max = 10_000,
    private readonly maxBytes = 32 * 1_048_576,
  ) {}

  get(compact: string, index: number, context: string): VerifiedToken | undefined {
    const hit = this.map.get(compact);
    if (!hit || hit.context !== context || hit.token.index !== index) return undefined;
    return hit.token;
  }

  set(compact: string, context: string, token: VerifiedToken): void {
    const cost = compact.length * 3;
    if (cost > this.maxBytes) return;
    const old = this.map.get(compact);
    if (old) {
      this.map.delete(compact);
      this.bytes -= cost;
    }
    while (this.map.size >= this.max || this.bytes + cost > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
      this.bytes -= oldest.value.length * 3;
    }
    this.map.set(compact, { token, context });
    this.bytes += cost;
  }

  get size(): number {
    return this.map.size;
  }
}

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

  const tokens: VerifiedToken[] = [];
  const root = verifyRoot(parts[0] as JwsParts, anchors, limits);
  if (!root.ok) return root;
  tokens.push(root.token);
  cache?.set(root.token.parts.compact, root.context, root.token);
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
    tokens.push(child.token);
    cache?.set(child.token.parts.compact, context, child.token);
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

function anchorContext(a: TrustAnchor): string {
  return `a:${a.issuer}\n${a.jwk.x}`;
}

function jtiOf(v: JsonValue): unknown {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>).jti
    : undefined;
}

type TokenResult = { ok: true; token: VerifiedToken; context: string } | Failure;

/** §8 step 3 (less 3e/3f) for the root token. */
function verifyRoot(parts: JwsParts, anchors: readonly TrustAnchor[], limits: VerifyLimits): TokenResult {
  const header = checkHeader(parts.header, AAT_TYP, parts.headerNonInteger);
  if (!header.ok) return failure(header.code, "3a", 0, `token 0 (root): ${header.message}`);
  // 3b: the signature must verify under a trust-anchor key. `kid` may only choose among anchors,
  // so every anchor is tried; keys in the header are never used.
  let anchor: TrustAnchor | undefined;
  let anchorKeyId = "";
  for (const a of anchors) {
    const key = importPublicJwk(a.jwk);
    if (key.ok && key.key.verify(parts.signingInput, parts.signature)) {
      anchor = a;
      anchorKeyId = key.key.id;
      break;
    }
  }
  if (!anchor) return failure("bad_signature", "3b", 0, "token 0 (root) is not signed by any trust anchor");
  const claims = parseClaims(parts, 0, "3b");
  if (!claims.ok) return claims;
  const c = claims.claims;
  if (c.delDepth !== 0)
    return failure("invalid_depth", "3c", 0, `token 0 (root) has del_depth ${c.delDepth}, not 0`);
  if (c.parHash !== undefined) return failure("root_has_parent", "3d", 0, "token 0 (root) carries par_hash");
  if (c.exp <= c.iat)
    return failure("invalid_lifetime", "3g", 0, "token 0 (root) expires before it is issued");
  if (c.exp > c.iat + limits.maxTokenLifetime) {
    return failure(
      "invalid_lifetime",
      "3h",
      0,
      `token 0 (root) lives ${c.exp - c.iat} s, over the ${limits.maxTokenLifetime} s limit`,
    );
  }
  if (c.delMaxDepth > limits.maxDelegationDepth) {
    return failure(
      "depth_exceeded",
      "3i",
      0,
      `token 0 (root) allows depth ${c.delMaxDepth}, over this verifier's ${limits.maxDelegationDepth}`,
    );
  }
  if (c.iss !== anchor.issuer) {
    return failure(
      "issuer_mismatch",
      "3k",
      0,
      `token 0 (root) names issuer ${quote(c.iss)} but is signed by the anchor of ${quote(anchor.issuer)}`,
    );
  }
  if (c.aatEntries !== 1 || c.tools === null) {
    return failure(
      "invalid_authorization_details",
      "3m",
      0,
      "token 0 (root) must hold exactly one attenuating_agent_token entry",
    );
  }
  const wf = checkToolsWellFormed(c.tools, wellFormedOptions(limits));
  if (wf)
    return failure(wf.code ?? "invalid_constraint", "3n", 0, `token 0 (root): ${wf.path}: ${wf.message}`);
  if (hasBatonClaims(c) && !header.baton) {
    return failure(
      "profile_unmarked",
      "B1",
      0,
      "token 0 (root) carries Baton claims without the crit-listed baton header",
    );
  }
  const token: VerifiedToken = {
    index: 0,
    parts,
    claims: c,
    hash: linkHash(parts.signingInput),
    baton: header.baton,
    issuer: anchor.issuer,
    ...(c.baton.maxUses !== undefined ? { usageCeiling: c.baton.maxUses } : {}),
    anchorKeyId,
  };
  return { ok: true, token, context: anchorContext(anchor) };
}

/** §8 step 4 (less 4i/4k) for one (parent, child) link, plus the Baton profile's link rules. */
export function verifyLink(
  parent: VerifiedToken,
  parts: JwsParts,
  i: number,
  limits: VerifyLimits,
): TokenResult {
  const p = parent.claims;
  const header = checkHeader(parts.header, AAT_TYP, parts.headerNonInteger);
  if (!header.ok) return failure(header.code, "4a", i, `token ${i}: ${header.message}`);
  if (!p.holder.verify(parts.signingInput, parts.signature)) {
    return failure(
      "bad_signature",
      "4b",
      i,
      `token ${i} is not signed by the holder key of token ${i - 1} (I1)`,
    );
  }
  const claims = parseClaims(parts, i, "4b");
  if (!claims.ok) return claims;
  const c = claims.claims;
  if (c.parHash === undefined) return failure("malformed_claims", "4b", i, `token ${i} has no par_hash`);
  if (c.iss !== p.holder.id) {
    return failure(
      "issuer_mismatch",
      "4c",
      i,
      `token ${i} names issuer ${quote(c.iss)}, not the holder of token ${i - 1} (${p.holder.id})`,
    );
  }
  if (c.delDepth !== p.delDepth + 1) {
    return failure(
      "invalid_depth",
      "4d",
      i,
      `token ${i} has del_depth ${c.delDepth}; its parent's is ${p.delDepth}`,
    );
  }
  if (c.delDepth > p.delMaxDepth) {
    return failure(
      "depth_exceeded",
      "4e",
      i,
      `token ${i} is derived from token ${i - 1}, which allows depth ${p.delMaxDepth} only`,
    );
  }
  if (c.delDepth > limits.maxDelegationDepth) {
    return failure(
      "depth_exceeded",
      "4f",
      i,
      `token ${i} sits at depth ${c.delDepth}, over this verifier's ${limits.maxDelegationDepth}`,
    );
  }
  if (c.delMaxDepth > p.delMaxDepth) {
    return failure(
      "invalid_depth",
      "4g",
      i,
      `token ${i} raises del_max_depth from ${p.delMaxDepth} to ${c.delMaxDepth}`,
    );
  }
  if (c.exp > p.exp)
    return failure("ttl_widened", "4h", i, `token ${i} expires after its parent (${c.exp} > ${p.exp})`);
  if (c.iat < p.iat)
    return failure("ttl_widened", "4j", i, `token ${i} is issued before its parent (${c.iat} < ${p.iat})`);
  if (c.exp <= c.iat) return failure("invalid_lifetime", "4l", i, `token ${i} expires before it is issued`);
  if (c.exp > c.iat + limits.maxTokenLifetime) {
    return failure(
      "invalid_lifetime",
      "4l",
      i,
      `token ${i} lives ${c.exp - c.iat} s, over the ${limits.maxTokenLifetime} s limit`,
    );
  }
  if (c.delDepth > c.delMaxDepth) {
    return failure(
      "depth_exceeded",
      "4m",
      i,
      `token ${i} sits at depth ${c.delDepth}, beyond its own del_max_depth ${c.delMaxDepth}`,
    );
  }
  // 4q and the profile's link rules are cheap comparisons: they run before the well-formedness walk
  // and subsumption, so a spliced or mis-bound child costs no constraint work (issue 9, item 4).
  if (c.parHash !== parent.hash) {
    return failure(
      "par_hash_mismatch",
      "4q",
      i,
      `token ${i}'s par_hash does not match token ${i - 1}'s signing input (I5)`,
    );
  }
  const profile = checkProfileLink(parent, c, header.baton, i);
  if (profile) return profile;
  // 4n: a non-leaf token may carry no AAT entry (the empty capability set); readAatClaims already
  // refused more than one.
  const childTools = c.tools ?? {};
  if (c.tools !== null) {
    const wf = checkToolsWellFormed(c.tools, wellFormedOptions(limits));
    if (wf) return failure(wf.code ?? "invalid_constraint", "4o", i, `token ${i}: ${wf.path}: ${wf.message}`);
  }
  const widened = narrowsTools(p.tools ?? {}, childTools);
  if (widened) return failure("scope_widened", widened.step, i, `token ${i} widens ${widened.message}`);
  const ceiling = c.baton.maxUses ?? parent.usageCeiling;
  const token: VerifiedToken = {
    index: i,
    parts,
    claims: c,
    hash: linkHash(parts.signingInput),
    baton: header.baton,
    issuer: c.iss,
    ...(ceiling !== undefined ? { usageCeiling: ceiling } : {}),
  };
  return { ok: true, token, context: `p:${parent.hash}` };
}

/** Baton profile link rules (specs/baton-profile.md): marker, intent, approvals, usage limits. */
function checkProfileLink(parent: VerifiedToken, c: AatClaims, baton: boolean, i: number): Failure | null {
  if ((parent.baton || hasBatonClaims(c)) && !baton) {
    return failure(
      "profile_unmarked",
      "B1",
      i,
      `token ${i} drops the crit-listed baton header of its parent, or carries Baton claims without it`,
    );
  }
  const pi = parent.claims.baton.intent;
  const ci = c.baton.intent;
  if (pi === undefined && ci !== undefined) {
    return failure(
      "intent_mismatch",
      "B2",
      i,
      `token ${i} introduces intent ${quote(ci.id)}; only the root may set the intent`,
    );
  }
  // The whole intent is inherited exactly: id and purpose (the graph and /ui show the purpose).
  if (pi !== undefined && ci?.id !== pi.id) {
    return failure(
      "intent_mismatch",
      "B2",
      i,
      `token ${i} is bound to intent ${ci ? quote(ci.id) : "none"}, not the root's ${quote(pi.id)}`,
    );
  }
  if (pi !== undefined && ci !== undefined && ci.purpose !== pi.purpose) {
    return failure(
      "intent_mismatch",
      "B2",
      i,
      `token ${i} rewrites the purpose of intent ${quote(pi.id)}; a child must repeat the root's intent exactly`,
    );
  }
  const childPatterns = new Set(c.baton.approve ?? []);
  for (const pattern of parent.claims.baton.approve ?? []) {
    if (!childPatterns.has(pattern)) {
      return failure(
        "approval_dropped",
        "B3",
        i,
        `token ${i} drops the approval requirement ${quote(pattern)} of token ${i - 1}`,
      );
    }
  }
  // Compared with the nearest ancestor that carries a limit, not only the direct parent: a middle
  // token without a limit does not reset it (issue 9, item 9).
  const pm = parent.usageCeiling;
  const cm = c.baton.maxUses;
  if (pm !== undefined && cm !== undefined && cm > pm) {
    const from = parent.claims.baton.maxUses === undefined ? "an ancestor's" : `token ${i - 1}'s`;
    return failure(
      "scope_widened",
      "B4",
      i,
      `token ${i} raises the usage limit from ${pm} (${from}) to ${cm}`,
    );
  }
  return null;
}

/** The constraint limits of a verifier, as the well-formedness walk takes them. */
export function wellFormedOptions(limits: VerifyLimits): WellFormedOptions {
  return {
    maxConstraintDepth: limits.maxConstraintDepth,
    maxCompositeClauses: limits.maxCompositeClauses,
    maxArgumentNodes: limits.maxArgumentNodes,
    maxConstraintNodes: limits.maxConstraintNodes,
  };
}

function hasBatonClaims(c: AatClaims): boolean {
  const b = c.baton;
  return b.intent !== undefined || b.approve !== undefined || b.maxUses !== undefined;
}

function parseClaims(parts: JwsParts, i: number, step: string): { ok: true; claims: AatClaims } | Failure {
  const payload = parsePayload(parts);
  if (!payload.ok) return failure("malformed_claims", step, i, `token ${i}: ${payload.message}`);
  const r = readAatClaims(payload.parsed);
  if (!r.ok) {
    const s =
      r.code === "untrusted_key"
        ? i === 0
          ? "3l"
          : "4b"
        : r.code === "invalid_authorization_details"
          ? i === 0
            ? "3m"
            : "4n"
          : r.code === "invalid_constraint"
            ? i === 0
              ? "3n"
              : "4o"
            : r.code === "intent_mismatch"
              ? "B2"
              : step;
    return failure(r.code, s, i, `token ${i}: ${r.message}`);
  }
  return r;
}

/** The time-dependent checks of steps 3 and 4 (3e, 3f, 4i, 4k), run on every call. */
export function checkChainTimes(
  tokens: readonly VerifiedToken[],
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
