import type { VerifiedToken } from "./verified-token.ts";

/**
 * Cache of verified tokens. A token is reused only under the exact conditions it was verified in:
 * the root under the same trust anchor, a child under a parent with the same signing-input hash
 * (which, through par_hash, fixes every parent claim). Failures are never cached, and nothing
 * time-dependent is: expiry, skew, audience and revocation are checked on every call.
 */
export class VerifiedTokenCache {
  private readonly map = new Map<string, { token: VerifiedToken; context: string }>();
  private bytes = 0;
  /** Bounded by entries and by bytes (a verified token is kept with its compact form and claims). */
  constructor(
    private readonly max = 10_000,
    private readonly maxBytes = 32 * 1_048_576,
  ) {}

  get(compact: string, index: number, context: string): VerifiedToken | undefined {
    const hit = this.map.get(compact);
    if (!hit || hit.context !== context || hit.token.index !== index) return undefined;
    return hit.token;
  }

  set(compact: string, context: string, token: VerifiedToken): void {
    const cost = compact.length * 3;
    if (cost > this.maxBytes) return;
    const old = this.map.get(compact);
    if (old) {
      this.map.delete(compact);
      this.bytes -= cost;
    }
    while (this.map.size >= this.max || this.bytes + cost > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
      this.bytes -= oldest.value.length * 3;
    }
    this.map.set(compact, { token, context });
    this.bytes += cost;
  }

  get size(): number {
    return this.map.size;
  }
}
