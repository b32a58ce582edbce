import type { LosslessNumber } from "lossless-json";
import type { JsonValue, ToolsMap } from "../constraints/index.ts";
import { quote } from "../display.ts";
import { type FastParse, pathStartsWith } from "../json/fast-strict.ts";
import { isAdmissible, isIntegerLiteral, type LosslessValue } from "../json/strict-json.ts";
import { importPublicJwk, type PublicKey } from "../keys/public-key.ts";

/** The `type` of the RAR entry that carries AAT authority (§3.3). */
export const AAT_DETAILS_TYPE = "attenuating_agent_token";

/** Baton profile claims (see specs/baton-profile.md). Collision-resistant names per AAT App. B.6. */
export const CLAIM_INTENT = "baton_intent";
export const CLAIM_APPROVE = "baton_approve";
export const CLAIM_MAX_USES = "baton_max_uses";
export const BATON_CLAIMS = [CLAIM_INTENT, CLAIM_APPROVE, CLAIM_MAX_USES] as const;

/**
 * Length limits on string claims, in UTF-16 code units, checked with the claims (3b/4b/7c). AAT -02
 * App. B.5 sizes tool ids at 256 bytes; Baton holds ids to the same bound and URIs to 2048, so nothing
 * a token carries into a message, a log line or the audit store is larger than that.
 */
export const CLAIM_LIMITS = Object.freeze({
  /** jti, the PoP's jti / aat_id / aat_tool / nonce, intent ids and approval patterns. */
  id: 256,
  /** iss, each aud / aat_aud value. */
  uri: 2048,
  /** Values in one aud / aat_aud array. */
  audValues: 32,
  /** baton_intent.purpose. */
  purpose: 1024,
});

/** Null when `v` is a non-empty string of at most `max` code units, else what is wrong with it. */
export function stringProblem(name: string, v: unknown, max: number): string | null {
  if (typeof v !== "string" || v.length === 0) return `${name} is not a non-empty string`;
  if (v.length > max) return `${name} is ${v.length} characters, over the ${max} limit`;
  return null;
}

/** `aud`/`aat_aud`: a string or a non-empty array of strings, each and the count bounded. */
export function readAudience(name: string, a: JsonValue | undefined): string[] | string {
  const list = typeof a === "string" ? [a] : a;
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === "string"))
    return `${name} is not a string or a non-empty array of strings`;
  if (list.length > CLAIM_LIMITS.audValues)
    return `${name} holds ${list.length} values, over the ${CLAIM_LIMITS.audValues} limit`;
  for (const x of list as string[]) {
    const why = stringProblem(`a value of ${name}`, x, CLAIM_LIMITS.uri);
    if (why) return why;
  }
  return list as string[];
}

export interface Intent {
  id: string;
  purpose: string;
}

/** Baton's profile claims of one token, once checked. */
export interface BatonClaims {
  intent?: Intent;
  approve?: string[];
  maxUses?: number;
}

/** Claims of a verified AAT, typed. */
export interface AatClaims {
  jti: string;
  iss: string;
  iat: number;
  exp: number;
  /** `aud` normalised to an array; undefined when absent. */
  aud?: string[];
  holder: PublicKey;
  delDepth: number;
  delMaxDepth: number;
  parHash?: string;
  /** The AAT entry's tools; null when the token has no AAT entry (the empty capability set). */
  tools: ToolsMap | null;
  /** Number of AAT entries found (6a/3m need exactly one). */
  aatEntries: number;
  baton: BatonClaims;
  /** The payload as plain JSON (known claims only are relied upon). */
  raw: Record<string, JsonValue>;
}

export type ClaimFailure = {
  ok: false;
  code:
    | "malformed_claims"
    | "untrusted_key"
    | "invalid_authorization_details"
    | "invalid_constraint"
    | "intent_mismatch";
  message: string;
};

/** A NumericDate or integer claim read from a lossless tree (for code on the lossless parser). */
export function integerClaim(v: LosslessValue | undefined): number | null {
  if (!isIntegerLiteral(v)) return null;
  const raw = (v as LosslessNumber).value;
  if (!isAdmissible(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}

/** A NumericDate or integer claim: a JSON number written with no fraction and no exponent. */
export function integerMember(parsed: FastParse, key: string): number | null {
  const o = parsed.value as Record<string, JsonValue>;
  const v = o[key];
  if (typeof v !== "number" || !Number.isSafeInteger(v) || parsed.nonIntegerTop.has(key)) return null;
  return v;
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Reads the claims of an AAT payload (after its signature verified). Checks JSON types of every
 * claim the verifier relies on (§8 3b–3m, 4b1–4b5, 4n); constraint semantics are checked later.
 */
export function readAatClaims(parsed: FastParse): { ok: true; claims: AatClaims } | ClaimFailure {
  const p = parsed.value;
  if (!isObject(p)) return fail("malformed_claims", "the payload is not a JSON object");
  const jti = p.jti;
  const jtiWhy = stringProblem("jti", jti, CLAIM_LIMITS.id);
  if (jtiWhy !== null || typeof jti !== "string") return fail("malformed_claims", jtiWhy ?? "jti");
  const iat = integerMember(parsed, "iat");
  const exp = integerMember(parsed, "exp");
  if (iat === null || exp === null)
    return fail("malformed_claims", "iat and exp must be integer NumericDates");
  const delDepth = integerMember(parsed, "del_depth");
  const delMaxDepth = integerMember(parsed, "del_max_depth");
  if (delDepth === null || delMaxDepth === null || delDepth < 0 || delMaxDepth < 0) {
    return fail("malformed_claims", "del_depth and del_max_depth must be non-negative integers");
  }
  const issWhy = stringProblem("iss", p.iss, CLAIM_LIMITS.uri);
  if (issWhy !== null || typeof p.iss !== "string") return fail("malformed_claims", issWhy ?? "iss");
  let parHash: string | undefined;
  if (Object.hasOwn(p, "par_hash")) {
    if (typeof p.par_hash !== "string" || p.par_hash.length > CLAIM_LIMITS.id)
      return fail("malformed_claims", "par_hash is not a string of at most 256 characters");
    parHash = p.par_hash;
  }
  let aud: string[] | undefined;
  if (Object.hasOwn(p, "aud")) {
    const a = readAudience("aud", p.aud);
    if (typeof a === "string") return fail("malformed_claims", a);
    aud = a;
  }
  const cnf = p.cnf;
  if (!isObject(cnf) || !isObject(cnf.jwk)) return fail("malformed_claims", "cnf.jwk is missing");
  const holder = importPublicJwk(cnf.jwk);
  if (!holder.ok) return fail("untrusted_key", `cnf.jwk is not an acceptable public key: ${holder.reason}`);

  const ad = p.authorization_details;
  if (!Array.isArray(ad)) return fail("malformed_claims", "authorization_details is not an array");
  let tools: ToolsMap | null = null;
  let aatEntries = 0;
  for (let i = 0; i < ad.length; i++) {
    const entry = ad[i];
    if (!isObject(entry) || typeof entry.type !== "string") {
      return fail(
        "invalid_authorization_details",
        "an authorization_details entry is not an object with a type",
      );
    }
    if (entry.type !== AAT_DETAILS_TYPE) continue; // other RAR types are allowed and carry no authority
    aatEntries++;
    if (!isObject(entry.tools)) {
      return fail("invalid_authorization_details", "the AAT entry's tools is not an object");
    }
    const bad = parsed.inadmissible.find((path) => pathStartsWith(path, ["authorization_details", i]));
    if (bad)
      return fail(
        "invalid_constraint",
        `the number at ${bad.slice(2).join(".")} is not admissible as written`,
      );
    tools = entry.tools as ToolsMap;
  }
  if (aatEntries > 1)
    return fail("invalid_authorization_details", "authorization_details holds more than one AAT entry");

  const baton = readBatonClaims(parsed);
  if (!baton.ok) return baton;

  const claims: AatClaims = {
    jti,
    iss: p.iss,
    iat,
    exp,
    holder: holder.key,
    delDepth,
    delMaxDepth,
    tools,
    aatEntries,
    baton: baton.claims,
    raw: p,
  };
  if (aud) claims.aud = aud;
  if (parHash !== undefined) claims.parHash = parHash;
  return { ok: true, claims };
}

/** Pattern of an approval entry: an exact tool id, or a prefix followed by a single trailing `*`. */
const MAX_PATTERNS = 256;

function readBatonClaims(parsed: FastParse): { ok: true; claims: BatonClaims } | ClaimFailure {
  const p = parsed.value as { [k: string]: JsonValue };
  const out: BatonClaims = {};
  if (Object.hasOwn(p, CLAIM_INTENT)) {
    const i = p[CLAIM_INTENT];
    if (!isObject(i) || typeof i.id !== "string" || i.id.length === 0 || typeof i.purpose !== "string") {
      return fail("intent_mismatch", `${CLAIM_INTENT} must be {"id": non-empty string, "purpose": string}`);
    }
    if (i.id.length > CLAIM_LIMITS.id || i.purpose.length > CLAIM_LIMITS.purpose) {
      return fail(
        "intent_mismatch",
        `${CLAIM_INTENT} id must be at most ${CLAIM_LIMITS.id} and purpose at most ${CLAIM_LIMITS.purpose} characters`,
      );
    }
    for (const k of Object.keys(i)) {
      if (k !== "id" && k !== "purpose")
        return fail("intent_mismatch", `${CLAIM_INTENT} has an unknown member ${quote(k)}`);
    }
    out.intent = { id: i.id, purpose: i.purpose };
  }
  if (Object.hasOwn(p, CLAIM_APPROVE)) {
    const a = p[CLAIM_APPROVE];
    if (
      !Array.isArray(a) ||
      a.length > MAX_PATTERNS ||
      !a.every(
        (x) =>
          typeof x === "string" &&
          x.length > 0 &&
          x.length <= CLAIM_LIMITS.id &&
          [-1, x.length - 1].includes(x.indexOf("*")),
      )
    ) {
      return fail(
        "malformed_claims",
        `${CLAIM_APPROVE} must be an array (at most ${MAX_PATTERNS}) of tool ids or "prefix*" patterns of at most ${CLAIM_LIMITS.id} characters`,
      );
    }
    out.approve = a as string[];
  }
  if (Object.hasOwn(p, CLAIM_MAX_USES)) {
    const n = integerMember(parsed, CLAIM_MAX_USES);
    if (n === null || n < 1) return fail("malformed_claims", `${CLAIM_MAX_USES} must be a positive integer`);
    out.maxUses = n;
  }
  return { ok: true, claims: out };
}

/** True when `tool` matches an approval pattern (exact id, or `prefix*`). */
export function matchesPattern(pattern: string, tool: string): boolean {
  return pattern.endsWith("*") ? tool.startsWith(pattern.slice(0, -1)) : tool === pattern;
}

function fail(code: ClaimFailure["code"], message: string): ClaimFailure {
  return { ok: false, code, message };
}
