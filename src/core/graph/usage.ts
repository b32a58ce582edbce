/**
 * Usage from audit decisions. A decision whose PoP was shown to be its holder's for the call names
 * the presented chain: `data.hashes` (token hashes, root first) and `data.jtis`, and the event's
 * `agent` is that holder. The call is attributed to the chain's LEAF token, found by its hash, and
 * only when the event's agent is that token's holder: a jti is chosen by its issuer, so another
 * agent can give its own token the jti of someone else's. Events written before `hashes` existed
 * fall back to the leaf jti, under the same holder rule. Decisions whose leaf is not in the
 * registry are counted as unattributed rather than guessed onto an ancestor.
 */
import type { DecisionFact, Usage } from "./types.ts";

/** A decision's fields the graph relies on, read leniently (the store validated them on append). */
export interface Call {
  id: number;
  at: number;
  allow: boolean;
  code: string;
  tool?: string;
  jtis: string[];
  /** The leaf's jti (older events attribute by it). */
  leaf?: string;
  /** The leaf's `sha256:` token hash. */
  leafHash?: string;
  /** The `sha256:` hash of the PoP, so a replayed PoP counts once. */
  pop?: string;
  agent?: string;
  intent?: string;
}

/** Reads a decision event; null when it is not a decision with a chain. */
export function readCall(event: DecisionFact): Call | null {
  if (event.type !== undefined && event.type !== "decision") return null;
  const d = event.data;
  if (typeof d.allow !== "boolean" || !Array.isArray(d.jtis)) return null;
  const jtis = d.jtis.filter((j): j is string => typeof j === "string");
  const call: Call = {
    id: event.id,
    at: event.at,
    allow: d.allow,
    code: typeof d.code === "string" ? d.code : d.allow ? "permit" : "denied",
    jtis,
  };
  if (typeof d.tool === "string") call.tool = d.tool;
  const leaf = jtis[jtis.length - 1];
  if (leaf !== undefined) call.leaf = leaf;
  if (Array.isArray(d.hashes)) {
    const last = d.hashes[d.hashes.length - 1];
    if (typeof last === "string" && last.startsWith("sha256:")) call.leafHash = last;
  }
  if (typeof d.pop_hash === "string") call.pop = d.pop_hash;
  if (event.agent !== undefined) call.agent = event.agent;
  if (event.intent !== undefined) call.intent = event.intent;
  return call;
}

export function emptyUsage(): Usage {
  return { permitted: 0, denied: 0, codes: {}, tools: {} };
}

/** Adds one call to a usage record. */
export function addCall(usage: Usage, call: Call): void {
  if (call.allow) usage.permitted += 1;
  else {
    usage.denied += 1;
    usage.codes[call.code] = (usage.codes[call.code] ?? 0) + 1;
  }
  if (call.tool !== undefined) {
    const t = usage.tools[call.tool] ?? { permitted: 0, denied: 0 };
    if (call.allow) t.permitted += 1;
    else t.denied += 1;
    usage.tools[call.tool] = t;
  }
  if (usage.lastUse === undefined || call.at > usage.lastUse) usage.lastUse = call.at;
}
