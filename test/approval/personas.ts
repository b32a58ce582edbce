/**
 * Fixed personas (fixed seeds) and a small chain builder shared by the approval, policy and SDK
 * tests. Seeds: principal 0x01, orchestrator 0x02, researcher 0x03, mallory 0x04 (also named in
 * examples/policies/30-mallory-read-only.cedar), approvers alice 0x0a, bob 0x0b, carol 0x0c.
 */
import { derive, grant, type Presentation, prove } from "../../src/core/chain/issue.ts";
import type { ToolsMap } from "../../src/core/constraints/index.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";

const seed = (b: number) => new Uint8Array(32).fill(b);
export const principal = AgentKey.fromSeed(seed(0x01), "principal");
export const orchestrator = AgentKey.fromSeed(seed(0x02), "orchestrator");
export const researcher = AgentKey.fromSeed(seed(0x03), "researcher");
export const mallory = AgentKey.fromSeed(seed(0x04), "mallory");
export const alice = AgentKey.fromSeed(seed(0x0a), "alice");
export const bob = AgentKey.fromSeed(seed(0x0b), "bob");
export const carol = AgentKey.fromSeed(seed(0x0c), "carol");

export const ISSUER = "https://principal.example";
export const AUD = "https://tools.example";
export const anchors = [{ issuer: ISSUER, jwk: principal.publicJwk }];
/** Wednesday 2027-01-13 12:00:00 UTC: inside the example policies' working hours. */
export const NOON = Date.UTC(2027, 0, 13, 12, 0, 0) / 1000;
/** The same Wednesday at 03:00 UTC. */
export const NIGHT = Date.UTC(2027, 0, 13, 3, 0, 0) / 1000;

export const TOOLS: ToolsMap = {
  search_web: {},
  write_file: {},
  deploy: {},
  deploy_prod: {},
  read_file: {},
};

/**
 * A chain principal → holders[0] → holders[1] → …; the last key is the leaf holder. Returns the
 * chain; throws on a refusal (a test fixture must be valid).
 */
export function chainTo(
  holders: AgentKey[],
  o: { now: number; approve?: string[]; tools?: ToolsMap; maxDepth?: number } = { now: NOON },
): string[] {
  const [first, ...rest] = holders;
  if (!first) throw new Error("need a holder");
  const g = grant({
    key: principal,
    issuer: ISSUER,
    to: first,
    tools: o.tools ?? TOOLS,
    ttl: 3600,
    maxDepth: o.maxDepth ?? 5,
    now: o.now,
    intent: { id: "release-2027-01", purpose: "ship the January release" },
    ...(o.approve ? { approve: o.approve } : {}),
  });
  if (!g.ok) throw new Error(g.message);
  let chain = g.value;
  let parent = first;
  for (const h of rest) {
    const d = derive(chain, { key: parent, to: h, tools: o.tools ?? TOOLS, ttl: 1800, now: o.now });
    if (!d.ok) throw new Error(d.message);
    chain = d.value;
    parent = h;
  }
  return chain;
}

/** A presentation for one call by the leaf holder `key`. */
export function present(
  chain: string[],
  key: AgentKey,
  tool: string,
  args: Record<string, unknown>,
  now: number,
  jti?: string,
): Presentation {
  const p = prove(chain, { key, tool, args, now, aud: AUD, ...(jti ? { jti } : {}) });
  if (!p.ok) throw new Error(p.message);
  return p.value;
}
