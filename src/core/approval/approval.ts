/**
 * Step-up approval tokens (Baton profile B3/B6, the AAT -02 §9.9 approval gate made concrete).
 *
 * An approval is a compact JWS, header exactly `{"alg":"Ed25519","typ":"baton-approval+jwt"}`,
 * payload (JCS) `{jti, iss, iat, exp, pop_hash, tool, args_hash}`. It is signed by an approver
 * key the enforcement point is configured with and binds ONE invocation: the PoP it answers
 * (`pop_hash`, the b64url SHA-256 of the compact PoP), the tool, and the arguments
 * (`args_hash`, b64url SHA-256 of their JCS form). It is short-lived (at most 600 s) and accepted
 * once. See `specs/approvals.md`.
 *
 * Pure: time is passed in and the once-only store is a hook (an in-memory one is the default).
 *
 * @example
 * const approval = createApproval({ key: alice, popHash: decision.detail.pop_hash, tool, args, now });
 * const gate = approvalGate({ approvers: [alice.publicJwk] });
 * new Verifier({ trustAnchors, audience, approvals: gate });
 */
import { uuidv7 } from "../chain/issue.ts";
import type { ApprovalGate, CallContext, GateResult } from "../chain/options.ts";
import { jcs, sha256b64u } from "../encoding.ts";
import { BatonError } from "../errors.ts";
import { type LosslessObject, type LosslessValue, parseLossless } from "../json/strict-json.ts";
import type { AgentKey } from "../keys/agent-key.ts";
import { importPublicJwk, type PublicJwk, type PublicKey } from "../keys/public-key.ts";
import { integerClaim } from "../token/claims.ts";
import { ALG, payloadText, signCompact, splitCompact } from "../token/jws.ts";

/** JWS `typ` of an approval token. */
export const APPROVAL_TYP = "baton-approval+jwt";
/** Default lifetime of an approval, in seconds. */
export const DEFAULT_APPROVAL_TTL = 120;
/** Longest lifetime (`exp - iat`) an approval may have, in seconds. */
export const MAX_APPROVAL_TTL = 600;
/** Most approvals one call may carry (an m-of-n array). */
export const MAX_APPROVALS_PER_CALL = 16;
/** Largest single approval token, in characters. */
export const MAX_APPROVAL_SIZE = 8_192;

const PAYLOAD_MEMBERS = ["jti", "iss", "iat", "exp", "pop_hash", "tool", "args_hash"] as const;
const MAX_JTI = 256;

/** b64url SHA-256 of the JCS form of `args`: the value an approval's `args_hash` must hold. */
export function approvalArgsHash(args: Record<string, unknown>): string {
  return sha256b64u(jcs(args));
}

export interface CreateApprovalOptions {
  /** The approver's key (a human's or an approval service's), configured at the enforcement point. */
  key: AgentKey;
  /** `detail.pop_hash` of the `approval_required` decision: the PoP being approved. */
  popHash: string;
  tool: string;
  args: Record<string, unknown>;
  /** Unix seconds. */
  now: number;
  /** Seconds, default 120, at most 600. */
  ttl?: number;
  jti?: string;
}

/** Signs an approval of exactly one invocation. Throws `invalid_argument` for a bad ttl or input. */
export function createApproval(o: CreateApprovalOptions): string {
  const ttl = o.ttl ?? DEFAULT_APPROVAL_TTL;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_APPROVAL_TTL) {
    throw new BatonError("invalid_argument", `an approval's ttl is 1–${MAX_APPROVAL_TTL} s, not ${ttl}`);
  }
  if (!Number.isSafeInteger(o.now)) throw new BatonError("invalid_argument", "now must be integer seconds");
  if (typeof o.popHash !== "string" || o.popHash.length === 0) {
    throw new BatonError("invalid_argument", "popHash must be the decision's detail.pop_hash");
  }
  if (typeof o.tool !== "string" || o.tool.length === 0) {
    throw new BatonError("invalid_argument", "tool must be a non-empty string");
  }
  const payload = {
    jti: o.jti ?? uuidv7(o.now * 1000),
    iss: o.key.id,
    iat: o.now,
    exp: o.now + ttl,
    pop_hash: o.popHash,
    tool: o.tool,
    args_hash: approvalArgsHash(o.args),
  };
  return signCompact({ alg: ALG, typ: APPROVAL_TYP }, payload, o.key);
}

/** The claims of an approval whose signature verified under a configured approver key. */
export interface ApprovalClaims {
  jti: string;
  /** Agent id of the approver (RFC 9278 thumbprint URI of the key that verified it). */
  iss: string;
  iat: number;
  exp: number;
  popHash: string;
  tool: string;
  argsHash: string;
}

/**
 * Records an approval as used, once. Returns false when `key` was already consumed (a reuse).
 * `key` is `<approver id> <jti>`; `exp` (unix s) is when the record may be forgotten.
 */
export type ConsumeApproval = (key: string, exp: number, now: number) => boolean | Promise<boolean>;

/**
 * An in-memory once-only store for a single process. Expired entries are pruned as time passes.
 * Several nodes need a shared store (e.g. the permit ledger) passed as `consume`.
 */
export function memoryConsume(): ConsumeApproval {
  const used = new Map<string, number>();
  let nextPrune = 0;
  return (key, exp, now) => {
    if (now >= nextPrune) {
      for (const [k, e] of used) if (e < now) used.delete(k);
      nextPrune = now + 60;
    }
    if (used.has(key)) return false;
    used.set(key, exp);
    return true;
  };
}

export interface ApprovalGateOptions {
  /** Public keys whose approvals count. Keys in a token header are never used. */
  approvers: readonly PublicJwk[];
  /** m of m-of-n: how many distinct approvers must approve the call. Default 1. */
  threshold?: number;
  /** Once-only store; default {@link memoryConsume} (one process). */
  consume?: ConsumeApproval;
  /** Seconds an approval's iat may lie in the future. Default 30. */
  maxIatSkew?: number;
  /**
   * Whether an agent id is revoked. A revoked approver's approval does not count: a revoked key
   * loses every role. Default: no approver is revoked.
   */
  isRevoked?: (agentId: string) => boolean;
}

/**
 * The approval gate the verifier calls when a `baton_approve` pattern matches the tool (or a
 * Cedar `@approval("required")` policy matched). `approval` is one compact approval or a JSON
 * array of them (m-of-n). Every approval presented must be valid; the distinct approvers among
 * them must reach the threshold; each counted approval is then consumed once.
 *
 * Every refusal is `approval_required` (step B6) with a message saying what is wrong.
 */
export function approvalGate(o: ApprovalGateOptions): ApprovalGate {
  const approvers: PublicKey[] = [];
  for (const [i, jwk] of o.approvers.entries()) {
    const k = importPublicJwk(jwk);
    if (!k.ok) throw new BatonError("invalid_config", `approver ${i}: ${k.reason}`);
    if (!approvers.some((a) => a.id === k.key.id)) approvers.push(k.key);
  }
  if (approvers.length === 0)
    throw new BatonError("invalid_config", "an approval gate needs an approver key");
  const threshold = o.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > approvers.length) {
    throw new BatonError(
      "invalid_config",
      `threshold must be an integer from 1 to the number of approvers (${approvers.length}), not ${threshold}`,
    );
  }
  const consume = o.consume ?? memoryConsume();
  const skew = o.maxIatSkew ?? 30;

  return {
    async check(ctx: CallContext, approval: string | undefined): Promise<GateResult> {
      const why = approvalReason(ctx);
      if (approval === undefined || approval === "") {
        return required(
          `${why} and no approval was presented; an approver must sign one for pop_hash ${ctx.popHash}`,
        );
      }
      const list = readApprovalList(approval);
      if (!list.ok) return required(`the approval ${list.message}`);
      const holders = new Set(ctx.tokens.map((t) => t.claims.holder.id));
      const expectedArgs = approvalArgsHash(ctx.args);
      const accepted = new Map<string, ApprovalClaims>();
      for (const [i, compact] of list.value.entries()) {
        const label = list.value.length === 1 ? "the approval" : `approval ${i + 1} of ${list.value.length}`;
        const r = verifyApproval(compact, approvers, ctx.now, skew);
        if (!r.ok) return required(`${label} ${r.message}`);
        const a = r.claims;
        if (o.isRevoked?.(a.iss)) {
          return required(
            `${label} is signed by approver ${a.iss}, whose key is revoked: a revoked approver's approval does not count`,
          );
        }
        if (holders.has(a.iss)) {
          return required(
            `${label} is signed by ${a.iss}, a holder in this chain: an agent can never approve its own call`,
          );
        }
        if (a.popHash !== ctx.popHash) {
          return required(`${label} is bound to another invocation (pop_hash differs from this PoP's)`);
        }
        if (a.tool !== ctx.tool) {
          return required(`${label} is bound to another invocation (tool "${a.tool}", not "${ctx.tool}")`);
        }
        if (a.argsHash !== expectedArgs) {
          return required(
            `${label} is bound to another invocation (its args_hash differs from these arguments)`,
          );
        }
        if (!accepted.has(a.iss)) accepted.set(a.iss, a);
      }
      if (accepted.size < threshold) {
        return required(
          `${why} by ${threshold} distinct approvers and ${accepted.size} approved (${list.value.length} approval(s) presented)`,
        );
      }
      // Consume only once everything verified, so a bad array burns nothing.
      for (const a of accepted.values()) {
        if (!(await consume(`${a.iss} ${a.jti}`, a.exp, ctx.now))) {
          return required(
            `the approval "${a.jti}" by ${a.iss} was already used; approvals are accepted once`,
          );
        }
      }
      return null;
    },
  };
}

function approvalReason(ctx: CallContext): string {
  return ctx.approvalPatterns.length > 0
    ? `tool "${ctx.tool}" requires step-up approval (pattern ${ctx.approvalPatterns.map((p) => `"${p}"`).join(", ")})`
    : `tool "${ctx.tool}" requires step-up approval (request policy)`;
}

function required(message: string): GateResult {
  return { code: "approval_required", step: "B6", message };
}

type Read<T> = { ok: true; value: T } | { ok: false; message: string };

/** One compact approval, or a JSON array of them. */
function readApprovalList(approval: string): Read<string[]> {
  if (typeof approval !== "string") return { ok: false, message: "is not a string" };
  if (!approval.startsWith("[")) return { ok: true, value: [approval] };
  if (approval.length > MAX_APPROVALS_PER_CALL * (MAX_APPROVAL_SIZE + 4)) {
    return { ok: false, message: "array is too large" };
  }
  let v: unknown;
  try {
    v = JSON.parse(approval);
  } catch {
    return { ok: false, message: "is neither a compact JWS nor a JSON array of them" };
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string")) {
    return { ok: false, message: "array must hold one or more compact approval strings" };
  }
  if (v.length > MAX_APPROVALS_PER_CALL) {
    return { ok: false, message: `array holds ${v.length} approvals, more than ${MAX_APPROVALS_PER_CALL}` };
  }
  return { ok: true, value: v as string[] };
}

/**
 * Verifies one approval's form, signature (under one of `approvers`) and times. The binding to a
 * call (pop_hash, tool, args_hash), self-approval and once-only use are the gate's checks.
 */
export function verifyApproval(
  compact: string,
  approvers: readonly PublicKey[],
  now: number,
  maxIatSkew = 30,
): { ok: true; claims: ApprovalClaims } | { ok: false; message: string } {
  if (compact.length > MAX_APPROVAL_SIZE)
    return { ok: false, message: `is larger than ${MAX_APPROVAL_SIZE} bytes` };
  const split = splitCompact(compact);
  if (!split.ok) return { ok: false, message: split.message };
  const h = split.parts.header;
  for (const k of Object.keys(h)) {
    if (k !== "alg" && k !== "typ")
      return { ok: false, message: `has header member "${k}"; only alg and typ are allowed` };
  }
  if (h.alg !== ALG) return { ok: false, message: `has alg ${JSON.stringify(h.alg ?? null)}, not "${ALG}"` };
  if (h.typ !== APPROVAL_TYP) {
    return { ok: false, message: `has typ ${JSON.stringify(h.typ ?? null)}, not "${APPROVAL_TYP}"` };
  }
  const signer = approvers.find((k) => k.verify(split.parts.signingInput, split.parts.signature));
  if (!signer) return { ok: false, message: "is not signed by a configured approver (unknown approver)" };
  const parsed = parseLossless(payloadText(split.parts));
  if (!parsed.ok) return { ok: false, message: `has an unreadable payload: ${parsed.message}` };
  const claims = readClaims(parsed.value);
  if (!claims.ok) return { ok: false, message: `has a malformed payload: ${claims.message}` };
  const c = claims.value;
  if (c.iss !== signer.id) {
    return { ok: false, message: `names issuer ${c.iss} but is signed by approver ${signer.id}` };
  }
  if (c.exp <= c.iat || c.exp - c.iat > MAX_APPROVAL_TTL) {
    return { ok: false, message: `lives ${c.exp - c.iat} s; an approval lives 1–${MAX_APPROVAL_TTL} s` };
  }
  if (c.iat > now + maxIatSkew) {
    return { ok: false, message: `is issued at ${c.iat}, more than ${maxIatSkew} s after now (${now})` };
  }
  if (c.exp <= now) return { ok: false, message: `expired at ${c.exp} (now ${now})` };
  return { ok: true, claims: c };
}

function readClaims(v: LosslessValue): Read<ApprovalClaims> {
  if (
    v === null ||
    typeof v !== "object" ||
    Array.isArray(v) ||
    (v as { isLosslessNumber?: boolean }).isLosslessNumber
  ) {
    return { ok: false, message: "not a JSON object" };
  }
  const o = v as LosslessObject;
  for (const k of Object.keys(o)) {
    if (!(PAYLOAD_MEMBERS as readonly string[]).includes(k))
      return { ok: false, message: `unknown member "${k}"` };
  }
  for (const k of ["jti", "iss", "pop_hash", "tool", "args_hash"] as const) {
    const s = o[k];
    if (typeof s !== "string" || s.length === 0)
      return { ok: false, message: `${k} is not a non-empty string` };
  }
  if ((o.jti as string).length > MAX_JTI) return { ok: false, message: `jti is longer than ${MAX_JTI}` };
  const iat = integerClaim(o.iat);
  const exp = integerClaim(o.exp);
  if (iat === null || exp === null) return { ok: false, message: "iat and exp must be integer NumericDates" };
  return {
    ok: true,
    value: {
      jti: o.jti as string,
      iss: o.iss as string,
      iat,
      exp,
      popHash: o.pop_hash as string,
      tool: o.tool as string,
      argsHash: o.args_hash as string,
    },
  };
}
