import { createHash } from "node:crypto";
import { canonicalize } from "./json/canonicalize.ts";

/**
 * Byte and text encodings shared by the protocol: base64url without padding (RFC 7515 §2),
 * JCS (RFC 8785) and the SHA-256 link hash of AAT -02 §4.6.
 *
 * node:crypto's hash is pure computation, not I/O, so the core may use it.
 */

const B64URL = /^[A-Za-z0-9_-]*$/;
const B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

export function b64urlEncode(data: Uint8Array | string): string {
  return Buffer.from(data).toString("base64url");
}

/** Strict base64url: no padding, no other alphabet, and the encoding must be canonical. */
export function b64urlDecode(text: string): Buffer | null {
  const rem = text.length % 4;
  if (rem === 1 || !B64URL.test(text)) return null;
  // Canonical: the unused low bits of the last character must be zero (RFC 4648 §3.5).
  if (rem !== 0) {
    const last = B64URL_ALPHABET.indexOf(text[text.length - 1] as string);
    if ((rem === 2 && (last & 0x0f) !== 0) || (rem === 3 && (last & 0x03) !== 0)) return null;
  }
  return Buffer.from(text, "base64url");
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
