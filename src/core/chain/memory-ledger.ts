import type { LedgerResult, PermitLedger, UsageCharge } from "../ports.ts";

/**
 * An in-process permit ledger: PoP jti replay tracking (AAT §8 step 7i) and usage counters for
 * one verifier. Commits are atomic (JavaScript runs them to completion). Replay keys are dropped
 * once expired, so memory stays bounded by the calls of one PoP window. Several processes or
 * nodes need a shared ledger instead (the SQLite or PostgreSQL store).
 */
export class MemoryLedger implements PermitLedger {
  private readonly replay = new Map<string, number>();
  private readonly usage = new Map<string, number>();
  private nextPrune = 0;

  /** @param clock Unix seconds, used only to drop expired replay keys. */
  constructor(private readonly clock: () => number = () => Math.floor(Date.now() / 1000)) {}

  commit(entry: { replay?: { key: string; expiresAt: number }; usage: UsageCharge[] }): LedgerResult {
    const now = this.clock();
    if (now >= this.nextPrune) {
      for (const [k, exp] of this.replay) if (exp < now) this.replay.delete(k);
      this.nextPrune = now + 10;
    }
    if (entry.replay) {
      const exp = this.replay.get(entry.replay.key);
      if (exp !== undefined && exp >= now) return { ok: false, code: "replayed" };
    }
    for (const c of entry.usage) {
      const used = this.usage.get(c.key) ?? 0;
      if (used >= c.limit) return { ok: false, code: "usage_exceeded", index: c.index, used, limit: c.limit };
    }
    if (entry.replay) this.replay.set(entry.replay.key, entry.replay.expiresAt);
    for (const c of entry.usage) this.usage.set(c.key, (this.usage.get(c.key) ?? 0) + 1);
    return { ok: true };
  }
}
