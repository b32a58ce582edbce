/**
 * The registry entry of a token: what `Store.recordToken` takes, read from the compact JWS. The
 * caller records only tokens it has verified (the facade does so on delegate and verify).
 *
 * @example
 *   for (const compact of chain) await store.recordToken(tokenInputOf(compact));
 */
import { decodeToken } from "../core/index.ts";
import type { TokenInput } from "../trust/index.ts";

/** Reads the registry fields of a compact AAT; throws on a token that does not decode. */
export function tokenInputOf(compact: string): TokenInput {
  const decoded = decodeToken(compact, 0);
  if (!decoded.ok) throw new TypeError(`cannot record this token: ${decoded.message}`);
  const t = decoded.value.token;
  const c = t.claims;
  const input: TokenInput = {
    hash: `sha256:${t.hash}`,
    jti: c.jti,
    issuer: c.iss,
    holder: c.holder.id,
    depth: c.delDepth,
    iat: c.iat,
    exp: c.exp,
    token: compact,
    payload: c.raw,
  };
  if (c.parHash !== undefined) input.parentHash = `sha256:${c.parHash}`;
  if (c.baton.intent) input.intent = c.baton.intent.id;
  return input;
}
