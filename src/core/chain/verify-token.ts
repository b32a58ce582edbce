/**
 * §8 steps 3 and 4 for one token: the root under a trust anchor, or a child under its parent, plus
 * the Baton profile's per-link rules. Time-dependent checks (3e, 3f, 4i, 4k) are not here: they run
 * on every call (`checkChainTimes`). A token that passes is *decoded and link-checked*; only
 * `verifyChainStatic`, once the whole chain passed, seals it as a `VerifiedToken`.
 */
import { checkToolsWellFormed, narrowsTools, type WellFormedOptions } from "../constraints/index.ts";
import { quote } from "../display.ts";
import { importPublicJwk } from "../keys/public-key.ts";
import { type AatClaims, readAatClaims } from "../token/claims.ts";
import { AAT_TYP, checkHeader, type JwsParts, linkHash, parsePayload } from "../token/jws.ts";
import { type Failure, failure } from "./failure.ts";
import type { TrustAnchor, VerifyLimits } from "./options.ts";
import type { DecodedToken } from "./verified-token.ts";

export type TokenResult = { ok: true; token: DecodedToken; context: string } | Failure;

/** §8 step 3 (less 3e/3f) for the root token. */
export function verifyRoot(
  parts: JwsParts,
  anchors: readonly TrustAnchor[],
  limits: VerifyLimits,
): TokenResult {
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
  const token: DecodedToken = {
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
  parent: DecodedToken,
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
  if (widened) {
    return failure("scope_widened", widened.step, i, `token ${i} widens ${widened.message}`, {
      kind: "narrowing",
      step: widened.step,
      tool: widened.tool,
      ...(widened.arg !== undefined ? { arg: widened.arg } : {}),
    });
  }
  const ceiling = c.baton.maxUses ?? parent.usageCeiling;
  const token: DecodedToken = {
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
function checkProfileLink(parent: DecodedToken, c: AatClaims, baton: boolean, i: number): Failure | null {
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
      { kind: "usage_limit", ceiling: pm, requested: cm },
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

export function anchorContext(a: TrustAnchor): string {
  return `a:${a.issuer}\n${a.jwk.x}`;
}
