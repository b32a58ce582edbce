/**
 * The SDK's one error type for refusals. Protocol failures stay data (`Decision`) in the verifier
 * API; the SDK throws {@link BatonDenied} only where a caller asked for a value and there is none:
 * a grant, derive or prove that would mint an invalid token, or `verifyOrThrow` on a denial.
 */
import type { Decision } from "../core/chain/options.ts";
import type { DecisionCode } from "../core/errors.ts";

/**
 * A refusal, with the verifier's stable code, the AAT -02 §8 (or Baton `B…`) step and the index of
 * the token at fault.
 *
 * @example
 * try { orchestrator.derive(chain, { to: researcher, tools: ["deploy"], ttl: "5m" }); }
 * catch (e) { if (e instanceof BatonDenied) console.log(e.code, e.step, e.token, e.message); }
 */
export class BatonDenied extends Error {
  override readonly name = "BatonDenied";
  constructor(
    readonly code: DecisionCode,
    message: string,
    readonly step: string | null = null,
    readonly token: number | null = null,
    /** The full decision, when the refusal came from a verifier. */
    readonly decision?: Decision,
  ) {
    super(message);
  }

  /** The refusal a denied decision stands for. */
  static fromDecision(d: Decision): BatonDenied {
    return new BatonDenied(d.code, d.message, d.step, d.token, d);
  }
}

/** Returns `d` when it permits, else throws {@link BatonDenied}. */
export function assertAllowed(d: Decision): Decision {
  if (!d.allow) throw BatonDenied.fromDecision(d);
  return d;
}
