import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import * as ed from "@noble/ed25519";
import { b64urlDecode, jcs, sha256b64u } from "../encoding.ts";

/** RFC 9278 prefix of a SHA-256 JWK-thumbprint URI: the form of every agent id. */
export const THUMBPRINT_URI_PREFIX = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:";

/** JWK members that only a private (or symmetric) key carries. Their presence refuses the key. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/** A public Ed25519 JWK in its minimal RFC 8037 form. */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

/** An accepted public Ed25519 key: encoding checked, not of small order, ready to verify. */
export interface PublicKey {
  readonly jwk: PublicJwk;
  /** RFC 7638 thumbprint (b64url SHA-256 of the required members in JCS order). */
  readonly thumbprint: string;
  /** RFC 9278 URI of the thumbprint: the agent id. */
  readonly id: string;
  /** Strict RFC 8032 verification of `signature` over `data`. */
  verify(data: Uint8Array | string, signature: Uint8Array): boolean;
}

export type KeyResult = { ok: true; key: PublicKey } | { ok: false; reason: string };

// Parsing a key (point decoding with noble, KeyObject creation) costs far more than a lookup; keys
// recur on every call, so accepted keys are memoised by their x coordinate.
const cache = new Map<string, PublicKey>();
const CACHE_MAX = 10_000;

/**
 * Accepts a public Ed25519 JWK or explains why not. Refuses private members, other key types,
 * non-canonical encodings, points not on the curve and small-order points: both node:crypto and
 * ZIP-215 verifiers accept a trivial forgery under a small-order key, so such a key never verifies.
 */
export function importPublicJwk(jwk: unknown): KeyResult {
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) {
    return { ok: false, reason: "the key is not a JWK object" };
  }
  const o = jwk as Record<string, unknown>;
  for (const m of PRIVATE_MEMBERS) {
    if (Object.hasOwn(o, m)) return { ok: false, reason: `the JWK carries the private member "${m}"` };
  }
  if (o.kty !== "OKP" || o.crv !== "Ed25519") {
    return { ok: false, reason: "the JWK is not an OKP Ed25519 key" };
  }
  if (typeof o.x !== "string") return { ok: false, reason: "the JWK has no x" };
  if (Object.hasOwn(o, "alg") && o.alg !== "Ed25519" && o.alg !== "EdDSA") {
    return { ok: false, reason: `the JWK's alg ${JSON.stringify(o.alg)} is not Ed25519` };
  }
  return importRawX(o.x);
}

function importRawX(x: string): KeyResult {
  const hit = cache.get(x);
  if (hit) return { ok: true, key: hit };
  const raw = b64urlDecode(x);
  if (raw?.length !== 32) return { ok: false, reason: "x is not 32 bytes of canonical base64url" };
  let point: ed.Point;
  try {
    point = ed.Point.fromBytes(raw, false); // RFC 8032 decoding: non-canonical y is refused
  } catch {
    return { ok: false, reason: "x is not a point on Ed25519" };
  }
  if (point.isSmallOrder()) return { ok: false, reason: "x is a small-order point" };
  const jwk: PublicJwk = { kty: "OKP", crv: "Ed25519", x };
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: { ...jwk }, format: "jwk" });
  } catch {
    return { ok: false, reason: "x is not an Ed25519 public key" };
  }
  const thumbprint = jwkThumbprint(jwk);
  const key: PublicKey = {
    jwk,
    thumbprint,
    id: THUMBPRINT_URI_PREFIX + thumbprint,
    verify(data, signature) {
      if (signature.length !== 64) return false;
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      return cryptoVerify(null, bytes, keyObject, signature);
    },
  };
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(x, key);
  return { ok: true, key };
}

/** RFC 7638 thumbprint of an Ed25519 public JWK: members crv, kty, x in JCS order. */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string }): string {
  return sha256b64u(jcs({ crv: jwk.crv, kty: jwk.kty, x: jwk.x }));
}

/** The agent id (RFC 9278 thumbprint URI) of a public JWK. */
export function agentIdOf(jwk: { crv: string; kty: string; x: string }): string {
  return THUMBPRINT_URI_PREFIX + jwkThumbprint(jwk);
}
