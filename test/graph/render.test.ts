import { describe, expect, it } from "vitest";
import { buildGraph, type Graph } from "../../src/core/graph/index.ts";
import { grant } from "../../src/core/index.ts";
import { tokenInputOf } from "../../src/graph/record-token.ts";
import { renderGraph } from "../../src/graph/render.ts";
import { factsOf, INTENT, NOW, orchestrator, principal } from "./scenario.ts";

function oneToken(issuer: string, name: string): Graph {
  const root = grant({
    key: principal,
    issuer,
    to: orchestrator,
    tools: { t: {} },
    ttl: 600,
    maxDepth: 0,
    now: NOW,
    intent: INTENT,
  });
  if (!root.ok) throw new Error(root.message);
  return buildGraph(
    {
      tokens: [tokenInputOf(root.value[0] as string)],
      revocations: [],
      decisions: [],
      names: new Map([[orchestrator.id, name]]),
    },
    { now: NOW },
  );
}

describe("graph renderers", () => {
  it("escape quotes and backslashes in DOT labels", () => {
    const dot = renderGraph(oneToken('https://x.example/"a\\b', 'say "hi"'), "dot");
    expect(dot).toContain('https://x.example/\\"a\\\\b → say \\"hi\\"');
    expect(dot.trim().endsWith("}")).toBe(true);
  });

  it("escape quotes and angle brackets in Mermaid labels", () => {
    const mermaid = renderGraph(oneToken("https://x.example/a", '<b>"x"</b>'), "mermaid");
    expect(mermaid).toContain("#lt;b#gt;#quot;x#quot;#lt;/b#gt;");
    expect(mermaid).not.toMatch(/\["[^\]]*<b>/);
  });

  it("print the graph as pretty JSON", () => {
    const g = oneToken("https://x.example/a", "o");
    expect(JSON.parse(renderGraph(g, "json"))).toEqual(JSON.parse(JSON.stringify(g)));
  });

  it("show an expired token as expired in the tree", () => {
    const g = oneToken("https://x.example/a", "o");
    const later = buildGraph(
      {
        tokens: factsOf(g),
        revocations: [],
        decisions: [],
      },
      { now: NOW + 900 },
    );
    const tree = renderGraph(later, "tree");
    expect(tree).toContain("○ https://x.example/a");
    expect(tree).toContain("expired 5m ago");
  });
});
