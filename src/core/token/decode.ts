import type { DecodedToken } from "../chain/verified-token.ts";
import type { DecisionCode } from "../errors.ts";
import { readAatClaims } from "./claims.ts";
import { AAT_TYP, checkHeader, linkHash, parsePayload, splitCompact } from "./jws.ts";

/**
 * A token decoded WITHOUT verifying its signature: for inspection and for a holder deriving from a
 * chain it already trusts. The type is distinct from a verified token so it cannot reach a decision.
 */
export interface UnverifiedToken {
  readonly unverified: true;
  readonly token: DecodedToken;
}

export type DecodeResult =
  | { ok: true; value: UnverifiedToken }
  | { ok: false; code: DecisionCode; message: string };

/** Decodes an AAT compact string into its claims; nothing is verified but the JSON shape. */
export function decodeToken(compact: string, index: number): DecodeResult {
  const split = splitCompact(compact);
  if (!split.ok) return { ok: false, code: "malformed_token", message: `token ${index} ${split.message}` };
  const header = checkHeader(split.parts.header, AAT_TYP, split.parts.headerNonInteger);
  if (!header.ok) return { ok: false, code: header.code, message: `token ${index}: ${header.message}` };
  const payload = parsePayload(split.parts);
  if (!payload.ok)
    return { ok: false, code: "malformed_claims", message: `token ${index}: ${payload.message}` };
  const claims = readAatClaims(payload.parsed);
  if (!claims.ok) return { ok: false, code: claims.code, message: `token ${index}: ${claims.message}` };
  return {
    ok: true,
    value: {
      unverified: true,
      token: {
        index,
        parts: split.parts,
        claims: claims.claims,
        hash: linkHash(split.parts.signingInput),
        baton: header.baton,
        issuer: claims.claims.iss,
      },
    },
  };
}
