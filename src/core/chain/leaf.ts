/** Step 6 (§8): the leaf's authority for this call (6a, 6b) and every audience of the chain (6c). */
import { checkInvocation, type JsonValue } from "../constraints/index.ts";
import { type Failure, failure } from "./failure.ts";
import { showList } from "./pop.ts";
import type { VerifiedToken } from "./verified-token.ts";

/** 6a/6b: the leaf holds exactly one AAT entry, which grants `tool` with these arguments. */
export function checkLeafGrant(
  leaf: VerifiedToken,
  tool: string,
  args: Record<string, JsonValue>,
): Failure | null {
  if (leaf.claims.aatEntries !== 1 || leaf.claims.tools === null) {
    return failure(
      "invalid_authorization_details",
      "6a",
      leaf.index,
      `token ${leaf.index} (leaf) holds no attenuating_agent_token entry`,
    );
  }
  const inv = checkInvocation(leaf.claims.tools, tool, args);
  if (!inv) return null;
  return failure(inv.code, "6b", leaf.index, `token ${leaf.index} (leaf): ${inv.message}`, {
    kind: "arguments",
    tool,
    ...(inv.arg !== undefined ? { arg: inv.arg } : {}),
  });
}

/**
 * 6c: every token that carries `aud` names this enforcement point; `requireChainAud` denies a chain
 * in which none does. Returns whether some token carries `aud` (7d's default depends on it).
 */
export function checkChainAudience(
  tokens: readonly VerifiedToken[],
  audiences: ReadonlySet<string>,
  requireChainAud: boolean,
): { ok: true; chainNamesAud: boolean } | Failure {
  let chainNamesAud = false;
  for (const t of tokens) {
    if (!t.claims.aud) continue;
    chainNamesAud = true;
    if (!t.claims.aud.some((a) => audiences.has(a))) {
      return failure(
        "audience_mismatch",
        "6c",
        t.index,
        `token ${t.index} is for ${showList(t.claims.aud)}, not this enforcement point`,
      );
    }
  }
  if (requireChainAud && !chainNamesAud) {
    return failure(
      "audience_mismatch",
      "6c",
      null,
      "this enforcement point requires a chain audience, and no token carries aud",
    );
  }
  return { ok: true, chainNamesAud };
}
