/**
 * What the audit log keeps of a decision. A call whose PoP verified is attributed (its chain's
 * jtis); anything else is kept as hashes and short escaped hints (see `bounded.ts`), so an
 * unauthenticated caller adds a few hundred bytes per request, whatever it sends.
 */
import type { Decision } from "../core/chain/options.ts";
import { jcs, sha256hex } from "../core/encoding.ts";
import type { TokenInput } from "../store/types.ts";
import { boundText, compactHash, MAX_AUDIT_MESSAGE, MAX_AUDIT_NAME, MAX_CLAIMED_ID } from "./bounded.ts";
import type { VerifyInput } from "./types.ts";

/** Most chain positions named in one decision event. */
export const MAX_AUDITED_JTIS = 16;

/**
 * The data of a decision event. A call whose PoP verified (the decision names its holder) lists
 * the chain's jtis, which attribute it to the leaf token and its agent. Any other decision is not
 * attributed (`jtis: []`): the presented tokens are kept as the hashes of their signing inputs,
 * with short, escaped hints of the jtis and leaf holder they claim, so an unsigned request adds a
 * few hundred bytes to the log whatever it carries.
 */
export function decisionData(
  d: Decision,
  input: VerifyInput,
  infos: (TokenInput | null)[],
  chain: readonly string[],
): Record<string, unknown> {
  const proven = d.holder !== null;
  const data: Record<string, unknown> = {
    allow: d.allow,
    code: d.code,
    jtis: proven
      ? infos
          .slice(0, MAX_AUDITED_JTIS)
          .map((i) => i?.jti)
          .filter((j): j is string => j !== undefined)
          .map((j) => boundText(j, MAX_AUDIT_NAME))
      : [],
    message: boundText(d.message, MAX_AUDIT_MESSAGE),
  };
  if (!proven && chain.length > 0) {
    data.chain_hashes = chain.slice(0, MAX_AUDITED_JTIS).map(compactHash);
    const claimed = infos
      .slice(0, MAX_AUDITED_JTIS)
      .map((i) => (i ? boundText(i.jti, MAX_CLAIMED_ID) : null));
    if (claimed.some((j) => j !== null)) data.claimed_jtis = claimed;
    const leaf = infos.length === chain.length ? infos.at(-1) : undefined;
    if (leaf) data.claimed_agent = boundText(leaf.holder, MAX_AUDIT_NAME);
  }
  if (d.step !== null) data.step = d.step;
  if (d.token !== null && d.token >= 0) data.token_index = d.token;
  if (typeof input.tool === "string") data.tool = boundText(input.tool, MAX_AUDIT_NAME);
  const hash = argsHash(input.args);
  if (hash !== null) data.args_sha256 = hash;
  return data;
}

/** sha256 hex of JCS(args): what the audit keeps instead of the arguments. */
export function argsHash(args: unknown): string | null {
  try {
    return sha256hex(jcs(args));
  } catch {
    return null;
  }
}
