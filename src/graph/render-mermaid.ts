/**
 * Mermaid flowchart of a graph (top-down), with one class per status. Paste it into any Markdown
 * viewer that renders Mermaid (GitHub, GitLab, mermaid.live).
 *
 * @example
 *   const doc = "```mermaid\n" + renderMermaid(graph) + "```\n";
 */
import type { Graph } from "../core/graph/types.ts";
import { type DocumentOptions, nodeLabelLines, STATUS_COLORS } from "./render-dot.ts";
import { escapeDeep } from "./render-escape.ts";

/** Mermaid label text: quotes and angle brackets as entity codes, lines joined with <br/>. */
function label(lines: string[]): string {
  const esc = (t: string) =>
    t.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
  return `"${lines.map(esc).join("<br/>")}"`;
}

const CLASS = {
  active: "active",
  expired: "expired",
  revoked: "revoked",
  "revoked-by-ancestor": "revokedByAncestor",
} as const;

/** The graph as a Mermaid flowchart; every string of the graph is escaped first (`render-escape.ts`). */
export function renderMermaid(unescaped: Graph, options: DocumentOptions = {}): string {
  const graph = escapeDeep(unescaped);
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `t${i}`]));
  const out = ["flowchart TD"];
  for (const n of graph.nodes) {
    out.push(
      `  ${ids.get(n.id)}[${label(nodeLabelLines(n, options.findings === true))}]:::${CLASS[n.status]}`,
    );
  }
  for (const e of graph.edges) {
    const s = ids.get(e.source);
    const t = ids.get(e.target);
    if (s && t) out.push(`  ${s} --> ${t}`);
  }
  for (const [status, name] of Object.entries(CLASS)) {
    const c = STATUS_COLORS[status as keyof typeof CLASS];
    const dash = status === "expired" || status === "revoked-by-ancestor" ? ",stroke-dasharray:4 3" : "";
    out.push(`  classDef ${name} fill:${c.fill},stroke:${c.line},color:#111827${dash}`);
  }
  return `${out.join("\n")}\n`;
}
