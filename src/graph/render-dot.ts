/**
 * Graphviz DOT of a graph: top-down, one rounded box per token filled by status, findings counted
 * in the label (and listed with `findings: true`). Renders with `dot -Tsvg`.
 *
 * @example
 *   writeFileSync("intent.dot", renderDot(graph, { findings: true }));
 */
import { shortDuration, shortJti } from "../core/graph/index.ts";
import type { Graph, TokenStatus } from "../core/graph/types.ts";
import { escapeDeep } from "./render-escape.ts";

export interface DocumentOptions {
  /** Name each finding id in the token's label. */
  findings?: boolean;
}

export const STATUS_COLORS: Record<TokenStatus, { fill: string; line: string }> = {
  active: { fill: "#dcfce7", line: "#15803d" },
  expired: { fill: "#e5e7eb", line: "#6b7280" },
  revoked: { fill: "#fee2e2", line: "#b91c1c" },
  "revoked-by-ancestor": { fill: "#fde8e8", line: "#e06666" },
};

/** A DOT double-quoted string. */
function q(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** Label lines of a token, shared with the Mermaid renderer. */
export function nodeLabelLines(n: Graph["nodes"][number], withFindings: boolean): string[] {
  const tools = n.tools === null ? "(none)" : Object.keys(n.tools).join(", ") || "(none)";
  const lines = [
    `${n.issuer.label} → ${n.holder.label}`,
    `${shortJti(n.jti)} · ${n.status}`,
    `tools: ${tools}`,
    `TTL ${shortDuration(n.ttl)} · depth ${n.depth}/${n.maxDepth}`,
  ];
  if (n.usage.permitted || n.usage.denied)
    lines.push(`calls ${n.usage.permitted} ok / ${n.usage.denied} denied`);
  if (n.findings.length) {
    lines.push(
      withFindings ? `⚠ ${[...new Set(n.findings)].join(", ")}` : `⚠ ${n.findings.length} finding(s)`,
    );
  }
  return lines;
}

/** The graph as DOT; every string of the graph is escaped first (`render-escape.ts`). */
export function renderDot(unescaped: Graph, options: DocumentOptions = {}): string {
  const graph = escapeDeep(unescaped);
  const title =
    graph.view === "agent" ? `agent ${graph.agent?.label ?? ""}` : `intent ${graph.intent?.id ?? "(none)"}`;
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `t${i}`]));
  const out = [
    "digraph baton {",
    `  label=${q(title)};`,
    "  labelloc=t;",
    "  rankdir=TB;",
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    '  edge [color="#64748b"];',
  ];
  for (const n of graph.nodes) {
    const c = STATUS_COLORS[n.status];
    const dashed =
      n.status === "expired" || n.status === "revoked-by-ancestor" ? ', style="rounded,filled,dashed"' : "";
    out.push(
      `  ${ids.get(n.id)} [label=${q(nodeLabelLines(n, options.findings === true).join("\n"))}, fillcolor=${q(c.fill)}, color=${q(c.line)}${dashed}, tooltip=${q(n.jti)}];`,
    );
  }
  for (const e of graph.edges) {
    const s = ids.get(e.source);
    const t = ids.get(e.target);
    if (s && t) out.push(`  ${s} -> ${t};`);
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}
