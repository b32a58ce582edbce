/**
 * Risk findings: the delegation habits that widen what a leaked or misused token can do. Each has a
 * stable id (`specs/graph.md` lists them), a severity and one line of explanation. They are advice
 * about tokens that verified, never decisions: nothing here changes what a verifier permits.
 */
import type { ConstraintMap, JsonValue, ToolsMap } from "../constraints/index.ts";
import { jcs } from "../encoding.ts";
import type { Finding, FindingOptions, GraphNode } from "./types.ts";
import type { Call } from "./usage.ts";

export const DEFAULT_FINDING_OPTIONS: Readonly<Required<FindingOptions>> = Object.freeze({
  maxDerivedTtl: 3600,
  maxRootTtl: 86_400,
  depthSlack: 2,
  denialThreshold: 3,
});

/** What the token rules look at for one token. */
export interface TokenSubject {
  node: GraphNode;
  /** The parent's tools map; undefined for a root (or an orphan). */
  parentTools?: ToolsMap | null;
  /** The parent's del_max_depth; undefined for a root (or an orphan). */
  parentMaxDepth?: number;
  /** Tools of the permitted calls made with this token or any token below it. */
  usedTools: ReadonlySet<string>;
  /** Calls made with this token or any token below it. */
  subtreeCalls: number;
}

/** `2h`, `1h 30m`, `45s`: the two largest units of a duration in seconds. */
export function shortDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : "", s ? `${s}s` : ""].filter(Boolean);
  return parts.slice(0, 2).join(" ") || "0s";
}

/** The last 8 characters of a jti: for UUIDv7 jtis the random part (the first ones are a timestamp). */
export function shortJti(jti: string): string {
  return jti.length <= 8 ? jti : jti.slice(-8);
}

function isWildcard(c: JsonValue | undefined): boolean {
  return (
    c !== null &&
    typeof c === "object" &&
    !Array.isArray(c) &&
    (c as Record<string, JsonValue>).constraint_type === "wildcard"
  );
}

/**
 * `tool.arg` pairs whose explicit `wildcard` or `"*"` constraint the child copied from its parent
 * unchanged. An empty map (`{}`, implicitly `"*"`) is not flagged: it is how a tool that takes no
 * arguments is granted, and flagging every such tool would bury the real cases.
 */
export function wildcardPassthrough(parent: ToolsMap, child: ToolsMap): string[] {
  const out: string[] = [];
  for (const tool of Object.keys(child).sort()) {
    const pm = parent[tool];
    const cm = child[tool];
    if (pm === undefined || cm === undefined) continue;
    for (const arg of Object.keys(cm).sort()) {
      const cc = cm[arg];
      if (arg !== "*" && !isWildcard(cc)) continue;
      if (Object.hasOwn(pm, arg) && jcs(pm[arg]) === jcs(cc)) out.push(`${tool}.${arg}`);
    }
  }
  return out;
}

/** The findings about one token. */
export function tokenFindings(s: TokenSubject, o: Required<FindingOptions>): Finding[] {
  const n = s.node;
  const about = { token: n.jti, tokenHash: n.hash, ...(n.intent ? { intent: n.intent.id } : {}) };
  const out: Finding[] = [];

  if (s.parentTools && n.tools) {
    const passed = wildcardPassthrough(s.parentTools, n.tools);
    if (passed.length > 0) {
      out.push({
        id: "F-WILDCARD-PASSTHROUGH",
        severity: "medium",
        ...about,
        message: `passes unconstrained arguments down unchanged from its parent: ${passed.join(", ")}`,
      });
    }
  }

  const derived = n.depth > 0;
  const limit = derived ? o.maxDerivedTtl : o.maxRootTtl;
  if (n.ttl > limit) {
    out.push({
      id: "F-TTL-LONG",
      severity: derived ? "medium" : "low",
      ...about,
      message: `lives ${shortDuration(n.ttl)}, longer than the ${shortDuration(limit)} advised for ${derived ? "a derived token" : "a root grant"}`,
    });
  }

  // Flagged where the budget is set (the root, or a child that changed it), not on every token that
  // inherited it: that is where the fix goes.
  const setsBudget = s.parentMaxDepth === undefined || s.parentMaxDepth !== n.maxDepth;
  const slack = n.maxDepth - n.deepestDepth;
  if (setsBudget && slack >= o.depthSlack) {
    out.push({
      id: "F-DEPTH-SLACK",
      severity: "low",
      ...about,
      message:
        n.deepestDepth === n.depth
          ? `allows ${slack} more levels of delegation (max depth ${n.maxDepth}) but has never delegated`
          : `allows delegation to depth ${n.maxDepth} but its deepest descendant is at depth ${n.deepestDepth}`,
    });
  }

  const dead = n.status !== "active";
  const tools = n.tools ?? {};
  const unused = Object.keys(tools)
    .filter((t) => !s.usedTools.has(t))
    .sort();
  // A live token that has made no call yet says nothing about its tools; flag it once calls exist.
  if (unused.length > 0 && (dead || s.subtreeCalls > 0)) {
    const all = unused.length === Object.keys(tools).length;
    const what =
      all && unused.length === 1
        ? `its only tool, ${unused[0]}, ${dead ? "was never used in its lifetime" : "has not been used so far"}`
        : all
          ? `none of its ${unused.length} tools ${dead ? "were used in its lifetime" : "have been used so far"}`
          : `tools ${dead ? "never used in its lifetime" : "not used so far"}: ${unused.join(", ")}`;
    const finding: Finding = { id: "F-TOOL-UNUSED", severity: "low", ...about, message: what };
    if (dead) {
      const narrower: ToolsMap = {};
      for (const t of Object.keys(tools).sort())
        if (s.usedTools.has(t)) narrower[t] = tools[t] as ConstraintMap;
      finding.suggestion = { tools: narrower };
    }
    out.push(finding);
  }
  return out;
}

/** What the agent rules look at for one holder. */
export interface HolderSubject {
  agent: string;
  label: string;
  /** Denied calls made with tokens this agent holds. */
  denials: readonly Call[];
  /** Intents in which this agent holds tokens. */
  intents: ReadonlySet<string>;
}

/** The findings about one holder agent. */
export function holderFindings(s: HolderSubject, o: Required<FindingOptions>): Finding[] {
  const out: Finding[] = [];
  if (s.denials.length >= o.denialThreshold) {
    const codes = new Map<string, number>();
    for (const d of s.denials) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
    const list = [...codes].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    out.push({
      id: "F-REPEATED-DENIALS",
      severity: "high",
      agent: s.agent,
      message: `${s.label} was denied ${s.denials.length} calls (${list.map(([c, k]) => `${c} ×${k}`).join(", ")}): possible misuse`,
    });
  }
  if (s.intents.size >= 2) {
    const ids = [...s.intents].sort();
    out.push({
      id: "F-KEY-REUSE",
      severity: "medium",
      agent: s.agent,
      message: `${s.label} holds tokens in ${ids.length} intents (${ids.join(", ")}): one key across objectives`,
    });
  }
  return out;
}
