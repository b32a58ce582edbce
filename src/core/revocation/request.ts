/**
 * Authenticated revocation requests: who may kill which token, agent or task tree, and the signed
 * request that proves it. Pure: time, anchors, admin keys and the revoked-key check are passed in;
 * replay of a request jti is the caller's to check (it needs state), with the jti and iat this
 * module returns.
 *
 * A request is a compact JWS, header `{"alg":"Ed25519","typ":"baton-revoke+jwt"}`, payload
 * `{jti, iat, aud, target: {kind, id}, chain: [root … target], reason?}`. `aud` is the id of the
 * one service the request is for: a request without it, or for another service, is refused
 * (`revocation_wrong_audience`), so a request accepted by staging cannot be replayed at production.
 * Its signer is accepted when it is
 *
 * - a configured **admin key**: the service-wide authority, any target, chain optional (global
 *   revocation of an intent id, an agent or a jti is an admin's alone);
 * - a **trust anchor** key, only inside trees it rooted: the carried chain's root must be issued
 *   by that anchor's issuer. A token target is revoked as named; an intent target is narrowed to
 *   the carried root token (its whole tree); an agent target is narrowed to the first token of the
 *   carried chain that agent holds (that agent's branch of the tree). An anchor never revokes
 *   anything by id alone or in another issuer's tree;
 * - for a **token** target: the holder of a token strictly above the target in the carried chain
 *   (the target's issuer or any upstream holder). The target's own holder is refused: revocation is
 *   the upstream's decision, and a holder that no longer wants a token simply stops presenting it;
 * - for an **intent** target: the holder of the root token of a chain bound to that intent (the agent
 *   the task was granted to), narrowed to that root token. Deeper delegates may only revoke their
 *   own subtree, by token;
 * - for an **agent** target: the agent itself (a kill switch for its own key). Upstream holders are
 *   refused unless `delegatorsMayRevokeAgents` is set: anyone can derive a token to any public key,
 *   so that rule would let every holder disable any agent everywhere.
 *
 * A signer whose own agent id is revoked (`isAgentRevoked`) has no authority at all: a revoked key
 * loses every role, admin and anchor included.
 *
 * Token targets are normalised to the token's `sha256:` hash when the chain carries it: a jti is
 * chosen by its issuer and need not be unique, so revoking "by jti" could hit another tree's token.
 *
 * @example
 * const request = createRevocationRequest({ key: orchestrator, audience: "https://tools.example.com",
 *   target: { kind: "token", id: jti }, chain, now });
 * const r = verifyRevocationRequest(request, { trustAnchors, adminKeys: [], audience: "https://tools.example.com", now });
 * if (r.ok) await store.addRevocation({ target: r.target, actor: r.actor, requestJti: r.jti });
 */
import { uuidv7 } from "../chain/issue.ts";
import { DEFAULT_LIMITS, type TrustAnchor, type VerifyLimits } from "../chain/options.ts";
import type { VerifiedToken } from "../chain/verified-token.ts";
import { checkChainTimes, verifyChainStatic } from "../chain/verify-chain.ts";
import { BatonError } from "../errors.ts";
import { type LosslessObject, type LosslessValue, parseLossless, toPlain } from "../json/strict-json.ts";
import type { AgentKey } from "../keys/agent-key.ts";
import { importPublicJwk, type PublicJwk, type PublicKey } from "../keys/public-key.ts";
import type { RevocationTarget } from "../ports.ts";
import { integerClaim } from "../token/claims.ts";
import { ALG, payloadText, signCompact, splitCompact } from "../token/jws.ts";
import type { RevocationCode } from "./codes.ts";

/** JWS `typ` of a revocation request. */
export const REVOKE_TYP = "baton-revoke+jwt";
/** Default accepted age of a request's iat, in seconds. */
export const DEFAULT_REVOCATION_MAX_AGE = 300;

const TARGET_KINDS = new Set(["token", "agent", "intent"]);
const PAYLOAD_MEMBERS = new Set(["jti", "iat", "aud", "target", "chain", "reason"]);
const MAX_JTI = 256;
const MAX_ID = 4096;
const MAX_REASON = 1024;
const MAX_AUD = 2048;
/** Longest piece of a request quoted back in a message: the rest is elided. */
const MAX_QUOTED = 80;

/** Why the signer may revoke the target. */
export type RevocationAuthority = "anchor" | "admin" | "delegator" | "owner" | "self";

export interface CreateRevocationRequestOptions {
  /** The signer: an admin, an anchor (in its own trees), an upstream holder, task owner or (for an agent target) the agent. */
  key: AgentKey;
  /** The id of the service that is to apply the request (its configured `audience`): the `aud`. */
  audience: string;
  target: RevocationTarget;
  /** Root first, down to (and including) the target token; or a chain of the intent or agent. */
  chain: readonly string[];
  reason?: string;
  /** Unix seconds. */
  now: number;
  jti?: string;
}

/** Signs a revocation request (see the module comment for who may sign what). */
export function createRevocationRequest(o: CreateRevocationRequestOptions): string {
  if (typeof o.audience !== "string" || o.audience.length === 0 || o.audience.length > MAX_AUD) {
    throw new BatonError(
      "invalid_argument",
      "a revocation request needs the audience: the id of the service that is to apply it",
    );
  }
  const payload: Record<string, unknown> = {
    jti: o.jti ?? uuidv7(o.now * 1000),
    iat: o.now,
    aud: o.audience,
    target: { kind: o.target.kind, id: o.target.id },
    chain: [...o.chain],
  };
  if (o.reason !== undefined) payload.reason = o.reason;
  return signCompact({ alg: ALG, typ: REVOKE_TYP }, payload, o.key);
}

export interface VerifyRevocationOptions {
  trustAnchors: readonly TrustAnchor[];
  adminKeys?: readonly PublicJwk[];
  /** This service's id(s): a request's `aud` must be one of them. */
  audience: string | readonly string[];
  /**
   * Whether an agent id (a key's thumbprint URI) is revoked. A revoked signer has no authority,
   * whatever role the configuration or the chain gives its key. Default: nothing is revoked.
   */
  isAgentRevoked?: (agentId: string) => boolean;
  /** Unix seconds. */
  now: number;
  /** Seconds a request stays acceptable after its iat. Default 300. */
  maxAge?: number;
  /** Chain limits (and `maxIatSkew`, which also bounds a request's iat in the future). */
  limits?: Partial<VerifyLimits>;
  /** Let an upstream holder revoke an agent everywhere (see the module comment). Default false. */
  delegatorsMayRevokeAgents?: boolean;
}

export type RevocationRequestResult =
  | {
      ok: true;
      /** The request's jti: the caller refuses a second use of it. */
      jti: string;
      iat: number;
      /** The target to store; a token target found in the chain is named by its `sha256:` hash. */
      target: RevocationTarget;
      /** Agent id (thumbprint URI) of the signer. */
      actor: string;
      authority: RevocationAuthority;
      reason?: string;
      /** For a token target found in the chain: its exp (unix s), so the entry can be pruned. */
      tokenExp?: number;
    }
  | { ok: false; code: RevocationCode; message: string; jti?: string };

interface Candidate {
  key: PublicKey;
  authority: RevocationAuthority;
  /** Says where the key was found, for messages. */
  role: string;
}

interface ParsedRequest {
  jti: string;
  iat: number;
  aud?: string;
  target: RevocationTarget;
  chain: string[];
  reason?: string;
}

/**
 * Verifies a revocation request: header, strict payload, freshness, the carried chain, and that
 * its signer may revoke the target. Never throws for a bad request; see {@link RevocationRequestResult}.
 */
export function verifyRevocationRequest(
  request: unknown,
  o: VerifyRevocationOptions,
): RevocationRequestResult {
  const limits: VerifyLimits = { ...DEFAULT_LIMITS, ...o.limits };
  const maxAge = o.maxAge ?? DEFAULT_REVOCATION_MAX_AGE;
  if (typeof request !== "string") return refuse("revocation_malformed", "the request is not a string");
  // The payload carries the chain, base64url-encoded once more: bound it before any decoding.
  const maxLength = Math.ceil((limits.maxChainSize * 4) / 3) + 16_384;
  if (request.length > maxLength) {
    return refuse("revocation_malformed", `the request is ${request.length} bytes, over ${maxLength}`);
  }
  const split = splitCompact(request);
  if (!split.ok) return refuse("revocation_malformed", `the request ${split.message}`);
  const { header } = split.parts;
  if (header.alg !== ALG) {
    return refuse("revocation_unsupported_alg", `alg ${JSON.stringify(header.alg ?? null)} is not "${ALG}"`);
  }
  if (header.typ !== REVOKE_TYP) {
    return refuse("revocation_wrong_typ", `typ ${JSON.stringify(header.typ ?? null)} is not "${REVOKE_TYP}"`);
  }
  if (Object.hasOwn(header, "crit")) {
    return refuse("revocation_unsupported_alg", "a revocation request must not carry crit");
  }
  const parsed = readPayload(payloadText(split.parts));
  if (!parsed.ok) return refuse("revocation_malformed", parsed.message);
  const req = parsed.value;
  const jti = req.jti;

  // The audience first: a request for another service is refused whoever signed it.
  const audiences = typeof o.audience === "string" ? [o.audience] : [...o.audience];
  if (audiences.length === 0) throw new TypeError("audience must name this service");
  const ours = audiences.map((a) => JSON.stringify(a)).join(" or ");
  if (req.aud === undefined) {
    return refuse(
      "revocation_wrong_audience",
      `the request names no aud; a revocation request is bound to one service: sign it with aud ${ours}`,
      jti,
    );
  }
  if (!audiences.includes(req.aud)) {
    return refuse(
      "revocation_wrong_audience",
      `the request is for aud ${quote(req.aud)}, not this service (${ours})`,
      jti,
    );
  }

  if (req.iat > o.now + limits.maxIatSkew) {
    return refuse(
      "revocation_issued_in_future",
      `the request is issued at ${req.iat}, more than ${limits.maxIatSkew} s after now (${o.now})`,
      jti,
    );
  }
  if (o.now - req.iat > maxAge) {
    return refuse(
      "revocation_stale",
      `the request was made at ${req.iat}, more than ${maxAge} s before now (${o.now}); sign a fresh one`,
      jti,
    );
  }

  let tokens: VerifiedToken[] = [];
  if (req.chain.length > 0) {
    const chain = verifyChainStatic(req.chain, o.trustAnchors, limits);
    if (!chain.ok) {
      return refuse("revocation_chain_invalid", `the carried chain: ${chain.code}: ${chain.message}`, jti);
    }
    const times = checkChainTimes(chain.tokens, o.now, limits);
    if (times)
      return refuse("revocation_chain_invalid", `the carried chain: ${times.code}: ${times.message}`, jti);
    tokens = chain.tokens;
  }

  // The service-wide authority first, then the keys the chain makes authoritative for this target.
  const candidates: Candidate[] = [];
  for (const jwk of o.adminKeys ?? []) {
    const k = importPublicJwk(jwk);
    if (k.ok) candidates.push({ key: k.key, authority: "admin", role: "an admin key" });
  }

  let target = req.target;
  let tokenExp: number | undefined;
  /** Index of the token the target is "at": signers at or below it are not authorised. */
  let at: number | null = null;
  if (tokens.length > 0) {
    const located = locate(req.target, tokens);
    if (!located.ok) return refuse("revocation_target_not_in_chain", located.message, jti);
    at = located.index;
    const root = tokens[0] as VerifiedToken;
    // An anchor is an authority over the trees it rooted, and over nothing else.
    for (const a of anchorKeys(o.trustAnchors)) {
      if (a.issuer === root.issuer) {
        candidates.push({ key: a.key, authority: "anchor", role: `the trust anchor of ${quote(a.issuer)}` });
      }
    }
    if (req.target.kind === "token") {
      const t = tokens[at] as VerifiedToken;
      target = { kind: "token", id: `sha256:${t.hash}` };
      tokenExp = t.claims.exp;
      for (let i = 0; i < at; i++) {
        candidates.push(holderCandidate(tokens[i] as VerifiedToken, "delegator", `the holder of token ${i}`));
      }
    } else if (req.target.kind === "intent") {
      candidates.push(holderCandidate(root, "owner", "the holder of the root token"));
    } else {
      const t = tokens[at] as VerifiedToken;
      candidates.push(holderCandidate(t, "self", "the agent itself"));
      if (o.delegatorsMayRevokeAgents) {
        for (let i = 0; i < at; i++) {
          candidates.push(
            holderCandidate(tokens[i] as VerifiedToken, "delegator", `the holder of token ${i}`),
          );
        }
      }
    }
  }

  const { signingInput, signature } = split.parts;
  for (const c of candidates) {
    if (!c.key.verify(signingInput, signature)) continue;
    if (o.isAgentRevoked?.(c.key.id)) {
      return refuse(
        "revocation_unauthorized",
        `the request is signed by ${c.role} (${c.key.id}), whose key is revoked: a revoked key keeps no role; sign with a key that is not revoked`,
        jti,
      );
    }
    if ((c.authority === "owner" || c.authority === "anchor") && req.target.kind === "intent") {
      // An intent id is a string any issuer may use, so a root holder's or an anchor's "revoke
      // this intent" is narrowed to what it owns: the carried root token, which cascades to the
      // whole tree below it. Revoking an intent id everywhere stays with admins.
      const root = tokens[0] as VerifiedToken;
      target = { kind: "token", id: `sha256:${root.hash}` };
      tokenExp = root.claims.exp;
    } else if (c.authority === "anchor" && req.target.kind === "agent") {
      // The agent may hold keys in other issuers' trees: the anchor stops its branch of this one.
      const t = tokens[at as number] as VerifiedToken;
      target = { kind: "token", id: `sha256:${t.hash}` };
      tokenExp = t.claims.exp;
    }
    return {
      ok: true,
      jti,
      iat: req.iat,
      target,
      actor: c.key.id,
      authority: c.authority,
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...(tokenExp !== undefined ? { tokenExp } : {}),
    };
  }
  return refuse(
    "revocation_unauthorized",
    explainRefusal(req.target, tokens, at, signingInput, signature, o),
    jti,
  );
}

function anchorKeys(anchors: readonly TrustAnchor[]): { issuer: string; key: PublicKey }[] {
  const out: { issuer: string; key: PublicKey }[] = [];
  for (const a of anchors) {
    const k = importPublicJwk(a.jwk);
    if (k.ok) out.push({ issuer: a.issuer, key: k.key });
  }
  return out;
}

function holderCandidate(t: VerifiedToken, authority: RevocationAuthority, role: string): Candidate {
  return { key: t.claims.holder, authority, role };
}

/** `s` as a JSON string, cut to a few dozen characters: a message never echoes a request at length. */
function quote(s: string): string {
  return JSON.stringify(s.length > MAX_QUOTED ? `${s.slice(0, MAX_QUOTED)}…` : s);
}

/** Where the target sits in the chain: the token itself, the root (intent), or the agent's first token. */
function locate(
  target: RevocationTarget,
  tokens: readonly VerifiedToken[],
): { ok: true; index: number } | { ok: false; message: string } {
  if (target.kind === "token") {
    const i = tokens.findIndex((t) => `sha256:${t.hash}` === target.id || t.claims.jti === target.id);
    return i >= 0
      ? { ok: true, index: i }
      : {
          ok: false,
          message: `the carried chain holds no token ${quote(target.id)}; carry it root first down to the target`,
        };
  }
  if (target.kind === "intent") {
    const intent = tokens[0]?.claims.baton.intent?.id;
    return intent === target.id
      ? { ok: true, index: 0 }
      : {
          ok: false,
          message: `the carried chain is bound to ${intent === undefined ? "no intent" : `intent ${quote(intent)}`}, not ${quote(target.id)}`,
        };
  }
  const i = tokens.findIndex((t) => t.claims.holder.id === target.id);
  return i >= 0
    ? { ok: true, index: i }
    : { ok: false, message: `no token of the carried chain is held by agent ${quote(target.id)}` };
}

/** Names who signed, when the chain or the configuration knows the key, so a refused requester learns why. */
function explainRefusal(
  target: RevocationTarget,
  tokens: readonly VerifiedToken[],
  at: number | null,
  signingInput: string,
  signature: Uint8Array,
  o: VerifyRevocationOptions,
): string {
  const what = `${target.kind} ${quote(target.id)}`;
  const anchor = anchorKeys(o.trustAnchors).find((a) => a.key.verify(signingInput, signature));
  if (anchor) {
    const root = tokens[0];
    return root === undefined
      ? `the request is signed by the trust anchor of ${quote(anchor.issuer)}, which may revoke only within trees it rooted: carry the chain from its root down to the target; revoking ${what} by id alone needs an admin key`
      : `the request is signed by the trust anchor of ${quote(anchor.issuer)}, but the carried chain is rooted at ${quote(root.issuer)}: an anchor revokes only within trees it rooted, anything else needs an admin key`;
  }
  const signer = tokens.find((t) => t.claims.holder.verify(signingInput, signature));
  if (signer) {
    const who = `agent ${signer.claims.holder.id} (holder of token ${signer.index})`;
    if (target.kind === "token" && at !== null && signer.index >= at) {
      return signer.index === at
        ? `${who} holds the target token and may not revoke it; an agent above it in the chain can`
        : `${who} sits below the target token and may not revoke it`;
    }
    if (target.kind === "intent") {
      return `${who} is not the holder of the root token, and only the task owner, the root's trust anchor or an admin may revoke the whole intent`;
    }
    if (target.kind === "agent") {
      return o.delegatorsMayRevokeAgents
        ? `${who} is not above agent ${quote(target.id)} in the carried chain`
        : `${who} may revoke the tokens it delegated (target kind "token") but not agent ${quote(target.id)} everywhere; only the agent itself, the root's trust anchor (in its tree) or an admin may`;
    }
  }
  if (tokens.length === 0 && target.kind !== "agent") {
    return `the request is not signed by an admin key; to revoke ${what} as a delegator or trust anchor, carry the chain that puts you above it`;
  }
  return `the request is not signed by any key allowed to revoke ${what} (admin keys, the root's trust anchor, or the agents the carried chain places above it)`;
}

function readPayload(text: string): { ok: true; value: ParsedRequest } | { ok: false; message: string } {
  const parsed = parseLossless(text);
  if (!parsed.ok) return { ok: false, message: `the payload: ${parsed.message}` };
  const p = parsed.value;
  if (!isObject(p)) return { ok: false, message: "the payload is not a JSON object" };
  for (const k of Object.keys(p)) {
    if (!PAYLOAD_MEMBERS.has(k))
      return { ok: false, message: `the payload has an unknown member ${quote(k)}` };
  }
  const jti = p.jti;
  if (typeof jti !== "string" || jti.length === 0 || jti.length > MAX_JTI) {
    return { ok: false, message: `jti is not a non-empty string of at most ${MAX_JTI} characters` };
  }
  const iat = integerClaim(p.iat);
  if (iat === null) return { ok: false, message: "iat is not an integer NumericDate" };
  const t = p.target;
  if (!isObject(t)) return { ok: false, message: "target is not an object {kind, id}" };
  for (const k of Object.keys(t)) {
    if (k !== "kind" && k !== "id") return { ok: false, message: `target has an unknown member ${quote(k)}` };
  }
  if (typeof t.kind !== "string" || !TARGET_KINDS.has(t.kind)) {
    return { ok: false, message: 'target.kind is not "token", "agent" or "intent"' };
  }
  if (typeof t.id !== "string" || t.id.length === 0 || t.id.length > MAX_ID) {
    return { ok: false, message: `target.id is not a non-empty string of at most ${MAX_ID} characters` };
  }
  const chain = p.chain;
  if (!Array.isArray(chain) || !chain.every((c) => typeof c === "string")) {
    return { ok: false, message: "chain is not an array of compact AATs" };
  }
  const value: ParsedRequest = {
    jti,
    iat,
    target: { kind: t.kind, id: t.id } as RevocationTarget,
    chain: chain as string[],
  };
  if (Object.hasOwn(p, "aud")) {
    if (typeof p.aud !== "string" || p.aud.length === 0 || p.aud.length > MAX_AUD) {
      return { ok: false, message: `aud is not a non-empty string of at most ${MAX_AUD} characters` };
    }
    value.aud = p.aud;
  }
  if (Object.hasOwn(p, "reason")) {
    const reason = toPlain(p.reason as LosslessValue, "reason");
    if (!reason.ok || typeof reason.value !== "string" || reason.value.length > MAX_REASON) {
      return { ok: false, message: `reason is not a string of at most ${MAX_REASON} characters` };
    }
    value.reason = reason.value;
  }
  return { ok: true, value };
}

function isObject(v: LosslessValue | undefined): v is LosslessObject {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    !(v as { isLosslessNumber?: boolean }).isLosslessNumber
  );
}

function refuse(code: RevocationCode, message: string, jti?: string): RevocationRequestResult {
  return jti === undefined ? { ok: false, code, message } : { ok: false, code, message, jti };
}
