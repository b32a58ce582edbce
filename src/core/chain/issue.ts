import { randomBytes } from "node:crypto";
import { checkToolsWellFormed, type ToolsMap } from "../constraints/index.ts";
import { quote } from "../display.ts";
import { jcs } from "../encoding.ts";
import type { DecisionCode } from "../errors.ts";
import type { AgentKey } from "../keys/agent-key.ts";
import { importPublicJwk, type PublicJwk } from "../keys/public-key.ts";
import {
  AAT_DETAILS_TYPE,
  CLAIM_APPROVE,
  CLAIM_INTENT,
  CLAIM_MAX_USES,
  type Intent,
} from "../token/claims.ts";
import { decodeToken } from "../token/decode.ts";
import {
  AAT_TYP,
  ALG,
  BATON_HEADER,
  BATON_PROFILE_VERSION,
  linkHash,
  POP_TYP,
  signCompact,
  splitCompact,
} from "../token/jws.ts";
import type { TrustAnchor } from "./options.ts";
import { DEFAULT_LIMITS, type VerifyLimits } from "./options.ts";
import type { DecodedToken } from "./verified-token.ts";
import {
  checkChainTimes,
  type Failure,
  verifyChainStatic,
  verifyLink,
  wellFormedOptions,
} from "./verify-chain.ts";

/** A presentation (§7.4): the chain, root first, and the PoP for one call. */
export interface Presentation {
  aat_chain: string[];
  aat_pop: string;
}

export type IssueResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: DecisionCode; step: string | null; token: number | null; message: string };

/** A lowercase, hyphenated UUIDv7 (RFC 9562), as AAT recommends for jti. */
export function uuidv7(nowMs: number, random: Uint8Array = randomBytes(10)): string {
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.floor(nowMs), 0, 6);
  b.set(random.subarray(0, 10), 6);
  b[6] = 0x70 | ((b[6] as number) & 0x0f);
  b[8] = 0x80 | ((b[8] as number) & 0x3f);
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function header(baton: boolean, typ: string): Record<string, unknown> {
  return baton
    ? { alg: ALG, typ, crit: [BATON_HEADER], [BATON_HEADER]: BATON_PROFILE_VERSION }
    : { alg: ALG, typ };
}

function holderJwk(to: PublicJwk | AgentKey | { publicJwk: PublicJwk }): PublicJwk | null {
  const jwk = "publicJwk" in to ? to.publicJwk : to;
  const k = importPublicJwk(jwk);
  return k.ok ? k.key.jwk : null;
}

function refuse<T>(f: Failure | { code: DecisionCode; message: string }): IssueResult<T> {
  return {
    ok: false,
    code: f.code,
    step: "step" in f ? f.step : null,
    token: "token" in f ? f.token : null,
    message: f.message,
  };
}

export interface GrantOptions {
  /** The root issuer's key: a trust anchor's private key. */
  key: AgentKey;
  /** The issuer URI bound to that key in the verifiers' trust anchors. */
  issuer: string;
  /** The receiving agent (its public key). */
  to: PublicJwk | { publicJwk: PublicJwk };
  tools: ToolsMap;
  /** Lifetime in seconds. */
  ttl: number;
  /** del_max_depth: how deep the chain may grow below this root. */
  maxDepth: number;
  /** Unix seconds. */
  now: number;
  aud?: string | string[];
  /** Baton intent binding: every derived token must repeat the same id. */
  intent?: Intent;
  /** Tools (or `prefix*`) whose calls need step-up approval anywhere below. */
  approve?: string[];
  /** At most this many permitted calls under this token and everything derived from it. */
  maxUses?: number;
  jti?: string;
  limits?: Partial<VerifyLimits>;
}

/** Issues a root token (AAT -02 §6.1). Returns the one-token chain, or why it would be invalid. */
export function grant(o: GrantOptions): IssueResult<string[]> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  const cnf = holderJwk(o.to);
  if (!cnf)
    return refuse({
      code: "untrusted_key",
      message: "the receiving agent's key is not an acceptable Ed25519 public key",
    });
  const wf = checkToolsWellFormed(o.tools, wellFormedOptions(limits));
  if (wf) return refuse({ code: wf.code ?? "invalid_constraint", message: `${wf.path}: ${wf.message}` });
  const payload: Record<string, unknown> = {
    jti: o.jti ?? uuidv7(o.now * 1000),
    iss: o.issuer,
    iat: o.now,
    exp: o.now + o.ttl,
    del_depth: 0,
    del_max_depth: o.maxDepth,
    cnf: { jwk: cnf },
    authorization_details: [{ type: AAT_DETAILS_TYPE, tools: o.tools }],
  };
  if (o.aud !== undefined) payload.aud = o.aud;
  const baton = addProfileClaims(payload, o.intent, o.approve, o.maxUses);
  const compact = signCompact(header(baton, AAT_TYP), payload, o.key);
  // Self-check with the verifier's own rules, so grant() can never mint what verify() refuses.
  const anchor: TrustAnchor = { issuer: o.issuer, jwk: o.key.publicJwk };
  const check = verifyChainStatic([compact], [anchor], limits);
  if (!check.ok) return refuse(check);
  const times = checkChainTimes(check.tokens, o.now, limits);
  if (times) return refuse(times);
  return { ok: true, value: [compact] };
}

export interface DeriveOptions {
  /** The leaf holder's key: only it can delegate (I1). */
  key: AgentKey;
  to: PublicJwk | { publicJwk: PublicJwk };
  tools: ToolsMap;
  /** Lifetime in seconds; must not outlive the parent. */
  ttl: number;
  now: number;
  /** del_max_depth of the child; defaults to the parent's. */
  maxDepth?: number;
  aud?: string | string[];
  /** Approval patterns to add (the parent's are always kept). */
  approve?: string[];
  maxUses?: number;
  jti?: string;
  limits?: Partial<VerifyLimits>;
  /** When given, the whole chain is verified against these anchors before deriving. */
  trustAnchors?: readonly TrustAnchor[];
}

/**
 * Derives a child token (AAT -02 §6.2) and returns the extended chain. Refuses, with the verifier's
 * code and message, anything that would break I1–I5 or the Baton profile: a derived token that
 * a verifier would reject is never minted.
 */
export function derive(chain: readonly string[], o: DeriveOptions): IssueResult<string[]> {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  if (chain.length === 0) return refuse({ code: "chain_empty", message: "the chain has no tokens" });
  let parent: DecodedToken;
  if (o.trustAnchors) {
    const v = verifyChainStatic(chain, o.trustAnchors, limits);
    if (!v.ok) return refuse(v);
    parent = v.tokens[v.tokens.length - 1] as DecodedToken;
  } else {
    const d = decodeToken(chain[chain.length - 1] as string, chain.length - 1);
    if (!d.ok) return refuse(d);
    // The usage ceiling of the parent is the nearest limit up the chain (B4), so read it there.
    let usageCeiling: number | undefined;
    for (let i = chain.length - 1; i >= 0 && usageCeiling === undefined; i--) {
      const t = i === chain.length - 1 ? d : decodeToken(chain[i] as string, i);
      if (t.ok) usageCeiling = t.value.token.claims.baton.maxUses;
    }
    parent = { ...d.value.token, ...(usageCeiling !== undefined ? { usageCeiling } : {}) };
  }
  const p = parent.claims;
  if (o.key.id !== p.holder.id) {
    return refuse({
      code: "issuer_mismatch",
      step: "4c",
      token: chain.length,
      message: `only the holder of token ${parent.index} (${p.holder.id}) can derive from it; this key is ${o.key.id}`,
    } as Failure);
  }
  const cnf = holderJwk(o.to);
  if (!cnf)
    return refuse({
      code: "untrusted_key",
      message: "the receiving agent's key is not an acceptable Ed25519 public key",
    });
  if (p.exp <= o.now) {
    return refuse({
      code: "expired",
      step: parent.index === 0 ? "3e" : "4i",
      token: parent.index,
      message: `the parent token (token ${parent.index}) expired at ${p.exp} (now ${o.now}); nothing can be derived from it`,
    } as Failure);
  }
  const exp = o.now + o.ttl;
  if (exp > p.exp) {
    return refuse({
      code: "ttl_widened",
      step: "4h",
      token: chain.length,
      message: `a ${o.ttl} s token would outlive its parent, which has ${Math.max(0, p.exp - o.now)} s left`,
    } as Failure);
  }
  const jti = o.jti ?? uuidv7(o.now * 1000);
  for (let i = 0; i < chain.length; i++) {
    const t = decodeToken(chain[i] as string, i);
    if (t.ok && t.value.token.claims.jti === jti) {
      return refuse({
        code: "duplicate_jti",
        step: "2c",
        token: chain.length,
        message: `jti ${quote(jti, 40)} is already used by token ${i} of the chain`,
      } as Failure);
    }
  }
  const payload: Record<string, unknown> = {
    jti,
    iss: p.holder.id,
    iat: Math.max(o.now, p.iat),
    exp,
    del_depth: p.delDepth + 1,
    del_max_depth: o.maxDepth ?? p.delMaxDepth,
    par_hash: parent.hash,
    cnf: { jwk: cnf },
    authorization_details: [{ type: AAT_DETAILS_TYPE, tools: o.tools }],
  };
  if (o.aud !== undefined) payload.aud = o.aud;
  const approve = [...new Set([...(p.baton.approve ?? []), ...(o.approve ?? [])])];
  const baton =
    addProfileClaims(
      payload,
      p.baton.intent,
      approve.length > 0 ? approve : undefined,
      o.maxUses ?? p.baton.maxUses,
    ) || parent.baton;
  const compact = signCompact(header(baton, AAT_TYP), payload, o.key);
  const split = splitCompact(compact);
  if (!split.ok) return refuse({ code: "malformed_token", message: split.message });
  const link = verifyLink(parent, split.parts, chain.length, limits);
  if (!link.ok) return refuse(link);
  const times = checkChainTimes([link.token], o.now, limits);
  if (times) return refuse(times);
  return { ok: true, value: [...chain, compact] };
}

export interface ProveOptions {
  /** The leaf holder's key. */
  key: AgentKey;
  tool: string;
  args: Record<string, unknown>;
  now: number;
  /** The receiving enforcement point (`aat_aud`); omit when the presentation may be forwarded. */
  aud?: string;
  nonce?: string;
  jti?: string;
}

/** Makes the PoP JWT for one call (AAT -02 §7.2) and returns the presentation. */
export function prove(chain: readonly string[], o: ProveOptions): IssueResult<Presentation> {
  if (chain.length === 0) return refuse({ code: "chain_empty", message: "the chain has no tokens" });
  const d = decodeToken(chain[chain.length - 1] as string, chain.length - 1);
  if (!d.ok) return refuse(d);
  const leaf = d.value.token;
  if (leaf.claims.holder.id !== o.key.id) {
    return refuse({
      code: "bad_signature",
      message: `this key (${o.key.id}) does not hold the leaf token; its holder is ${leaf.claims.holder.id}`,
    });
  }
  const payload: Record<string, unknown> = {
    jti: o.jti ?? uuidv7(o.now * 1000),
    iat: o.now,
    aat_id: leaf.claims.jti,
    aat_hash: linkHash(leaf.parts.signingInput),
    aat_tool: o.tool,
    hta: JSON.parse(jcs(o.args)),
  };
  if (o.aud !== undefined) payload.aat_aud = o.aud;
  if (o.nonce !== undefined) payload.nonce = o.nonce;
  return {
    ok: true,
    value: { aat_chain: [...chain], aat_pop: signCompact({ alg: ALG, typ: POP_TYP }, payload, o.key) },
  };
}

function addProfileClaims(
  payload: Record<string, unknown>,
  intent?: Intent,
  approve?: string[],
  maxUses?: number,
): boolean {
  if (intent) payload[CLAIM_INTENT] = { id: intent.id, purpose: intent.purpose };
  if (approve) payload[CLAIM_APPROVE] = approve;
  if (maxUses !== undefined) payload[CLAIM_MAX_USES] = maxUses;
  return intent !== undefined || approve !== undefined || maxUses !== undefined;
}
