/**
 * The graph tests' world, like the demo: alice (the principal) grants the orchestrator a triage
 * task; the orchestrator delegates to a researcher (lazily: wildcard passed down, 2 h TTL) and to a
 * fixer (narrowly), the fixer to mallory; calls are made, mallory is denied three times, and the
 * fixer's token is revoked. The orchestrator also holds a root of a second intent (key reuse).
 */
import type { Graph, TokenFact } from "../../src/core/graph/index.ts";
import { type DeriveOptions, derive, grant, type ToolsMap } from "../../src/core/index.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { tokenInputOf } from "../../src/graph/record-token.ts";
import type { Store } from "../../src/store/types.ts";

export const NOW = 1_800_000_000;
const seed = (n: number) => new Uint8Array(32).fill(n);
export const principal = AgentKey.fromSeed(seed(1), "alice");
export const orchestrator = AgentKey.fromSeed(seed(2), "orchestrator");
export const researcher = AgentKey.fromSeed(seed(3), "researcher");
export const fixer = AgentKey.fromSeed(seed(4), "fixer");
export const mallory = AgentKey.fromSeed(seed(5), "mallory");
export const ISSUER = "https://people.acme.example/alice";
export const INTENT = { id: "triage-acme-site", purpose: "triage issues in repo acme/site" };
export const OTHER_INTENT = { id: "release-notes", purpose: "draft the release notes" };

const wildcard = { constraint_type: "wildcard" };
const under = (root: string) => ({ constraint_type: "path_containment", root });

export const ROOT_TOOLS: ToolsMap = {
  read_file: { path: wildcard },
  write_file: { path: wildcard },
  run_tests: {},
  deploy: { env: { constraint_type: "one_of", values: ["staging", "prod"] } },
};

function ok<T>(r: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

export interface Scenario {
  now: number;
  root: string[];
  research: string[];
  fix: string[];
  helper: string[];
  otherRoot: string[];
  jti: { root: string; research: string; fix: string; helper: string; otherRoot: string };
}

export interface SeedOptions {
  /** Unix seconds of the grant; default NOW. */
  now?: number;
  /** Revoke the fixer's token (default true). */
  revokeFixer?: boolean;
}

function jtiOf(chain: string[]): string {
  return tokenInputOf(chain[chain.length - 1] as string).jti;
}

export async function recordChain(store: Store, chain: readonly string[]): Promise<void> {
  for (const t of chain) await store.recordToken(tokenInputOf(t));
}

export async function decide(
  store: Store,
  chain: readonly string[],
  call: { allow: boolean; code?: string; tool: string; agent: string; at: number; intent?: string },
): Promise<void> {
  await store.appendAudit({
    type: "decision",
    intent: call.intent ?? INTENT.id,
    agent: call.agent,
    at: call.at,
    data: {
      allow: call.allow,
      code: call.code ?? (call.allow ? "permit" : "tool_not_granted"),
      jtis: chain.map((t) => tokenInputOf(t).jti),
      tool: call.tool,
    },
  });
}

/** Seeds the scenario into a store and returns its chains. */
export async function seedScenario(store: Store, options: SeedOptions = {}): Promise<Scenario> {
  const now = options.now ?? NOW;
  const root = ok(
    grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: ROOT_TOOLS,
      ttl: 8 * 3600,
      maxDepth: 4,
      now,
      intent: INTENT,
      approve: ["deploy"],
    }),
  );
  const step = (chain: string[], o: Omit<DeriveOptions, "now">) => ok(derive(chain, { ...o, now: now + 1 }));
  const research = step(root, {
    key: orchestrator,
    to: researcher,
    tools: { read_file: { path: wildcard } },
    ttl: 7200,
  });
  const fix = step(root, {
    key: orchestrator,
    to: fixer,
    tools: {
      read_file: { path: under("/repo/src") },
      write_file: { path: under("/repo/src") },
      run_tests: {},
    },
    ttl: 1800,
    maxDepth: 2,
  });
  const helper = step(fix, { key: fixer, to: mallory, tools: { run_tests: {} }, ttl: 600 });
  const otherRoot = ok(
    grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: { read_file: { path: under("/repo/CHANGELOG.md") } },
      ttl: 3600,
      maxDepth: 0,
      now,
      intent: OTHER_INTENT,
    }),
  );

  for (const [key, name] of [
    [orchestrator, "orchestrator"],
    [researcher, "researcher"],
    [fixer, "fixer"],
    [mallory, "mallory"],
  ] as const) {
    await store.setAgentName(key.id, name);
  }
  for (const chain of [root, research, fix, helper, otherRoot]) await recordChain(store, chain);

  const at = (s: number) => (now + s) * 1000;
  for (let i = 0; i < 3; i++) {
    await decide(store, research, { allow: true, tool: "read_file", agent: researcher.id, at: at(10 + i) });
  }
  await decide(store, fix, { allow: true, tool: "write_file", agent: fixer.id, at: at(20) });
  await decide(store, fix, { allow: true, tool: "run_tests", agent: fixer.id, at: at(21) });
  await decide(store, helper, { allow: true, tool: "run_tests", agent: mallory.id, at: at(30) });
  await decide(store, helper, { allow: false, tool: "write_file", agent: mallory.id, at: at(31) });
  await decide(store, helper, { allow: false, tool: "write_file", agent: mallory.id, at: at(32) });
  await decide(store, helper, { allow: false, tool: "deploy", agent: mallory.id, at: at(33) });
  await decide(store, root, {
    allow: false,
    code: "approval_required",
    tool: "deploy",
    agent: orchestrator.id,
    at: at(40),
  });
  const scenario: Scenario = {
    now,
    root,
    research,
    fix,
    helper,
    otherRoot,
    jti: {
      root: jtiOf(root),
      research: jtiOf(research),
      fix: jtiOf(fix),
      helper: jtiOf(helper),
      otherRoot: jtiOf(otherRoot),
    },
  };
  if (options.revokeFixer !== false) {
    await store.addRevocation({
      target: { kind: "token", id: scenario.jti.fix },
      reason: "fixer overreached",
      actor: orchestrator.id,
    });
  }
  return scenario;
}

export const LARGE_INTENT = { id: "bulk-triage", purpose: "a large fan-out for the inspector's timing" };

/**
 * Seeds one intent of `count` tokens: a tree with fan-out 6 (depth 5 for 2,000 tokens) whose
 * holders cycle through 40 agent keys, with a permitted call on every tenth token.
 */
export async function seedLargeIntent(store: Store, count: number, now: number): Promise<string[]> {
  const agents = Array.from({ length: 40 }, (_, i) => AgentKey.fromSeed(seed(100 + i), `worker-${i}`));
  const root = ok(
    grant({
      key: principal,
      issuer: ISSUER,
      to: agents[0] as AgentKey,
      tools: { read_file: { path: under("/data") }, search: {} },
      ttl: 3600,
      maxDepth: 8,
      now,
      intent: LARGE_INTENT,
    }),
  );
  const chains: { chain: string[]; key: AgentKey }[] = [{ chain: root, key: agents[0] as AgentKey }];
  const jtis = [jtiOf(root)];
  for (let i = 0; chains.length < count; i++) {
    const parent = chains[Math.floor(i / 6)] as { chain: string[]; key: AgentKey };
    const key = agents[(chains.length * 7) % agents.length] as AgentKey;
    const chain = ok(
      derive(parent.chain, {
        key: parent.key,
        to: key,
        tools: { read_file: { path: under("/data") } },
        ttl: 1800,
        now,
      }),
    );
    chains.push({ chain, key });
    jtis.push(jtiOf(chain));
  }
  for (const [i, a] of agents.entries()) await store.setAgentName(a.id, `worker-${i}`);
  for (const { chain } of chains) await store.recordToken(tokenInputOf(chain[chain.length - 1] as string));
  for (let i = 0; i < chains.length; i += 10) {
    const { chain, key } = chains[i] as { chain: string[]; key: AgentKey };
    await decide(store, chain, {
      allow: true,
      tool: "read_file",
      agent: key.id,
      at: (now + 5) * 1000,
      intent: LARGE_INTENT.id,
    });
  }
  return jtis;
}

/** A graph's tokens back as registry facts (to rebuild the same tokens at another time). */
export function factsOf(graph: Graph): TokenFact[] {
  return graph.nodes.map((n) => ({
    hash: n.hash,
    jti: n.jti,
    ...(n.parent !== undefined ? { parentHash: n.parent } : {}),
    issuer: n.issuer.id,
    holder: n.holder.id,
    ...(n.intent ? { intent: n.intent.id } : {}),
    depth: n.depth,
    iat: n.iat,
    exp: n.exp,
    payload: n.claims,
  }));
}
