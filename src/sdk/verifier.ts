/**
 * The one verification interface tools program against, and its in-process implementation.
 * {@link LocalVerifier} and `TrustClient` (HTTP) take the same request and return the same
 * `Decision`, so a tool server can move between them without changing code.
 *
 * @example
 * const verifier = new LocalVerifier({ trustAnchors: [principal.anchor], audience: "https://tools.example" });
 * const d = await verifier.verify({ presentation, tool: "search_web", args: { q: "baton" } });
 * if (!d.allow) console.log(d.code, d.message);
 */

import { MemoryLedger } from "../core/chain/memory-ledger.ts";
import type { Decision, VerifyOptions } from "../core/chain/options.ts";
import { Verifier } from "../core/chain/verify.ts";
import type { JsonValue } from "../core/constraints/index.ts";
import type { PendingApprovals } from "../policy/pending.ts";
import { assertAllowed } from "./errors.ts";
import { nonJsonArgument, nonJsonDenial } from "./json-args.ts";

/** One call to authorise: the untrusted presentation, the tool, its actual arguments. */
export interface VerifyRequest {
  /** `{aat_chain, aat_pop}` as received; untrusted. */
  presentation: unknown;
  tool: string;
  args: Record<string, JsonValue>;
  /** A step-up approval (one compact JWS, or a JSON array of them for m-of-n). */
  approval?: string;
}

/** What guards and adapters need: `LocalVerifier` and `TrustClient` both implement it. */
export interface BatonVerifier {
  verify(request: VerifyRequest): Promise<Decision>;
}

/** The facade shape (`Trust` in `src/trust/`): verify with the store (revocation, ledger, audit). */
export interface VerifyFacade {
  verify(input: VerifyRequest & { now?: number }): Promise<Decision>;
}

export type LocalVerifierOptions = (
  | (VerifyOptions & { trust?: never })
  | {
      /** Verify through the facade, with its store: revocations, permit ledger, audit. */
      trust: VerifyFacade;
    }
) & {
  /** Unix ms; default Date.now. */
  clock?: () => number;
  /** Records `approval_required` calls for approvers and clears them once permitted. */
  pending?: PendingApprovals;
};

/**
 * Verifies in process: with the core `Verifier` (options as in `VerifyOptions`; replay tracking
 * and usage counts in memory unless a shared `ledger` is passed) or through the `Trust` facade.
 * The call's approval goes to the verifier with the call (request-time policies read it from their
 * `CallContext`). Arguments
 * that JSON cannot represent as they are (`Infinity`, `-0`, `undefined`, a `Date`…) are refused
 * first (`args_rejected`, see `json-args.ts`).
 */
export class LocalVerifier implements BatonVerifier {
  private readonly run: (r: VerifyRequest, now: number) => Promise<Decision>;
  private readonly clock: () => number;
  private readonly pending: PendingApprovals | undefined;

  constructor(options: LocalVerifierOptions) {
    this.clock = options.clock ?? Date.now;
    this.pending = options.pending;
    if ("trust" in options && options.trust) {
      const trust = options.trust;
      this.run = (r, now) => trust.verify({ ...r, now });
    } else {
      const {
        clock: _c,
        pending: _p,
        trust: _t,
        ...verifyOptions
      } = options as VerifyOptions & {
        clock?: unknown;
        pending?: unknown;
        trust?: unknown;
      };
      // Replay tracking (7i) is a MUST for side-effecting tools: without a shared ledger, each
      // LocalVerifier keeps its own in memory (per process; use the service for several nodes).
      const verifier = new Verifier({
        ...verifyOptions,
        ledger: verifyOptions.ledger ?? new MemoryLedger(() => Math.floor(this.clock() / 1000)),
      });
      this.run = (r, now) =>
        verifier.verify({
          presentation: r.presentation,
          tool: r.tool,
          args: r.args,
          now,
          ...(r.approval !== undefined ? { approval: r.approval } : {}),
        });
    }
  }

  async verify(request: VerifyRequest): Promise<Decision> {
    const now = Math.floor(this.clock() / 1000);
    const bad = nonJsonArgument(request.args);
    if (bad) {
      const denied = nonJsonDenial(bad, request.tool);
      this.pending?.observe(request, denied, now);
      return denied;
    }
    const decision = await this.run(request, now);
    this.pending?.observe(request, decision, now);
    return decision;
  }

  /** Like `verify`, but throws `BatonDenied` on a denial. */
  async verifyOrThrow(request: VerifyRequest): Promise<Decision> {
    return assertAllowed(await this.verify(request));
  }
}
