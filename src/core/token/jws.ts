import type { JsonValue } from "../constraints/index.ts";
import { b64urlDecode, b64urlEncode, jcs, sha256b64u } from "../encoding.ts";
import { type FastResult, parseFast } from "../json/fast-strict.ts";
import type { AgentKey } from "../keys/agent-key.ts";

/** JWS `typ` of an AAT (§3.5). */
export const AAT_TYP = "aat+jwt";
/** JWS `typ` of a PoP JWT (§7.2). */
export const POP_TYP = "aat-pop+jwt";
/** The only signature algorithm Baton accepts: the fully specified RFC 9864 name. */
export const ALG = "Ed25519";

/**
 * Baton's profile marker: a header parameter listed in `crit`, so that an AAT verifier that does
 * not implement the Baton profile rejects the token (RFC 7515 §4.1.11) instead of silently ignoring
 * Baton's intent, approval and usage rules.
 */
export const BATON_HEADER = "baton";
export const BATON_PROFILE_VERSION = 1;

/** Header parameters this verifier understands when named in `crit`. */
const UNDERSTOOD_CRIT = new Set([BATON_HEADER]);
/** Parameters RFC 7515 §4.1.11 forbids listing in `crit` (they are always understood). */
const REGISTERED_HEADERS = new Set([
  "alg",
  "jku",
  "jwk",
  "kid",
  "x5u",
  "x5c",
  "x5t",
  "x5t#S256",
  "typ",
  "cty",
  "crit",
]);

/** A compact JWS split into its parts, with the header parsed strictly. Not verified. */
export interface JwsParts {
  compact: string;
  headerB64: string;
  payloadB64: string;
  /** `BASE64URL(header) "." BASE64URL(payload)`, byte for byte as presented. */
  signingInput: string;
  signature: Uint8Array;
  header: { [k: string]: JsonValue };
  /** The payload parsed once by whichever step needed it first (parsing is not verifying). */
  parsedPayload?: FastResult;
  /** Header members written as non-integer numbers (for the profile marker check). */
  headerNonInteger: Set<string>;
}

export type SplitResult = { ok: true; parts: JwsParts } | { ok: false; message: string };

/** Splits a compact JWS; refuses anything that is not three canonical base64url segments. */
export function splitCompact(compact: string): SplitResult {
  const segs = compact.split(".");
  if (segs.length !== 3) return { ok: false, message: "is not a compact JWS (three dot-separated parts)" };
  const [h, p, s] = segs as [string, string, string];
  const headerBytes = b64urlDecode(h);
  const payloadOk = b64urlDecode(p) !== null;
  const signature = b64urlDecode(s);
  if (!headerBytes || !payloadOk || !signature) {
    return { ok: false, message: "has a part that is not canonical base64url" };
  }
  const header = parseFast(headerBytes.toString("utf8"));
  if (!header.ok) return { ok: false, message: `has an unreadable header: ${header.message}` };
  const hv = header.parsed.value;
  if (hv === null || typeof hv !== "object" || Array.isArray(hv)) {
    return { ok: false, message: "has a header that is not a JSON object" };
  }
  return {
    ok: true,
    parts: {
      compact,
      headerB64: h,
      payloadB64: p,
      signingInput: `${h}.${p}`,
      signature,
      header: hv,
      headerNonInteger: header.parsed.nonIntegerTop,
    },
  };
}

/** Parses the payload strictly, once per parts object. */
export function parsePayload(parts: JwsParts): FastResult {
  parts.parsedPayload ??= parseFast(payloadText(parts));
  return parts.parsedPayload;
}

/** Decodes a payload segment to text (after the signature verified, or for the 2c jti scan). */
export function payloadText(parts: JwsParts): string {
  return (b64urlDecode(parts.payloadB64) as Buffer).toString("utf8");
}

export type HeaderCheck =
  | { ok: true; baton: boolean }
  | { ok: false; code: "unsupported_alg" | "wrong_typ" | "crit_unsupported"; message: string };

/**
 * Header rules of §8 steps 3a/4a/7a: `alg` is exactly "Ed25519" (never "EdDSA", `none` or a MAC),
 * `typ` is the expected one, and `crit` is processed. Keys carried in the header (`jwk`, `jku`,
 * `x5c`, `x5u`, `kid`) are never used: the verifying key always comes from the chain.
 */
export function checkHeader(
  header: { [k: string]: JsonValue },
  typ: string,
  nonInteger?: Set<string>,
): HeaderCheck {
  if (header.alg !== ALG) {
    return {
      ok: false,
      code: "unsupported_alg",
      message: `alg ${JSON.stringify(header.alg ?? null)} is not "Ed25519"`,
    };
  }
  if (header.typ !== typ) {
    return {
      ok: false,
      code: "wrong_typ",
      message: `typ ${JSON.stringify(header.typ ?? null)} is not "${typ}"`,
    };
  }
  let baton = false;
  if (Object.hasOwn(header, "crit")) {
    const crit = header.crit;
    if (!Array.isArray(crit) || crit.length === 0 || !crit.every((c) => typeof c === "string")) {
      return { ok: false, code: "crit_unsupported", message: "crit is not a non-empty array of strings" };
    }
    if (new Set(crit).size !== crit.length)
      return { ok: false, code: "crit_unsupported", message: "crit repeats a name" };
    for (const name of crit as string[]) {
      if (REGISTERED_HEADERS.has(name) || !UNDERSTOOD_CRIT.has(name) || !Object.hasOwn(header, name)) {
        return {
          ok: false,
          code: "crit_unsupported",
          message: `crit names "${name}", which this verifier does not process`,
        };
      }
    }
    baton = (crit as string[]).includes(BATON_HEADER);
  }
  if (Object.hasOwn(header, BATON_HEADER)) {
    const v = header[BATON_HEADER];
    if (!baton || v !== BATON_PROFILE_VERSION || nonInteger?.has(BATON_HEADER)) {
      return {
        ok: false,
        code: "crit_unsupported",
        message: `the Baton profile header must be "${BATON_HEADER}": ${BATON_PROFILE_VERSION} and listed in crit`,
      };
    }
  }
  return { ok: true, baton };
}

/** Signs `payload` (emitted as JCS) under `header` (also JCS) with `key`: a compact JWS. */
export function signCompact(header: Record<string, unknown>, payload: unknown, key: AgentKey): string {
  const signingInput = `${b64urlEncode(jcs(header))}.${b64urlEncode(jcs(payload))}`;
  return `${signingInput}.${b64urlEncode(key.sign(signingInput))}`;
}

/** AAT -02 §4.6: b64url-nopad(SHA-256(signing input)), the par_hash and aat_hash value. */
export function linkHash(signingInput: string): string {
  return sha256b64u(signingInput);
}
