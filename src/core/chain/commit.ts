/**
 * The ledger commit, last of all (7i and B8): the PoP jti and every usage counter of the chain are
 * recorded atomically, and only now that everything else permits.
 */
import { quote } from "../display.ts";
import type { PermitLedger, UsageCharge } from "../ports.ts";
import { type Failure, failure } from "./failure.ts";
import type { VerifyLimits } from "./options.ts";
import type { PopClaims } from "./pop.ts";
import type { VerifiedToken } from "./verified-token.ts";

export async function commitPermit(
  ledger: PermitLedger | undefined,
  tokens: readonly VerifiedToken[],
  pop: PopClaims,
  trackReplay: boolean,
  limits: VerifyLimits,
): Promise<Failure | null> {
  const usage: UsageCharge[] = tokens
    .filter((t) => t.claims.baton.maxUses !== undefined)
    .map((t) => ({ index: t.index, key: `sha256:${t.hash}`, limit: t.claims.baton.maxUses as number }));
  if (!ledger) {
    // Without a ledger nothing can be counted, so a limited chain is refused.
    return usage.length === 0
      ? null
      : failure(
          "usage_exceeded",
          "B8",
          null,
          "the chain carries usage limits but this verifier has no ledger to count them",
        );
  }
  const leaf = tokens[tokens.length - 1] as VerifiedToken;
  const r = await ledger.commit({
    ...(trackReplay
      ? {
          replay: {
            key: `${leaf.claims.holder.id} ${pop.jti}`,
            expiresAt: pop.iat + limits.popWindow + limits.maxIatSkew + 1,
          },
        }
      : {}),
    usage,
  });
  if (r.ok) return null;
  if (r.code === "replayed") {
    return failure("replayed", "7i", null, `the PoP jti ${quote(pop.jti, 40)} was already used`);
  }
  return failure(
    "usage_exceeded",
    "B8",
    r.index,
    `token ${r.index} allows ${r.limit} call(s) and all are used`,
  );
}
