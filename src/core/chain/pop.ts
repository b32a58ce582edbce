/**
 * The PoP (§7, steps 7a–7h): its header and signature under the leaf holder's key, then its claims
 * and their binding to the leaf, the audience, the tool, the arguments, the time and the nonce.
 * 7i (replay) is recorded with the usage counters in `commit.ts`, only on a permit.
 */
import type { JsonValue } from "../constraints/index.ts";
import { quote } from "../display.ts";
import { jcs } from "../encoding.ts";
import type { FastParse } from "../json/fast-strict.ts";
import type { NonceCheck } from "../ports.ts";
import { CLAIM_LIMITS, integerMember, readAudience, stringProblem } from "../token/claims.ts";
import { checkHeader, type JwsParts, POP_TYP, parsePayload, splitCompact } from "../token/jws.ts";
import { type Failure, failure } from "./failure.ts";
import type { VerifyLimits } from "./options.ts";
import type { VerifiedToken } from "./verified-token.ts";

/** The PoP's claims, typed. */
export interface PopClaims {
  jti: string;
  iat: number;
  aatId: string;
  aatHash: string;
  aatTool: string;
  aatAud?: string[];
  nonce?: string;
  hta: JsonValue;
}

/** A PoP whose signature verified under the leaf holder's key (I6), its payload parsed. */
export interface SignedPop {
  parts: JwsParts;
  payload: FastParse;
}

/** 7a/7b: header, size and signature under `leaf.cnf.jwk`; then strict parsing of the payload. */
export function verifyPopSignature(
  compact: string,
  leaf: VerifiedToken,
  limits: VerifyLimits,
): { ok: true; pop: SignedPop } | Failure {
  const split = splitCompact(compact);
  if (!split.ok) return failure("malformed_token", "7a", null, `the PoP ${split.message}`);
  const parts = split.parts;
  if (parts.compact.length > limits.maxTokenSize) {
    return failure("token_too_large", "2a", null, "the PoP exceeds MAX_TOKEN_SIZE");
  }
  const header = checkHeader(parts.header, POP_TYP, parts.headerNonInteger);
  if (!header.ok) return failure(header.code, "7a", null, `the PoP: ${header.message}`);
  if (!leaf.claims.holder.verify(parts.signingInput, parts.signature)) {
    return failure(
      "bad_signature",
      "7b",
      null,
      `the PoP is not signed by the holder of token ${leaf.index} (I6)`,
    );
  }
  const payload = parsePayload(parts);
  if (!payload.ok) return failure("malformed_claims", "7b", null, `the PoP: ${payload.message}`);
  return { ok: true, pop: { parts, payload: payload.parsed } };
}

/** What 7c–7h compare the PoP with. */
export interface PopBinding {
  leaf: VerifiedToken;
  tool: string;
  args: Record<string, JsonValue>;
  now: number;
  audiences: ReadonlySet<string>;
  /** Whether a PoP without `aat_aud` is refused (see `VerifyPolicy.requirePopAud`). */
  requireAud: boolean;
  /** Whether some token of the chain carries `aud` (for the message). */
  chainNamesAud: boolean;
  popWindow: number;
}

/** 7c–7g: the PoP names the leaf, this enforcement point, this tool and arguments, and now. */
export function checkPopBinding(pop: SignedPop, b: PopBinding): { ok: true; claims: PopClaims } | Failure {
  const read = readPopClaims(pop.payload);
  if (!read.ok) return failure("malformed_claims", "7c", null, `the PoP: ${read.message}`);
  const pc = read.claims;
  const { leaf } = b;
  if (pc.aatId !== leaf.claims.jti || pc.aatHash !== leaf.hash) {
    const which = pc.aatId === leaf.claims.jti ? "with another signing input" : quote(pc.aatId, 40);
    return failure("pop_mismatch", "7c", null, `the PoP is bound to token ${which}, not the presented leaf`);
  }
  if (pc.aatAud !== undefined) {
    if (!pc.aatAud.some((a) => b.audiences.has(a))) {
      return failure(
        "audience_mismatch",
        "7d",
        null,
        `the PoP is addressed to ${showList(pc.aatAud)}, not this enforcement point`,
      );
    }
  } else if (b.requireAud) {
    // Audience binding is on by default whenever the chain names no aud: otherwise a presentation
    // made for one enforcement point is accepted by every other that trusts the same anchor.
    return failure(
      "audience_mismatch",
      "7d",
      null,
      b.chainNamesAud
        ? "this enforcement point requires aat_aud in the PoP; prove again with aud set to it"
        : "the chain names no aud, so the PoP must carry aat_aud naming this enforcement point; prove again with aud set",
    );
  }
  if (pc.aatTool !== b.tool) {
    return failure(
      "tool_mismatch",
      "7e",
      null,
      `the PoP is for tool ${quote(pc.aatTool)}, not ${quote(b.tool)}`,
    );
  }
  if (jcs(pc.hta) !== jcs(b.args)) {
    return failure(
      "args_mismatch",
      "7f",
      null,
      `the PoP's hta differs from the arguments of this call to ${quote(b.tool)}`,
    );
  }
  if (Math.abs(b.now - pc.iat) > b.popWindow) {
    return failure(
      "pop_stale",
      "7g",
      null,
      `the PoP was made at ${pc.iat}, outside ±${b.popWindow} s of now (${b.now}); prove again`,
    );
  }
  return { ok: true, claims: pc };
}

/** 7h: when this enforcement point issues nonces, the PoP must carry one it still accepts. */
export async function checkNonce(pc: PopClaims, nonces: NonceCheck | undefined): Promise<Failure | null> {
  if (!nonces) return null;
  if (pc.nonce === undefined) {
    return failure("nonce_invalid", "7h", null, "this enforcement point requires a nonce in the PoP");
  }
  if (!(await nonces.accepts(pc.nonce))) {
    return failure(
      "nonce_invalid",
      "7h",
      null,
      "the PoP's nonce was not issued here or is no longer accepted",
    );
  }
  return null;
}

/** A few outside strings for a message: quoted, escaped, at most four shown. */
export function showList(xs: readonly string[]): string {
  const shown = xs.slice(0, 4).map((x) => quote(x));
  return xs.length > 4 ? `${shown.join(", ")} and ${xs.length - 4} more` : shown.join(", ");
}

function readPopClaims(parsed: FastParse): { ok: true; claims: PopClaims } | { ok: false; message: string } {
  const o = parsed.value;
  if (o === null || typeof o !== "object" || Array.isArray(o))
    return { ok: false, message: "the payload is not an object" };
  for (const k of ["jti", "aat_id", "aat_hash", "aat_tool"] as const) {
    const why = stringProblem(k, o[k], CLAIM_LIMITS.id);
    if (why !== null) return { ok: false, message: why };
  }
  const iat = integerMember(parsed, "iat");
  if (iat === null) return { ok: false, message: "iat is not an integer NumericDate" };
  const hta = o.hta;
  if (hta === null || typeof hta !== "object" || Array.isArray(hta))
    return { ok: false, message: "hta is not an object" };
  const bad = parsed.inadmissible.find((path) => path[0] === "hta");
  if (bad) return { ok: false, message: `the number at ${bad.join(".")} is not admissible as written` };
  const claims: PopClaims = {
    jti: o.jti as string,
    iat,
    aatId: o.aat_id as string,
    aatHash: o.aat_hash as string,
    aatTool: o.aat_tool as string,
    hta,
  };
  if (Object.hasOwn(o, "aat_aud")) {
    const a = readAudience("aat_aud", o.aat_aud);
    if (typeof a === "string") return { ok: false, message: a };
    claims.aatAud = a;
  }
  if (Object.hasOwn(o, "nonce")) {
    if (typeof o.nonce !== "string" || o.nonce.length > CLAIM_LIMITS.id)
      return { ok: false, message: `nonce is not a string of at most ${CLAIM_LIMITS.id} characters` };
    claims.nonce = o.nonce;
  }
  return { ok: true, claims };
}
