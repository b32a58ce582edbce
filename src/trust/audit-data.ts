/**
 * What the audit log keeps of a decision. A call whose PoP was shown to be for it is attributed
 * (its chain's token hashes and jtis); anything else is kept as hashes and short escaped hints (see `bounded.ts`), so an
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
 * The data of a decision event. A call whose PoP was shown to be its holder's for this call (the
 * decision names its holder) lists the chain's token hashes (`hashes`, root first: they attribute
 * it to the leaf token, since a hash, unlike a jti, no issuer can choose for another token), the
 * chain's jtis (for people and older readers) and the hash of the PoP (`pop_hash`, so one PoP
 * counts once however often it is replayed). Any other decision is not attributed (`jtis: []`, no
 * `hashes`): the presented tokens are kept as the hashes of their signing inputs
 * (`chain_hashes`), with short, escaped hints of the jtis, leaf holder and intent they claim
 * (`claimed_jtis`, `claimed_agent`, `claimed_intent`), so an unsigned request adds a few hundred
 * bytes to the log whatever it carries.
 */
export function decisionData(
  d: Decision,
  input: VerifyInput,
  infos: (TokenInput | null)[],
  chain: readonly string[],
): Record<string, unknown> {
  const proven = d.holder !== null;
  const named = infos.slice(0, MAX_AUDITED_JTIS).filter((i): i is TokenInput => i !== null);
  const data: Record<string, unknown> = {
    allow: d.allow,
    code: d.code,
    jtis: proven ? named.map((i) => boundText(i.jti, MAX_AUDIT_NAME)) : [],
    message: boundText(d.message, MAX_AUDIT_MESSAGE),
  };
  if (proven) {
    data.hashes = named.map((i) => i.hash);
    const pop = popOf(input.presentation);
    if (pop !== null) data.pop_hash = compactHash(pop);
  }
  if (!proven && chain.length > 0) {
    data.chain_hashes = chain.slice(0, MAX_AUDITED_JTIS).map(compactHash);
    const claimed = infos
      .slice(0, MAX_AUDITED_JTIS)
      .map((i) => (i ? boundText(i.jti, MAX_CLAIMED_ID) : null));
    if (claimed.some((j) => j !== null)) data.claimed_jtis = claimed;
    const leaf = infos.length === chain.length ? infos.at(-1) : undefined;
    if (leaf) data.claimed_agent = boundText(leaf.holder, MAX_AUDIT_NAME);
  }
  // An unproven decision is not the intent's: its intent is a claim, kept as a short hint only, so
  // that it adds no row to what the intent's graph reads.
  if (!proven && d.intent !== null) data.claimed_intent = boundText(d.intent, MAX_CLAIMED_ID);
  if (d.step !== null) data.step = d.step;
  if (d.token !== null && d.token >= 0) data.token_index = d.token;
  if (typeof input.tool === "string") data.tool = boundText(input.tool, MAX_AUDIT_NAME);
  const hash = argsHash(input.args);
  if (hash !== null) data.args_sha256 = hash;
  return data;
}

/** The compact PoP of a presentation, when it has one of bounded size. */
function popOf(presentation: unknown): string | null {
  if (presentation === null || typeof presentation !== "object") return null;
  const pop = (presentation as { aat_pop?: unknown }).aat_pop;
  return typeof pop === "string" && pop.length > 0 ? pop : null;
}

/** sha256 hex of JCS(args): what the audit keeps instead of the arguments. */
export function argsHash(args: unknown): string | null {
  try {
    return sha256hex(jcs(args));
  } catch {
    return null;
  }
}
