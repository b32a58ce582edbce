/**
 * Nonces issued by this enforcement point (AAT §7.2 `nonce`, step 7h), kept in the store so that a
 * nonce handed out by one node is accepted by every node. A nonce is not consumed by use: replay is
 * the PoP jti's job; the nonce only proves the proof was made after the EP asked for it.
 *
 * @example
 *   const nonces = new NonceBook(store, { ttlSec: 300, now: () => Math.floor(Date.now() / 1000) });
 *   const nonce = await nonces.issue();          // send it to the agent
 *   await nonces.accepts(pop.nonce);             // the verifier's NonceCheck
 */
import { randomBytes } from "node:crypto";
import type { NonceCheck } from "../core/ports.ts";
import type { Store } from "./types.ts";

export interface NonceBookOptions {
  /** Lifetime of an issued nonce; default 300 s. */
  ttlSec?: number;
  /** Unix s. */
  now?: () => number;
  /** 16 random bytes by default. */
  random?: () => Uint8Array;
}

export class NonceBook implements NonceCheck {
  readonly #store: Store;
  readonly #ttlSec: number;
  readonly #now: () => number;
  readonly #random: () => Uint8Array;

  constructor(store: Store, options: NonceBookOptions = {}) {
    this.#store = store;
    this.#ttlSec = options.ttlSec ?? 300;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#random = options.random ?? (() => randomBytes(16));
  }

  async issue(): Promise<string> {
    const nonce = Buffer.from(this.#random()).toString("base64url");
    await this.#store.putNonce(nonce, this.#now() + this.#ttlSec);
    return nonce;
  }

  accepts(nonce: string): Promise<boolean> {
    return this.#store.hasNonce(nonce, this.#now());
  }
}
