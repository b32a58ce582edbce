import { createPrivateKey, sign as cryptoSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { BatonError } from "../errors.ts";
import { importPublicJwk, type PublicJwk, type PublicKey } from "./public-key.ts";

/** A private Ed25519 JWK (RFC 8037). Keep it secret: files holding one are written mode 0600. */
export interface PrivateJwk extends PublicJwk {
  d: string;
  /** Optional display name; carries no authority. */
  name?: string;
}

/**
 * An agent's own Ed25519 workload key. Its id is the RFC 9278 JWK-thumbprint URI of the public key.
 *
 * @example
 * const orchestrator = AgentKey.generate();
 * orchestrator.id; // "urn:ietf:params:oauth:jwk-thumbprint:sha-256:…"
 */
export class AgentKey {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKey: PublicKey,
    private readonly d: string,
    readonly name?: string,
  ) {}

  /** A fresh random key. */
  static generate(name?: string): AgentKey {
    const { privateKey } = generateKeyPairSync("ed25519");
    return AgentKey.fromJwk({
      ...(privateKey.export({ format: "jwk" }) as PrivateJwk),
      ...(name ? { name } : {}),
    });
  }

  /** A key from a 32-byte RFC 8032 seed (deterministic: tests and vectors). */
  static fromSeed(seed: Uint8Array, name?: string): AgentKey {
    if (seed.length !== 32) throw new BatonError("invalid_argument", "an Ed25519 seed is 32 bytes");
    // PKCS#8 wrapping of a raw Ed25519 seed: fixed 16-byte prefix + seed.
    const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(seed)]);
    const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    return AgentKey.fromJwk({
      ...(privateKey.export({ format: "jwk" }) as PrivateJwk),
      ...(name ? { name } : {}),
    });
  }

  /** A key from a private JWK; throws `invalid_argument` with the reason if it is not one. */
  static fromJwk(jwk: unknown): AgentKey {
    const o = jwk as Partial<PrivateJwk> | null;
    if (!o || typeof o !== "object" || o.kty !== "OKP" || o.crv !== "Ed25519" || typeof o.d !== "string") {
      throw new BatonError("invalid_argument", "not a private Ed25519 JWK (kty OKP, crv Ed25519, d, x)");
    }
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({
        key: { kty: "OKP", crv: "Ed25519", d: o.d, x: o.x ?? "" },
        format: "jwk",
      });
    } catch {
      throw new BatonError("invalid_argument", "the private JWK does not decode to an Ed25519 key");
    }
    const derived = privateKey.export({ format: "jwk" }) as PrivateJwk;
    if (o.x !== undefined && derived.x !== o.x) {
      throw new BatonError("invalid_argument", "the private JWK's x does not match its d");
    }
    const pub = importPublicJwk({ kty: "OKP", crv: "Ed25519", x: derived.x });
    if (!pub.ok) throw new BatonError("invalid_argument", `unusable key: ${pub.reason}`);
    return new AgentKey(privateKey, pub.key, derived.d, typeof o.name === "string" ? o.name : undefined);
  }

  /** The agent id: RFC 9278 thumbprint URI of the public key. */
  get id(): string {
    return this.publicKey.id;
  }

  get publicJwk(): PublicJwk {
    return this.publicKey.jwk;
  }

  /** Ed25519 signature over `data`. */
  sign(data: Uint8Array | string): Uint8Array {
    return cryptoSign(null, typeof data === "string" ? Buffer.from(data, "utf8") : data, this.privateKey);
  }

  /** The private JWK, for writing to a key file. */
  toPrivateJwk(): PrivateJwk {
    return { ...this.publicKey.jwk, d: this.d, ...(this.name ? { name: this.name } : {}) };
  }
}
