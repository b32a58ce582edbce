import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/**
 * Byte and text encodings shared by the protocol: base64url without padding (RFC 7515 §2),
 * JCS (RFC 8785) and the SHA-256 link hash of AAT -02 §4.6.
 *
 * node:crypto's hash is pure computation, not I/O, so the core may use it.
 */

const B64URL = /^[A-Za-z0-9_-]*$/;

export function b64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(data).toString("base64url");
}

/** Strict base64url: no padding, no other alphabet, and the encoding must be canonical. */
export function b64urlDecode(text: string): Buffer | null {
  if (!B64URL.test(text) || text.length % 4 === 1) return null;
  const buf = Buffer.from(text, "base64url");
  return buf.toString("base64url") === text ? buf : null;
}

/** RFC 8785 serialization. Throws only for values JSON cannot hold (a programmer error). */
export function jcs(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new TypeError("value has no JSON form");
  return out;
}

/** b64url-nopad(SHA-256(ASCII(text))): par_hash and aat_hash over a JWS signing input. */
export function sha256b64u(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("base64url");
}

export function sha256hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}
