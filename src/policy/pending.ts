/**
 * The pending-approval registry: calls that were refused with `approval_required` and wait for an
 * approver. In memory, one process, bounded; it is a work list for approvers (what to sign), never
 * an authority: an approval is checked against the call itself, not against this list.
 *
 * @example
 * const pending = new PendingApprovals();
 * const decision = await verifier.verify(call);
 * pending.observe(call, decision);          // records on approval_required, removes on a permit
 * pending.list(nowSeconds());               // what GET /v1/approvals returns
 */
import { approvalArgsHash } from "../core/approval/approval.ts";
import type { Decision } from "../core/chain/options.ts";
import { sha256b64u } from "../core/encoding.ts";

/** One call waiting for approval: everything an approver needs to sign `createApproval`. */
export interface PendingApproval {
  /** What the approval must bind: b64url SHA-256 of the compact PoP. */
  pop_hash: string;
  tool: string;
  /** b64url SHA-256 of JCS(args). The arguments themselves are not kept (they may be sensitive). */
  args_hash: string;
  /** The chain's Baton intent id, or null. */
  intent: string | null;
  /** Agent id of the leaf holder (the agent asking). */
  holder: string | null;
  /** Why approval is needed (the decision's message). */
  reason: string;
  /** Unix seconds when it was recorded. */
  at: number;
  /** Unix seconds after which it is dropped: the PoP can no longer be presented. */
  expires_at: number;
}

export interface PendingApprovalsOptions {
  /**
   * Seconds an entry is kept. Default 60: an approval binds the PoP, and the PoP itself is only
   * fresh for the verifier's window (±30 s by default), so older entries cannot be completed.
   */
  ttl?: number;
  /** Most entries kept; the oldest are dropped first. Default 1000. */
  max?: number;
}

/** The call as the verifier saw it (the same object given to `verify`). */
export interface ObservedCall {
  presentation: unknown;
  tool: string;
  args: Record<string, unknown>;
}

export class PendingApprovals {
  private readonly entries = new Map<string, PendingApproval>();
  private readonly ttl: number;
  private readonly max: number;

  constructor(options: PendingApprovalsOptions = {}) {
    this.ttl = options.ttl ?? 60;
    this.max = options.max ?? 1000;
  }

  /** Records a pending call. Replaces an entry for the same pop_hash. */
  record(entry: Omit<PendingApproval, "expires_at"> & { expires_at?: number }): PendingApproval {
    const full: PendingApproval = { ...entry, expires_at: entry.expires_at ?? entry.at + this.ttl };
    this.entries.delete(full.pop_hash);
    this.entries.set(full.pop_hash, full);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    return full;
  }

  /**
   * Feeds a verification outcome: `approval_required` records the call, a permit removes it (it
   * was approved). Returns the entry recorded, if any. `now` defaults to the clock (unix s).
   */
  observe(
    call: ObservedCall,
    decision: Decision,
    now = Math.floor(Date.now() / 1000),
  ): PendingApproval | null {
    const popHash = decision.detail?.pop_hash;
    if (decision.code === "approval_required" && typeof popHash === "string") {
      return this.record({
        pop_hash: popHash,
        tool: call.tool,
        args_hash: approvalArgsHash(call.args),
        intent: decision.intent,
        holder: decision.holder,
        reason: decision.message,
        at: now,
      });
    }
    if (decision.allow) {
      const pop = (call.presentation as { aat_pop?: unknown } | null)?.aat_pop;
      if (typeof pop === "string") this.remove(sha256b64u(pop));
    }
    return null;
  }

  /** Pending entries that have not expired, oldest first. */
  list(now = Math.floor(Date.now() / 1000)): PendingApproval[] {
    const out: PendingApproval[] = [];
    for (const [k, e] of this.entries) {
      if (e.expires_at < now) this.entries.delete(k);
      else out.push(e);
    }
    return out;
  }

  get(popHash: string): PendingApproval | undefined {
    return this.entries.get(popHash);
  }

  /** Removes an entry (approved, or withdrawn). Returns whether one was there. */
  remove(popHash: string): boolean {
    return this.entries.delete(popHash);
  }

  get size(): number {
    return this.entries.size;
  }
}
