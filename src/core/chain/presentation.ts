/** Step 1 (§7.4) and the call's own shape: what is checked before any token is decoded. */
import { allNumbersFinite } from "../json/strict-json.ts";
import { CLAIM_LIMITS } from "../token/claims.ts";
import { type Failure, failure } from "./failure.ts";

/** The presentation object of §7.4: unknown members are ignored. */
export function readPresentation(
  p: unknown,
): { ok: true; chain: string[]; pop: string } | { ok: false; message: string } {
  if (p === null || typeof p !== "object" || Array.isArray(p))
    return { ok: false, message: "the presentation is not a JSON object" };
  const o = p as Record<string, unknown>;
  const chain = o.aat_chain;
  const pop = o.aat_pop;
  if (!Array.isArray(chain) || !chain.every((t) => typeof t === "string")) {
    return { ok: false, message: "aat_chain is not an array of compact JWS strings" };
  }
  if (typeof pop !== "string") return { ok: false, message: "aat_pop is not a compact JWS string" };
  return { ok: true, chain: chain as string[], pop };
}

/** The invoked tool and arguments, before the chain is looked at (their 6b checks come later). */
export function checkCallShape(tool: unknown, args: unknown): Failure | null {
  if (typeof tool !== "string" || tool.length === 0 || tool.length > CLAIM_LIMITS.id) {
    return failure(
      "tool_not_granted",
      "6b",
      null,
      `the invoked tool is not a non-empty string of at most ${CLAIM_LIMITS.id} characters`,
    );
  }
  if (args === null || typeof args !== "object" || Array.isArray(args) || !allNumbersFinite(args)) {
    return failure("args_rejected", "6b", null, "the invocation arguments are not a JSON object");
  }
  return null;
}
