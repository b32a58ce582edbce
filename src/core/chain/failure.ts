import type { JsonValue } from "../constraints/types.ts";
import { type Decision, type DecisionContext, deny, type Evidence } from "../decision/decision.ts";
import type { DecisionCode } from "../errors.ts";

/** A failure of one rule at one token (or, with `token` null, of the PoP or the call). */
export interface Failure {
  ok: false;
  code: Exclude<DecisionCode, "permitted">;
  step: string;
  token: number | null;
  message: string;
  evidence?: Evidence;
  detail?: Record<string, JsonValue>;
}

export function failure(
  code: Failure["code"],
  step: string,
  token: number | null,
  message: string,
  evidence?: Evidence,
): Failure {
  const f: Failure = { ok: false, code, step, token, message };
  if (evidence !== undefined) f.evidence = evidence;
  return f;
}

/** The denial a failure decides. */
export function denial(f: Failure, ctx?: DecisionContext): Decision {
  return deny(
    {
      code: f.code,
      step: f.step,
      token: f.token,
      message: f.message,
      ...(f.evidence !== undefined ? { evidence: f.evidence } : {}),
      ...(f.detail !== undefined ? { detail: f.detail } : {}),
    },
    ctx,
  );
}
