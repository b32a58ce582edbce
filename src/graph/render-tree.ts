/**
 * The terminal tree of a graph: one block per token, children under their parent with box-drawing
 * branches, status marks and (when the caller's style has them) colours.
 *
 * @example
 *   process.stdout.write(renderTree(graph, { findings: true }));
 */
import { shortDuration, shortJti } from "../core/graph/index.ts";
import type { Finding, Graph, GraphNode, Narrowing, TokenStatus } from "../core/graph/types.ts";
import { escapeDeep } from "./render-escape.ts";

/** Text styles; identity functions for plain output (the CLI's `style(ctx)` fits). */
export interface TreeStyle {
  bold(t: string): string;
  dim(t: string): string;
  ok(t: string): string;
  bad(t: string): string;
  warn(t: string): string;
  accent(t: string): string;
}

const id = (t: string) => t;
export const PLAIN_STYLE: TreeStyle = { bold: id, dim: id, ok: id, bad: id, warn: id, accent: id };

export interface TreeOptions {
  style?: TreeStyle;
  /** List the findings under the tree (each token line always shows how many it has). */
  findings?: boolean;
}

const MARKS: Record<TokenStatus, string> = {
  active: "●",
  expired: "○",
  revoked: "✗",
  "revoked-by-ancestor": "✗",
};

function paint(status: TokenStatus, s: TreeStyle): (t: string) => string {
  switch (status) {
    case "active":
      return s.ok;
    case "expired":
      return s.dim;
    default:
      return s.bad;
  }
}

/** `2h`, `14m 58s` left, or `expired 3m ago`. */
function left(seconds: number): string {
  return seconds <= 0 ? `expired ${shortDuration(-seconds)} ago` : `${shortDuration(seconds)} left`;
}

/** One-line summary of a narrowing: `−write_file · path tightened · TTL −45m`. */
export function narrowingLine(n: Narrowing): string {
  const out: string[] = [];
  if (n.toolsRemoved.length) out.push(`tools removed: ${n.toolsRemoved.join(", ")}`);
  if (n.toolsAdded.length) out.push(`tools ADDED: ${n.toolsAdded.join(", ")}`);
  if (n.constraints.length) {
    out.push(`constraints changed: ${n.constraints.map((c) => `${c.tool}.${c.arg}`).join(", ")}`);
  }
  if (n.ttlShortenedBy > 0) out.push(`TTL shortened by ${shortDuration(n.ttlShortenedBy)}`);
  if (n.maxDepth) out.push(`max depth ${n.maxDepth.from} → ${n.maxDepth.to}`);
  if (n.approvalsAdded.length) out.push(`approvals added: ${n.approvalsAdded.join(", ")}`);
  if (n.maxUses) out.push(`max uses ${n.maxUses.from ?? "∞"} → ${n.maxUses.to ?? "∞"}`);
  if (n.audience)
    out.push(`audience ${(n.audience.from ?? ["any"]).join(",")} → ${(n.audience.to ?? ["any"]).join(",")}`);
  return out.length ? out.join(" · ") : "same authority as its parent";
}

function statusText(n: GraphNode): string {
  if (n.status === "revoked" && n.revocation) {
    const r = n.revocation;
    return `revoked (${r.target.kind}${r.reason ? `: ${r.reason}` : ""})`;
  }
  if (n.status === "revoked-by-ancestor")
    return `revoked by ancestor ${shortJti(n.revocation?.ancestor ?? "")}`;
  return n.status;
}

function usageText(n: GraphNode): string {
  const u = n.usage;
  if (u.permitted === 0 && u.denied === 0) return "no calls";
  const codes = Object.entries(u.codes)
    .map(([c, k]) => `${c} ×${k}`)
    .join(", ");
  return `${u.permitted} permitted, ${u.denied} denied${codes ? ` (${codes})` : ""}`;
}

const SEVERITY_ORDER = { high: 0, medium: 1, low: 2 } as const;

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * The whole graph as a terminal tree, with a header and (optionally) the findings. Every string of
 * the graph is escaped first (`render-escape.ts`): one token stays one block of lines.
 */
export function renderTree(unescaped: Graph, options: TreeOptions = {}): string {
  const graph = escapeDeep(unescaped);
  const s = options.style ?? PLAIN_STYLE;
  const lines: string[] = [];
  const b = graph.summary.byStatus;
  const counts = [
    `${graph.summary.tokens} token${graph.summary.tokens === 1 ? "" : "s"}`,
    b.active ? s.ok(`${b.active} active`) : "",
    b.expired ? s.dim(`${b.expired} expired`) : "",
    b.revoked + b["revoked-by-ancestor"] ? s.bad(`${b.revoked + b["revoked-by-ancestor"]} revoked`) : "",
    `${graph.summary.permitted} permitted / ${graph.summary.denied} denied calls`,
  ].filter(Boolean);
  if (graph.view === "agent" && graph.agent) {
    const a = graph.agent;
    lines.push(`${s.bold(`agent ${a.label}`)} ${s.dim(a.id)}`);
    lines.push(
      `holds ${a.held}, issued ${a.issued} · intents ${a.intents.map((i) => i.id || "(none)").join(", ")}`,
    );
  } else if (graph.intent) {
    lines.push(
      `${s.bold(`intent ${graph.intent.id}`)}${graph.intent.purpose ? ` — ${graph.intent.purpose}` : ""}`,
    );
  }
  lines.push(counts.join(" · "));
  if (graph.summary.unattributed)
    lines.push(s.dim(`${graph.summary.unattributed} calls by unrecorded tokens`));
  lines.push("");

  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const children = new Map<string, GraphNode[]>();
  const roots: GraphNode[] = [];
  for (const n of graph.nodes) {
    const parent = n.parent !== undefined && byId.has(n.parent) ? n.parent : undefined;
    if (parent === undefined) roots.push(n);
    else children.set(parent, [...(children.get(parent) ?? []), n]);
  }
  const emit = (n: GraphNode, prefix: string, branch: string, isLast: boolean) => {
    const p = paint(n.status, s);
    const flags = n.findings.length ? s.warn(` ⚠ ${n.findings.length}`) : "";
    lines.push(
      `${prefix}${branch}${p(MARKS[n.status])} ${s.bold(n.issuer.label)} → ${s.bold(n.holder.label)} ${s.accent(`[${shortJti(n.jti)}]`)} ${p(statusText(n))}${flags}`,
    );
    const inner = `${prefix}${branch === "" ? "" : isLast ? "    " : "│   "}${(children.get(n.id)?.length ?? 0) > 0 ? "│ " : "  "} `;
    const tools = n.tools === null ? "(none)" : Object.keys(n.tools).join(", ") || "(none)";
    lines.push(
      `${inner}${s.dim("tools")} ${tools}${n.approve.length ? ` ${s.dim("· approve")} ${n.approve.join(", ")}` : ""}`,
    );
    lines.push(
      `${inner}${s.dim("ttl")} ${shortDuration(n.ttl)} (${left(n.ttlLeft)}) ${s.dim("· depth")} ${n.depth}/${n.maxDepth}${n.maxUses !== undefined ? ` ${s.dim("· max uses")} ${n.maxUses}` : ""} ${s.dim("· calls")} ${usageText(n)}`,
    );
    if (n.narrowing) lines.push(`${inner}${s.dim("narrowed")} ${narrowingLine(n.narrowing)}`);
    const kids = children.get(n.id) ?? [];
    const nextPrefix = `${prefix}${branch === "" ? "" : isLast ? "    " : "│   "}`;
    kids.forEach((c, i) => {
      emit(c, nextPrefix, i === kids.length - 1 ? "└── " : "├── ", i === kids.length - 1);
    });
  };
  roots.forEach((r, i) => {
    if (i > 0) lines.push("");
    emit(r, "", "", true);
  });

  if (options.findings) {
    lines.push("");
    const list = sortFindings(graph.findings);
    lines.push(s.bold(`findings (${list.length})`));
    if (list.length === 0) lines.push(s.dim("  none"));
    const labels = new Map<string, string>();
    for (const n of graph.nodes) {
      labels.set(n.holder.id, n.holder.label);
      labels.set(n.issuer.id, n.issuer.label);
    }
    for (const f of list) {
      const sev =
        f.severity === "high"
          ? s.bad("HIGH  ")
          : f.severity === "medium"
            ? s.warn("MEDIUM")
            : s.dim("LOW   ");
      const subject =
        f.token !== undefined
          ? `token ${shortJti(f.token)}`
          : `agent ${labels.get(f.agent ?? "") ?? f.agent ?? "?"}`;
      lines.push(`  ${sev} ${f.id.padEnd(22)} ${s.accent(subject)}: ${f.message}`);
      if (f.suggestion)
        lines.push(`         ${s.dim("suggested tools")} ${JSON.stringify(f.suggestion.tools)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
