/**
 * One entry point for every graph format: `tree` (terminal), `dot` (Graphviz), `mermaid` and
 * `json` (the `GET /v1/graph` body, pretty-printed).
 *
 * @example
 *   ctx.stdout.write(renderGraph(graph, "mermaid", { findings: true }));
 */
import type { Graph } from "../core/graph/types.ts";
import { renderDot } from "./render-dot.ts";
import { renderMermaid } from "./render-mermaid.ts";
import { renderTree, type TreeStyle } from "./render-tree.ts";

export const GRAPH_FORMATS = ["tree", "dot", "mermaid", "json"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface RenderOptions {
  /** Tree: list findings; dot/mermaid: name finding ids in labels; json: output only the findings. */
  findings?: boolean;
  style?: TreeStyle;
}

export function renderGraph(graph: Graph, format: GraphFormat, options: RenderOptions = {}): string {
  const findings = options.findings === true;
  switch (format) {
    case "tree":
      return renderTree(graph, { findings, ...(options.style ? { style: options.style } : {}) });
    case "dot":
      return renderDot(graph, { findings });
    case "mermaid":
      return renderMermaid(graph, { findings });
    case "json":
      return `${JSON.stringify(findings ? graph.findings : graph, null, 2)}\n`;
  }
}
