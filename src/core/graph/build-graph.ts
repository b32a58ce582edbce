/**
 * Builds the delegation graph of a set of recorded tokens: one tree per root (edges parent → child
 * by par_hash), each token with its status, usage, narrowing and findings.
 *
 * @example
 *   const graph = buildGraph(
 *     { tokens: await store.findTokens({ intent }), revocations, decisions, names },
 *     { now }, // unix seconds, passed in
 *   );
 *   graph.nodes[0].status; // "active" | "expired" | "revoked" | "revoked-by-ancestor"
 */
import { THUMBPRINT_URI_PREFIX } from "../keys/public-key.ts";
import type { Intent } from "../token/claims.ts";
import { DEFAULT_FINDING_OPTIONS, holderFindings, tokenFindings } from "./findings.ts";
import { narrowingOf } from "./narrowing.ts";
import { hashKey, RevocationIndex } from "./status.ts";
import { readTokenClaims, type TokenClaims } from "./token-claims.ts";
import type {
  AgentRef,
  Finding,
  Graph,
  GraphEdge,
  GraphInput,
  GraphNode,
  GraphOptions,
  GraphSummary,
  TokenFact,
  TokenStatus,
} from "./types.ts";
import { addCall, type Call, emptyUsage, readCall } from "./usage.ts";

/** `jkt:AbCdEfGh` for a thumbprint URI; other ids (issuer URIs) unchanged. */
export function shortAgentId(id: string): string {
  return id.startsWith(THUMBPRINT_URI_PREFIX)
    ? `jkt:${id.slice(THUMBPRINT_URI_PREFIX.length, THUMBPRINT_URI_PREFIX.length + 8)}`
    : id;
}

/** An agent as shown: its registered name when there is one, else its short id. */
export function agentRef(id: string, names?: ReadonlyMap<string, string>): AgentRef {
  const name = names?.get(id);
  return name !== undefined ? { id, name, label: name } : { id, label: shortAgentId(id) };
}

interface Work {
  fact: TokenFact;
  key: string;
  claims: TokenClaims;
  parent?: Work;
  children: Work[];
  node: GraphNode;
  calls: Call[];
}

function compareSiblings(a: Work, b: Work): number {
  return (
    a.fact.iat - b.fact.iat ||
    (a.fact.recordedAt ?? 0) - (b.fact.recordedAt ?? 0) ||
    (a.fact.jti < b.fact.jti ? -1 : a.fact.jti > b.fact.jti ? 1 : 0)
  );
}

export function emptyByStatus(): Record<TokenStatus, number> {
  return { active: 0, expired: 0, revoked: 0, "revoked-by-ancestor": 0 };
}

/** Builds the graph of `input.tokens` (normally one intent's) as of `options.now`. */
export function buildGraph(input: GraphInput, options: GraphOptions): Graph {
  const o = { ...DEFAULT_FINDING_OPTIONS, ...stripUndefined(options) };
  const { now } = options;
  const names = input.names;
  const revocations = new RevocationIndex(input.revocations);

  // 1. One work item per distinct token, linked to its parent when the parent is recorded.
  const byKey = new Map<string, Work>();
  for (const fact of input.tokens) {
    const key = hashKey(fact.hash);
    if (byKey.has(key)) continue;
    const claims = readTokenClaims(fact.payload, fact.depth);
    byKey.set(key, {
      fact,
      key,
      claims,
      children: [],
      calls: [],
      node: newNode(fact, key, claims, now, names),
    });
  }
  const roots: Work[] = [];
  for (const w of byKey.values()) {
    const parent = w.fact.parentHash !== undefined ? byKey.get(hashKey(w.fact.parentHash)) : undefined;
    if (parent && parent !== w) {
      w.parent = parent;
      parent.children.push(w);
    } else {
      if (w.fact.parentHash !== undefined) w.node.orphan = true;
      roots.push(w);
    }
  }

  // 2. Parents before children (breadth first). Hashes cannot form a cycle, but a damaged registry
  //    could; whatever is not reached from a root is shown as a root rather than dropped.
  const order: Work[] = [];
  const seen = new Set<Work>();
  const visit = (start: Work[]) => {
    const queue = [...start].sort(compareSiblings);
    for (let i = 0; i < queue.length; i++) {
      const w = queue[i] as Work;
      if (seen.has(w)) continue;
      seen.add(w);
      order.push(w);
      w.children.sort(compareSiblings);
      for (const c of w.children) if (!seen.has(c)) queue.push(c);
    }
  };
  visit(roots);
  for (const w of byKey.values()) {
    if (seen.has(w)) continue;
    if (w.parent) w.parent.children = w.parent.children.filter((c) => c !== w);
    delete w.parent;
    w.node.orphan = true;
    visit([w]);
  }

  // 3. Statuses, parents first.
  for (const w of order) {
    const n = w.node;
    const hit = revocations.hit(w.fact);
    const parentStatus = w.parent?.node.status;
    if (hit) {
      n.status = "revoked";
      n.revocation = {
        target: hit.target,
        revokedAt: hit.revokedAt,
        ...(hit.reason !== undefined ? { reason: hit.reason } : {}),
        ...(hit.actor !== undefined ? { actor: hit.actor } : {}),
      };
    } else if (w.parent && (parentStatus === "revoked" || parentStatus === "revoked-by-ancestor")) {
      const p = w.parent.node;
      const via = p.revocation as NonNullable<GraphNode["revocation"]>;
      n.status = "revoked-by-ancestor";
      n.revocation = { ...via, ancestor: via.ancestor ?? p.jti };
    } else {
      n.status = w.fact.exp <= now ? "expired" : "active";
    }
    if (w.parent) {
      n.parent = w.parent.key;
      n.parentJti = w.parent.fact.jti;
      n.narrowing = narrowingOf(
        { iat: w.parent.fact.iat, exp: w.parent.fact.exp, claims: w.parent.claims },
        { iat: w.fact.iat, exp: w.fact.exp, claims: w.claims },
      );
    }
  }

  // 4. Calls, attributed to the leaf token of each presented chain: by its hash (older events: its
  //    jti), and only when the event's agent, the holder whose PoP was shown to be for the call,
  //    holds that token. A denial whose PoP an earlier decision already carried is a replay,
  //    attributed to no one.
  const byJti = new Map<string, Work[]>();
  for (const w of order) {
    const list = byJti.get(w.fact.jti);
    if (list) list.push(w);
    else byJti.set(w.fact.jti, [w]);
  }
  const leafOf = (call: Call): Work | undefined => {
    if (call.agent === undefined) return undefined;
    if (call.leafHash !== undefined) {
      const w = byKey.get(hashKey(call.leafHash));
      return w !== undefined && w.fact.holder === call.agent ? w : undefined;
    }
    if (call.leaf === undefined) return undefined;
    return byJti.get(call.leaf)?.find((w) => w.fact.holder === call.agent);
  };
  const summary: GraphSummary = {
    tokens: order.length,
    byStatus: emptyByStatus(),
    permitted: 0,
    denied: 0,
    unattributed: 0,
  };
  const denialsByHolder = new Map<string, Call[]>();
  const pops = new Set<string>();
  for (const event of input.decisions) {
    const call = readCall(event);
    if (!call) continue;
    if (call.allow) summary.permitted += 1;
    else summary.denied += 1;
    if (summary.lastUse === undefined || call.at > summary.lastUse) summary.lastUse = call.at;
    const replayed = call.pop !== undefined && pops.has(call.pop);
    if (call.pop !== undefined) pops.add(call.pop);
    if (replayed && !call.allow) {
      summary.unattributed += 1;
      continue;
    }
    const leaf = leafOf(call);
    if (!leaf) summary.unattributed += 1;
    else {
      leaf.calls.push(call);
      addCall(leaf.node.usage, call);
    }
    // event.agent is set only for a call its holder provably made.
    const holder = leaf?.fact.holder ?? call.agent;
    if (!call.allow && holder !== undefined) {
      const list = denialsByHolder.get(holder) ?? [];
      list.push(call);
      denialsByHolder.set(holder, list);
    }
  }

  // 5. Subtree facts (children first): deepest depth, tools actually used, calls made.
  const used = new Map<Work, Set<string>>();
  const subtreeCalls = new Map<Work, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const w = order[i] as Work;
    const tools = new Set<string>();
    let calls = w.calls.length;
    for (const c of w.calls) if (c.allow && c.tool !== undefined) tools.add(c.tool);
    let deepest = w.fact.depth;
    for (const c of w.children) {
      deepest = Math.max(deepest, c.node.deepestDepth);
      for (const t of used.get(c) ?? []) tools.add(t);
      calls += subtreeCalls.get(c) ?? 0;
    }
    w.node.deepestDepth = deepest;
    w.node.children = w.children.length;
    used.set(w, tools);
    subtreeCalls.set(w, calls);
  }

  // 6. Findings: per token, then per holder.
  const findings: Finding[] = [];
  for (const w of order) {
    const found = tokenFindings(
      {
        node: w.node,
        ...(w.parent ? { parentTools: w.parent.claims.tools, parentMaxDepth: w.parent.claims.maxDepth } : {}),
        usedTools: used.get(w) ?? new Set(),
        subtreeCalls: subtreeCalls.get(w) ?? 0,
      },
      o,
    );
    for (const f of found) w.node.findings.push(f.id);
    findings.push(...found);
  }
  const holders = new Map<string, Set<string>>();
  for (const w of order) {
    const set = holders.get(w.fact.holder) ?? new Set<string>();
    if (w.fact.intent !== undefined) set.add(w.fact.intent);
    holders.set(w.fact.holder, set);
  }
  for (const agent of [...new Set([...holders.keys(), ...denialsByHolder.keys()])].sort()) {
    const intents = new Set([...(holders.get(agent) ?? []), ...(input.holderIntents?.get(agent) ?? [])]);
    const found = holderFindings(
      { agent, label: agentRef(agent, names).label, denials: denialsByHolder.get(agent) ?? [], intents },
      o,
    );
    findings.push(...found);
    if (found.length > 0) {
      for (const w of order) {
        if (w.fact.holder === agent) for (const f of found) w.node.findings.push(f.id);
      }
    }
  }

  const nodes = order.map((w) => w.node);
  const edges: GraphEdge[] = [];
  for (const w of order) {
    summary.byStatus[w.node.status] += 1;
    if (w.parent) edges.push({ id: `${w.parent.key}>${w.key}`, source: w.parent.key, target: w.key });
  }
  const graph: Graph = { view: "intent", now, nodes, edges, findings, summary };
  const intent = commonIntent(order);
  if (intent) graph.intent = intent;
  return graph;
}

function newNode(
  fact: TokenFact,
  key: string,
  claims: TokenClaims,
  now: number,
  names: ReadonlyMap<string, string> | undefined,
): GraphNode {
  const node: GraphNode = {
    id: key,
    jti: fact.jti,
    hash: key,
    issuer: agentRef(fact.issuer, names),
    holder: agentRef(fact.holder, names),
    tools: claims.tools,
    approve: claims.approve,
    depth: fact.depth,
    maxDepth: claims.maxDepth,
    deepestDepth: fact.depth,
    children: 0,
    iat: fact.iat,
    exp: fact.exp,
    ttl: fact.exp - fact.iat,
    ttlLeft: fact.exp - now,
    status: "active",
    usage: emptyUsage(),
    findings: [],
    claims: fact.payload,
  };
  if (claims.intent) node.intent = claims.intent;
  else if (fact.intent !== undefined) node.intent = { id: fact.intent, purpose: "" };
  if (claims.maxUses !== undefined) node.maxUses = claims.maxUses;
  if (claims.aud !== undefined) node.aud = claims.aud;
  if (fact.recordedAt !== undefined) node.recordedAt = fact.recordedAt;
  return node;
}

/** The intent every token shares (purpose from a root when it has one), or undefined. */
function commonIntent(order: readonly Work[]): Intent | undefined {
  let found: Intent | undefined;
  for (const w of order) {
    const i = w.node.intent;
    if (!i) return undefined;
    if (!found) found = i;
    else if (found.id !== i.id) return undefined;
    else if (found.purpose === "" && i.purpose !== "") found = i;
  }
  return found;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
