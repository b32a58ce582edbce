import { describe, expect, it } from "vitest";
import { agentView, buildGraph, type Graph, type GraphNode } from "../../src/core/graph/index.ts";
import { derive, grant } from "../../src/core/index.ts";
import { loadAgentGraph, loadIntentGraph } from "../../src/graph/load.ts";
import { tokenInputOf } from "../../src/graph/record-token.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import {
  fixer,
  INTENT,
  ISSUER,
  mallory,
  NOW,
  OTHER_INTENT,
  orchestrator,
  principal,
  researcher,
  seedScenario,
} from "./scenario.ts";

async function scenarioGraph(options: { revokeFixer?: boolean; now?: number } = {}) {
  const store = new MemoryStore({ clock: () => NOW * 1000 });
  const s = await seedScenario(store, { revokeFixer: options.revokeFixer ?? true });
  const graph = (await loadIntentGraph(store, INTENT.id, { now: options.now ?? NOW + 100 })) as Graph;
  const node = (jti: string) => graph.nodes.find((n) => n.jti === jti) as GraphNode;
  return { store, s, graph, node };
}

describe("the intent graph", () => {
  it("links each token to its parent by par_hash, root first", async () => {
    const { graph, s, node } = await scenarioGraph();
    expect(graph.view).toBe("intent");
    expect(graph.intent).toEqual(INTENT);
    expect(graph.nodes).toHaveLength(4);
    expect(graph.nodes[0]?.jti).toBe(s.jti.root);
    expect(graph.edges).toHaveLength(3);
    expect(node(s.jti.helper).parent).toBe(node(s.jti.fix).id);
    expect(node(s.jti.helper).parentJti).toBe(s.jti.fix);
    expect(node(s.jti.root).parent).toBeUndefined();
    expect(graph.edges).toContainEqual(
      expect.objectContaining({ source: node(s.jti.root).id, target: node(s.jti.research).id }),
    );
  });

  it("shows registered names, and short thumbprint ids otherwise", async () => {
    const { graph, s, node, store } = await scenarioGraph();
    expect(node(s.jti.research).holder).toEqual({
      id: researcher.id,
      name: "researcher",
      label: "researcher",
    });
    expect(node(s.jti.root).issuer).toEqual({ id: ISSUER, label: ISSUER });
    await store.setAgentName(researcher.id, null);
    const again = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
    const label = again.nodes.find((n) => n.jti === s.jti.research)?.holder.label;
    expect(label).toMatch(/^jkt:[A-Za-z0-9_-]{8}$/);
    expect(graph.summary.tokens).toBe(4);
  });

  it("carries tools, approvals, depth, max depth and TTL of each token", async () => {
    const { s, node } = await scenarioGraph();
    const fix = node(s.jti.fix);
    expect(Object.keys(fix.tools ?? {}).sort()).toEqual(["read_file", "run_tests", "write_file"]);
    expect(fix.approve).toEqual(["deploy"]);
    expect([fix.depth, fix.maxDepth, fix.deepestDepth, fix.children]).toEqual([1, 2, 2, 1]);
    expect(fix.ttl).toBe(1800);
    expect(fix.ttlLeft).toBe(NOW + 1 + 1800 - (NOW + 100));
    expect(fix.claims.jti).toBe(s.jti.fix);
  });

  it("marks the revoked token revoked and its descendants revoked-by-ancestor", async () => {
    const { s, node, graph } = await scenarioGraph();
    expect(node(s.jti.fix).status).toBe("revoked");
    expect(node(s.jti.fix).revocation).toMatchObject({
      target: { kind: "token", id: s.jti.fix },
      reason: "fixer overreached",
    });
    expect(node(s.jti.helper).status).toBe("revoked-by-ancestor");
    expect(node(s.jti.helper).revocation?.ancestor).toBe(s.jti.fix);
    expect(node(s.jti.root).status).toBe("active");
    expect(node(s.jti.research).status).toBe("active");
    expect(graph.summary.byStatus).toEqual({ active: 2, expired: 0, revoked: 1, "revoked-by-ancestor": 1 });
  });

  it("revokes by hash, by holder, by issuer and by intent", async () => {
    const cases = [
      (s: Awaited<ReturnType<typeof seedScenario>>) => ({
        kind: "token" as const,
        id: tokenInputOf(s.research[1] as string).hash,
      }),
      () => ({ kind: "agent" as const, id: researcher.id }),
      () => ({ kind: "agent" as const, id: fixer.id }),
    ];
    for (const target of cases) {
      const store = new MemoryStore({ clock: () => NOW * 1000 });
      const s = await seedScenario(store, { revokeFixer: false });
      await store.addRevocation({ target: target(s) });
      const g = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
      const status = (jti: string) => g.nodes.find((n) => n.jti === jti)?.status;
      if (target(s).id === fixer.id) {
        // The fixer holds the fix token and issued the helper token: both are hit directly.
        expect([status(s.jti.fix), status(s.jti.helper)]).toEqual(["revoked", "revoked"]);
      } else {
        expect(status(s.jti.research)).toBe("revoked");
        expect(status(s.jti.fix)).toBe("active");
      }
    }
    const store = new MemoryStore({ clock: () => NOW * 1000 });
    await seedScenario(store, { revokeFixer: false });
    await store.addRevocation({ target: { kind: "intent", id: INTENT.id } });
    const g = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
    expect(g.nodes.every((n) => n.status === "revoked")).toBe(true);
  });

  it("marks tokens past their exp expired, and revoked wins over expired", async () => {
    const { s, node } = await scenarioGraph({ now: NOW + 3 * 3600 });
    expect(node(s.jti.research).status).toBe("expired");
    expect(node(s.jti.research).ttlLeft).toBeLessThan(0);
    expect(node(s.jti.root).status).toBe("active");
    expect(node(s.jti.fix).status).toBe("revoked");
  });

  it("attributes each call to the leaf token of its chain", async () => {
    const { s, node, graph } = await scenarioGraph();
    expect(node(s.jti.research).usage).toMatchObject({
      permitted: 3,
      denied: 0,
      tools: { read_file: { permitted: 3, denied: 0 } },
    });
    expect(node(s.jti.fix).usage).toMatchObject({ permitted: 2, denied: 0 });
    expect(node(s.jti.helper).usage).toMatchObject({
      permitted: 1,
      denied: 3,
      codes: { tool_not_granted: 3 },
      lastUse: (NOW + 33) * 1000,
    });
    expect(node(s.jti.root).usage).toMatchObject({
      permitted: 0,
      denied: 1,
      codes: { approval_required: 1 },
    });
    expect(graph.summary).toMatchObject({ permitted: 6, denied: 4, unattributed: 0 });
  });

  it("counts calls whose leaf is not recorded as unattributed", async () => {
    const { store } = await scenarioGraph();
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      data: { allow: false, code: "bad_signature", jtis: ["not-recorded"], tool: "read_file" },
    });
    const g = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
    expect(g.summary.unattributed).toBe(1);
  });

  it("attributes a call by the leaf's token hash, and only to that token's holder (review finding 1)", async () => {
    const { store, s, node } = await scenarioGraph();
    const helper = node(s.jti.helper);
    const before = { ...helper.usage };
    // A call whose agent is not the helper token's holder, naming its hash: not the helper's.
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      agent: researcher.id,
      data: { allow: false, code: "tool_not_granted", jtis: [s.jti.helper], hashes: [helper.hash] },
    });
    // An older event (jtis only) by another agent that names the helper's jti: not the helper's.
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      agent: orchestrator.id,
      data: { allow: false, code: "tool_not_granted", jtis: [s.jti.helper] },
    });
    // A call naming the helper's jti but another token's hash: attributed by hash, never by jti.
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      agent: mallory.id,
      data: { allow: false, code: "tool_not_granted", jtis: [s.jti.helper], hashes: ["sha256:other"] },
    });
    const g = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
    const after = g.nodes.find((n) => n.hash === helper.hash) as GraphNode;
    expect(after.usage).toMatchObject({ permitted: before.permitted, denied: before.denied });
    expect(g.summary.unattributed).toBe(3);
    // The helper's holder's own call, by hash or (older events) by jti, still is the helper's.
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      agent: mallory.id,
      data: { allow: true, code: "permitted", jtis: [s.jti.helper], hashes: [helper.hash] },
    });
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      agent: mallory.id,
      data: { allow: true, code: "permitted", jtis: [s.jti.helper] },
    });
    const g2 = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
    const again = g2.nodes.find((n) => n.hash === helper.hash) as GraphNode;
    expect(again.usage.permitted).toBe(before.permitted + 2);
  });

  it("counts a denial whose PoP an earlier decision carried as a replay, attributed to no one", async () => {
    const { store, s, node } = await scenarioGraph();
    const helper = node(s.jti.helper);
    const data = {
      jtis: [s.jti.helper],
      hashes: [helper.hash],
      pop_hash: "sha256:one-pop",
      tool: "run_tests",
    };
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      agent: mallory.id,
      data: { allow: true, code: "permitted", ...data },
    });
    for (let i = 0; i < 6; i++) {
      await store.appendAudit({
        type: "decision",
        intent: INTENT.id,
        agent: mallory.id,
        data: { allow: false, code: "approval_required", ...data },
      });
    }
    const g = (await loadIntentGraph(store, INTENT.id, { now: NOW + 100 })) as Graph;
    const after = g.nodes.find((n) => n.hash === helper.hash) as GraphNode;
    expect(after.usage.permitted).toBe(helper.usage.permitted + 1);
    expect(after.usage.denied).toBe(helper.usage.denied);
    expect(after.usage.codes.approval_required).toBeUndefined();
    expect(g.summary.unattributed).toBe(6);
  });

  it("describes how a child narrows its parent", async () => {
    const { s, node } = await scenarioGraph();
    const n = node(s.jti.fix).narrowing;
    expect(n?.toolsRemoved).toEqual(["deploy"]);
    expect(n?.toolsAdded).toEqual([]);
    expect(n?.constraints).toContainEqual({
      tool: "read_file",
      arg: "path",
      from: { constraint_type: "wildcard" },
      to: { constraint_type: "path_containment", root: "/repo/src" },
    });
    expect(n?.ttl).toEqual({ from: 8 * 3600, to: 1800 });
    expect(n?.ttlShortenedBy).toBe(8 * 3600 - 1801);
    expect(n?.maxDepth).toEqual({ from: 4, to: 2 });
    expect(node(s.jti.root).narrowing).toBeUndefined();
  });

  it("shows a token whose parent is not recorded as an orphan root", () => {
    const root = grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: { a: {} },
      ttl: 600,
      maxDepth: 2,
      now: NOW,
      intent: INTENT,
    });
    if (!root.ok) throw new Error(root.message);
    const child = derive(root.value, {
      key: orchestrator,
      to: researcher,
      tools: { a: {} },
      ttl: 60,
      now: NOW,
    });
    if (!child.ok) throw new Error(child.message);
    const g = buildGraph(
      { tokens: [tokenInputOf(child.value[1] as string)], revocations: [], decisions: [] },
      { now: NOW },
    );
    expect(g.nodes[0]?.orphan).toBe(true);
    expect(g.edges).toEqual([]);
  });
});

describe("the agent view", () => {
  it("aggregates the tokens an agent holds and issued across intents", async () => {
    const { store, s } = await scenarioGraph();
    const view = (await loadAgentGraph(store, orchestrator.id, { now: NOW + 100 })) as Graph;
    expect(view.view).toBe("agent");
    expect(view.agent).toMatchObject({ id: orchestrator.id, name: "orchestrator", held: 2, issued: 2 });
    expect(view.agent?.intents.map((i) => i.id)).toEqual([OTHER_INTENT.id, INTENT.id]);
    expect(view.nodes.map((n) => n.jti).sort()).toEqual(
      [s.jti.root, s.jti.research, s.jti.fix, s.jti.otherRoot].sort(),
    );
    expect(view.edges).toHaveLength(2);
    expect(view.findings.map((f) => f.id)).toContain("F-KEY-REUSE");
  });

  it("keeps statuses computed in the full intent graph", async () => {
    const { store, s } = await scenarioGraph();
    const view = (await loadAgentGraph(store, mallory.id, { now: NOW + 100 })) as Graph;
    expect(view.nodes.map((n) => [n.jti, n.status])).toEqual([[s.jti.helper, "revoked-by-ancestor"]]);
    expect(view.agent).toMatchObject({ held: 1, issued: 0, permitted: 1, denied: 3 });
  });

  it("is null for an agent that appears in no token", async () => {
    const { store } = await scenarioGraph();
    expect(
      await loadAgentGraph(store, "urn:ietf:params:oauth:jwk-thumbprint:sha-256:nobody", { now: NOW }),
    ).toBeNull();
    expect(agentView("x", [], { now: NOW }).nodes).toEqual([]);
  });
});
