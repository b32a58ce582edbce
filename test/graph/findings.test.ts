import { describe, expect, it } from "vitest";
import {
  buildGraph,
  FINDING_IDS,
  type Finding,
  type Graph,
  wildcardPassthrough,
} from "../../src/core/graph/index.ts";
import { derive, grant, type ToolsMap } from "../../src/core/index.ts";
import { loadIntentGraph } from "../../src/graph/load.ts";
import { tokenInputOf } from "../../src/graph/record-token.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import {
  factsOf,
  fixer,
  INTENT,
  ISSUER,
  mallory,
  NOW,
  orchestrator,
  principal,
  researcher,
  seedScenario,
} from "./scenario.ts";

const wildcard = { constraint_type: "wildcard" };

async function scenarioFindings(
  now = NOW + 100,
): Promise<{ graph: Graph; s: Awaited<ReturnType<typeof seedScenario>> }> {
  const store = new MemoryStore({ clock: () => NOW * 1000 });
  const s = await seedScenario(store);
  return { graph: (await loadIntentGraph(store, INTENT.id, { now })) as Graph, s };
}

const about = (findings: Finding[], id: string, subject: string) =>
  findings.find((f) => f.id === id && (f.token === subject || f.agent === subject));

/** A root → child graph from tool maps, built directly. */
function pair(rootTools: ToolsMap, childTools: ToolsMap, o: { childTtl?: number; maxDepth?: number } = {}) {
  const root = grant({
    key: principal,
    issuer: ISSUER,
    to: orchestrator,
    tools: rootTools,
    ttl: 7200,
    maxDepth: o.maxDepth ?? 1,
    now: NOW,
    intent: INTENT,
  });
  if (!root.ok) throw new Error(root.message);
  const child = derive(root.value, {
    key: orchestrator,
    to: researcher,
    tools: childTools,
    ttl: o.childTtl ?? 600,
    now: NOW,
  });
  if (!child.ok) throw new Error(child.message);
  const tokens = child.value.map(tokenInputOf);
  return {
    graph: buildGraph({ tokens, revocations: [], decisions: [] }, { now: NOW }),
    jti: tokens.map((t) => t.jti),
  };
}

describe("risk findings", () => {
  it("have stable ids, a severity, a subject and one line of explanation", async () => {
    const { graph } = await scenarioFindings();
    for (const f of graph.findings) {
      expect(FINDING_IDS).toContain(f.id);
      expect(["low", "medium", "high"]).toContain(f.severity);
      expect(f.token !== undefined || f.agent !== undefined).toBe(true);
      expect(f.message).not.toContain("\n");
    }
  });

  it("F-WILDCARD-PASSTHROUGH: a wildcard passed down unchanged below the root", async () => {
    const { graph, s } = await scenarioFindings();
    const f = about(graph.findings, "F-WILDCARD-PASSTHROUGH", s.jti.research);
    expect(f).toMatchObject({ severity: "medium", intent: INTENT.id });
    expect(f?.message).toContain("read_file.path");
    expect(about(graph.findings, "F-WILDCARD-PASSTHROUGH", s.jti.root)).toBeUndefined();
    expect(about(graph.findings, "F-WILDCARD-PASSTHROUGH", s.jti.fix)).toBeUndefined();
  });

  it('F-WILDCARD-PASSTHROUGH: also an explicit "*" entry, but not an empty map', () => {
    expect(wildcardPassthrough({ t: { "*": wildcard } }, { t: { "*": wildcard } })).toEqual(["t.*"]);
    expect(wildcardPassthrough({ t: {} }, { t: {} })).toEqual([]);
    expect(
      wildcardPassthrough({ t: { p: wildcard } }, { t: { p: { constraint_type: "exact", value: "x" } } }),
    ).toEqual([]);
    const { graph, jti } = pair({ t: { "*": wildcard } }, { t: { "*": wildcard } });
    expect(about(graph.findings, "F-WILDCARD-PASSTHROUGH", jti[1] as string)?.message).toContain("t.*");
  });

  it("F-TTL-LONG: a derived token living longer than 1 h (configurable)", async () => {
    const { graph, s } = await scenarioFindings();
    expect(about(graph.findings, "F-TTL-LONG", s.jti.research)).toMatchObject({ severity: "medium" });
    expect(about(graph.findings, "F-TTL-LONG", s.jti.fix)).toBeUndefined();
    expect(about(graph.findings, "F-TTL-LONG", s.jti.root)).toBeUndefined(); // 8 h root: under the 24 h root limit
    const { graph: strict } = pair({ t: {} }, { t: {} }, { childTtl: 600 });
    expect(strict.findings.filter((f) => f.id === "F-TTL-LONG")).toEqual([]);
    const tight = buildGraph(
      { tokens: factsOf(strict), revocations: [], decisions: [] },
      { now: NOW, maxDerivedTtl: 300 },
    );
    expect(tight.findings.map((f) => f.id)).toContain("F-TTL-LONG");
  });

  it("F-DEPTH-SLACK: a depth budget two or more levels beyond the deepest descendant", async () => {
    const { graph, s } = await scenarioFindings();
    expect(about(graph.findings, "F-DEPTH-SLACK", s.jti.root)?.message).toContain(
      "deepest descendant is at depth 2",
    );
    expect(about(graph.findings, "F-DEPTH-SLACK", s.jti.fix)).toBeUndefined(); // max 2, used 2
    expect(about(graph.findings, "F-DEPTH-SLACK", s.jti.helper)).toBeUndefined();
  });

  it("F-DEPTH-SLACK: flags the token that set the budget, not those that inherited it", async () => {
    const { graph, s } = await scenarioFindings();
    expect(about(graph.findings, "F-DEPTH-SLACK", s.jti.research)).toBeUndefined(); // inherits the root's 4
    const { graph: set, jti } = pair({ t: {} }, { t: {} }, { maxDepth: 4 });
    expect(about(set.findings, "F-DEPTH-SLACK", jti[0] as string)?.message).toContain(
      "deepest descendant is at depth 1",
    );
    const root = grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: { t: {} },
      ttl: 600,
      maxDepth: 5,
      now: NOW,
    });
    if (!root.ok) throw new Error(root.message);
    const child = derive(root.value, {
      key: orchestrator,
      to: researcher,
      tools: { t: {} },
      ttl: 60,
      now: NOW,
      maxDepth: 3,
    });
    if (!child.ok) throw new Error(child.message);
    const g = buildGraph(
      { tokens: child.value.map(tokenInputOf), revocations: [], decisions: [] },
      { now: NOW },
    );
    const childJti = tokenInputOf(child.value[1] as string).jti;
    expect(about(g.findings, "F-DEPTH-SLACK", childJti)?.message).toBe(
      "allows 2 more levels of delegation (max depth 3) but has never delegated",
    );
  });

  it("F-TOOL-UNUSED: suggests the narrower tools map the calls needed, once the token is revoked", async () => {
    const { graph, s } = await scenarioFindings();
    const f = about(graph.findings, "F-TOOL-UNUSED", s.jti.fix);
    expect(f?.message).toBe("tools never used in its lifetime: read_file");
    expect(f?.suggestion?.tools).toEqual({
      run_tests: {},
      write_file: { path: { constraint_type: "path_containment", root: "/repo/src" } },
    });
  });

  it('F-TOOL-UNUSED: notes "so far" for a live token, without a suggestion', async () => {
    const { graph, s } = await scenarioFindings();
    const f = about(graph.findings, "F-TOOL-UNUSED", s.jti.root);
    expect(f?.message).toBe("tools not used so far: deploy"); // calls below the root count for it
    expect(f?.suggestion).toBeUndefined();
    expect(about(graph.findings, "F-TOOL-UNUSED", s.jti.research)).toBeUndefined();
  });

  it("F-TOOL-UNUSED: an expired token that made no call at all", async () => {
    const { graph, s } = await scenarioFindings(NOW + 9 * 3600);
    expect(about(graph.findings, "F-TOOL-UNUSED", s.jti.research)).toBeUndefined();
    const { graph: idle, jti } = pair({ a: {}, b: {} }, { a: {} });
    expect(idle.findings.filter((f) => f.id === "F-TOOL-UNUSED")).toEqual([]); // live and idle: nothing to say yet
    const later = buildGraph(
      {
        tokens: factsOf(idle),
        revocations: [],
        decisions: [],
      },
      { now: NOW + 8000 },
    );
    expect(about(later.findings, "F-TOOL-UNUSED", jti[1] as string)).toMatchObject({
      message: "its only tool, a, was never used in its lifetime",
      suggestion: { tools: {} },
    });
  });

  it("F-REPEATED-DENIALS: three denials of one holder", async () => {
    const { graph } = await scenarioFindings();
    const f = about(graph.findings, "F-REPEATED-DENIALS", mallory.id);
    expect(f).toMatchObject({ severity: "high" });
    expect(f?.message).toBe("mallory was denied 3 calls (tool_not_granted ×3): possible misuse");
    expect(about(graph.findings, "F-REPEATED-DENIALS", orchestrator.id)).toBeUndefined(); // one denial
    expect(about(graph.findings, "F-REPEATED-DENIALS", fixer.id)).toBeUndefined();
  });

  it("F-KEY-REUSE: one key holding tokens in several intents", async () => {
    const { graph } = await scenarioFindings();
    const f = about(graph.findings, "F-KEY-REUSE", orchestrator.id);
    expect(f).toMatchObject({ severity: "medium" });
    expect(f?.message).toContain("2 intents (release-notes, triage-acme-site)");
    expect(about(graph.findings, "F-KEY-REUSE", researcher.id)).toBeUndefined();
  });

  it("lists each token's findings, and its holder's, on the node", async () => {
    const { graph, s } = await scenarioFindings();
    const node = graph.nodes.find((n) => n.jti === s.jti.helper);
    expect(node?.findings).toContain("F-REPEATED-DENIALS");
    const root = graph.nodes.find((n) => n.jti === s.jti.root);
    expect(root?.findings).toEqual(expect.arrayContaining(["F-DEPTH-SLACK", "F-TOOL-UNUSED", "F-KEY-REUSE"]));
  });
});
