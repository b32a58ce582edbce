/**
 * The agent view: one agent's tokens (held and issued) across the intents it took part in, taken
 * from those intents' full graphs so that statuses, usage and findings are the same as there.
 *
 * @example
 *   const view = agentView(orchestrator.id, [graphOfIntentA, graphOfIntentB], { now });
 *   view.agent?.held; // tokens the agent holds, over both intents
 */
import { agentRef, emptyByStatus } from "./build-graph.ts";
import type { AgentSummary, Finding, Graph, GraphEdge, GraphNode, GraphSummary } from "./types.ts";

export interface AgentViewOptions {
  now: number;
  names?: ReadonlyMap<string, string>;
}

/** Aggregates the graphs of several intents around one agent id. */
export function agentView(agent: string, graphs: readonly Graph[], options: AgentViewOptions): Graph {
  const ref = agentRef(agent, options.names);
  const nodes: GraphNode[] = [];
  const ids = new Set<string>();
  const intents = new Map<string, AgentSummary["intents"][number]>();
  const summary: GraphSummary = {
    tokens: 0,
    byStatus: emptyByStatus(),
    permitted: 0,
    denied: 0,
    unattributed: 0,
  };
  let held = 0;
  let issued = 0;
  for (const g of graphs) {
    for (const n of g.nodes) {
      const holds = n.holder.id === agent;
      const issues = n.issuer.id === agent;
      if ((!holds && !issues) || ids.has(n.id)) continue;
      ids.add(n.id);
      nodes.push(n);
      summary.tokens += 1;
      summary.byStatus[n.status] += 1;
      if (holds) {
        held += 1;
        summary.permitted += n.usage.permitted;
        summary.denied += n.usage.denied;
        const last = n.usage.lastUse;
        if (last !== undefined && (summary.lastUse === undefined || last > summary.lastUse))
          summary.lastUse = last;
      }
      if (issues) issued += 1;
      const intentId = n.intent?.id ?? "";
      const entry = intents.get(intentId) ?? {
        id: intentId,
        ...(n.intent?.purpose ? { purpose: n.intent.purpose } : {}),
        held: 0,
        issued: 0,
      };
      if (holds) entry.held += 1;
      if (issues) entry.issued += 1;
      intents.set(intentId, entry);
    }
  }
  const edges: GraphEdge[] = [];
  for (const g of graphs) for (const e of g.edges) if (ids.has(e.source) && ids.has(e.target)) edges.push(e);
  // Token findings are matched by hash: a jti is chosen by its issuer, so another agent's token can
  // carry the same one (findings recorded before tokenHash existed fall back to the jti).
  const hashes = new Set(nodes.map((n) => n.hash));
  const jtis = new Set(nodes.map((n) => n.jti));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const g of graphs) {
    for (const f of g.findings) {
      const mine =
        f.agent === agent ||
        (f.tokenHash !== undefined ? hashes.has(f.tokenHash) : f.token !== undefined && jtis.has(f.token));
      const key = `${f.id}|${f.tokenHash ?? f.token ?? ""}|${f.agent ?? ""}`;
      if (mine && !seen.has(key)) {
        seen.add(key);
        findings.push(f);
      }
    }
  }
  return {
    view: "agent",
    agent: {
      ...ref,
      held,
      issued,
      permitted: summary.permitted,
      denied: summary.denied,
      intents: [...intents.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    },
    now: options.now,
    nodes,
    edges,
    findings,
    summary,
  };
}
