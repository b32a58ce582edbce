/**
 * The Baton profile's gates after the chain and the PoP verified: revocation (B5), `requireIntent`
 * (B2), request-time policy (B7) and step-up approval (B6). Each may only add a condition: none can
 * turn a denial into a permit.
 */
import { escapeText, quote } from "../display.ts";
import type { RevocationCheck } from "../ports.ts";
import { matchesPattern } from "../token/claims.ts";
import { type Failure, failure } from "./failure.ts";
import type { ApprovalGate, CallContext, RequestPolicy } from "./options.ts";
import { showList } from "./pop.ts";
import type { VerifiedToken } from "./verified-token.ts";

/** B5: the revocation state is fresh, and no token, agent or the intent of the chain is revoked. */
export async function checkRevocation(
  revocation: RevocationCheck | undefined,
  tokens: readonly VerifiedToken[],
  intent: string | null,
): Promise<Failure | null> {
  if (!revocation) return null;
  const fresh = revocation.freshness?.();
  if (fresh?.stale) {
    return failure(
      "revocation_state_stale",
      "B5",
      null,
      `revocation state is ${fresh.ageMs} ms old; refusing until it is fresh`,
    );
  }
  const hit = await revocation.check({
    tokens: tokens.map((t) => ({
      index: t.index,
      jti: t.claims.jti,
      hash: `sha256:${t.hash}`,
      issuer: t.issuer,
      holder: t.claims.holder.id,
      ...(t.anchorKeyId !== undefined ? { signer: t.anchorKeyId } : {}),
    })),
    ...(intent !== null ? { intent } : {}),
  });
  if (!hit) return null;
  const reason = hit.reason ? ` (${escapeText(hit.reason, 200)})` : "";
  return failure(
    "revoked",
    "B5",
    hit.index,
    `token ${hit.index} is revoked: ${hit.target.kind} ${quote(hit.target.id, 96)} was revoked${reason}`,
  );
}

/** B2: an enforcement point that requires intent-bound chains refuses one without an intent. */
export function checkIntentRequired(required: boolean, intent: string | null): Failure | null {
  if (!required || intent !== null) return null;
  return failure(
    "intent_required",
    "B2",
    0,
    "this enforcement point only accepts intent-bound (Baton profile) chains",
  );
}

/** The approval patterns of the chain that match `tool`, each once. */
export function matchingPatterns(tokens: readonly VerifiedToken[], tool: string): string[] {
  return [
    ...new Set(tokens.flatMap((t) => (t.claims.baton.approve ?? []).filter((p) => matchesPattern(p, tool)))),
  ];
}

/**
 * B7 then B6: the request policy, then — when an approval pattern of the chain matches the tool —
 * the approval gate (no gate: `approval_required`). A denial asking for approval carries the PoP
 * hash an approval must bind to. Gate and policy messages are bounded and escaped.
 */
export async function checkPolicyAndApproval(
  ctx: CallContext,
  rules: RequestPolicy | undefined,
  approvals: ApprovalGate | undefined,
): Promise<Failure | null> {
  if (rules) {
    const r = await rules.evaluate(ctx);
    if (r) {
      const f = failure(r.code, r.step ?? "B7", null, escapeText(r.message, 512, false));
      if (r.code === "approval_required") f.detail = { pop_hash: ctx.popHash };
      return f;
    }
  }
  if (ctx.approvalPatterns.length === 0) return null;
  const r = approvals
    ? await approvals.check(ctx, ctx.approval)
    : {
        code: "approval_required" as const,
        message: `tool ${quote(ctx.tool)} requires step-up approval (pattern ${showList(ctx.approvalPatterns)})`,
      };
  if (!r) return null;
  const f = failure(r.code, r.step ?? "B6", null, escapeText(r.message, 512, false));
  f.detail = { pop_hash: ctx.popHash };
  return f;
}
