/**
 * Loads graphs from a `GraphSource` (the trust facade's `graph`, or any store): the facts of one intent (or of the intents an agent took part in), then
 * the pure `buildGraph` of the core. Reads page through revocations and audit decisions; the token
 * registry is read up to its query limit (10 000 tokens per intent).
 *
 * @example
 *   const graph = await loadIntentGraph(store, "triage-acme-site", { now: Math.floor(Date.now() / 1000) });
 *   if (graph === null) reply.code(404);
 */
import {
  agentView,
  buildGraph,
  type FindingOptions,
  type Graph,
  type GraphAuditEvent,
  type GraphSource,
  type GraphToken,
  type RevocationFact,
  type TokenStatus,
} from "../core/graph/index.ts";

export interface LoadGraphOptions extends FindingOptions {
  /** Unix seconds. */
  now: number;
}

/** The store's largest page. */
const PAGE = 10_000;
/** Key reuse is checked per holder up to this many holders, with one registry scan above it. */
const PER_HOLDER_QUERIES = 8;

export async function allRevocations(store: GraphSource): Promise<RevocationFact[]> {
  const out: RevocationFact[] = [];
  let afterSeq = 0;
  for (;;) {
    const page = await store.listRevocations({ afterSeq, limit: PAGE });
    out.push(...page);
    const last = page[page.length - 1];
    if (page.length < PAGE || last === undefined) return out;
    afterSeq = last.seq;
  }
}

/** Every decision event of an intent, ascending. */
export async function decisionsOf(store: GraphSource, intent: string): Promise<GraphAuditEvent[]> {
  const out: GraphAuditEvent[] = [];
  let afterId = 0;
  for (;;) {
    const page = await store.listAudit({ type: "decision", intent, afterId, limit: PAGE });
    out.push(...page);
    const last = page[page.length - 1];
    if (page.length < PAGE || last === undefined) return out;
    afterId = last.id;
  }
}

/** For each holder: the intents in which it holds tokens, over the registry. */
async function holderIntents(
  store: GraphSource,
  holders: readonly string[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const add = (t: GraphToken) => {
    if (t.intent === undefined) return;
    const set = out.get(t.holder) ?? new Set<string>();
    set.add(t.intent);
    out.set(t.holder, set);
  };
  if (holders.length <= PER_HOLDER_QUERIES) {
    for (const agent of holders) {
      for (const t of await store.findTokens({ agent, limit: PAGE })) if (t.holder === agent) add(t);
    }
  } else {
    const wanted = new Set(holders);
    for (const t of await store.findTokens({ limit: PAGE })) if (wanted.has(t.holder)) add(t);
  }
  return out;
}

async function namesOf(store: GraphSource, tokens: readonly GraphToken[]): Promise<Map<string, string>> {
  const agents = new Set<string>();
  for (const t of tokens) {
    agents.add(t.issuer);
    agents.add(t.holder);
  }
  return store.getAgentNames([...agents]);
}

/** The graph of one intent, or null when no token of it is recorded. */
export async function loadIntentGraph(
  store: GraphSource,
  intent: string,
  options: LoadGraphOptions,
): Promise<Graph | null> {
  const tokens = await store.findTokens({ intent, limit: PAGE });
  if (tokens.length === 0) return null;
  const [revocations, decisions, names, reuse] = await Promise.all([
    allRevocations(store),
    decisionsOf(store, intent),
    namesOf(store, tokens),
    holderIntents(store, [...new Set(tokens.map((t) => t.holder))]),
  ]);
  return buildGraph({ tokens, revocations, decisions, names, holderIntents: reuse }, options);
}

/**
 * The agent view: its tokens (held or issued) across every intent it took part in, each intent's
 * graph built in full first. Tokens without an intent are built from the agent's own tokens only.
 * Null when the agent appears in no recorded token.
 */
export async function loadAgentGraph(
  store: GraphSource,
  agent: string,
  options: LoadGraphOptions,
): Promise<Graph | null> {
  const own = await store.findTokens({ agent, limit: PAGE });
  if (own.length === 0) return null;
  const intents = [...new Set(own.map((t) => t.intent).filter((i): i is string => i !== undefined))].sort();
  const graphs: Graph[] = [];
  for (const intent of intents) {
    const g = await loadIntentGraph(store, intent, options);
    if (g) graphs.push(g);
  }
  const unbound = own.filter((t) => t.intent === undefined);
  if (unbound.length > 0) {
    const [revocations, names] = await Promise.all([allRevocations(store), namesOf(store, unbound)]);
    graphs.push(buildGraph({ tokens: unbound, revocations, decisions: [], names }, options));
  }
  const names = await store.getAgentNames([agent]);
  return agentView(agent, graphs, { now: options.now, names });
}

/** One line of `GET /v1/intents`. */
export interface IntentSummary {
  id: string;
  purpose: string;
  /** `revoked`: the intent or every root is revoked; `active`: some token is active; else `expired`. */
  status: "active" | "expired" | "revoked";
  tokens: number;
  byStatus: Record<TokenStatus, number>;
  /** The root grants' issuer and holder labels. */
  roots: { issuer: string; holder: string }[];
  /** Unix s: the earliest iat and the latest exp. */
  issuedAt: number;
  expiresAt: number;
  /** Unix ms of the last recorded token. */
  lastRecordedAt?: number;
}

export interface IntentList {
  intents: IntentSummary[];
  /** True when the registry holds more tokens than one listing reads (10 000). */
  truncated: boolean;
  /** Recorded tokens that carry no intent. */
  unbound: number;
}

/** Lists intents with token counts by status, newest activity first. */
export async function listIntents(store: GraphSource, options: LoadGraphOptions): Promise<IntentList> {
  const tokens = await store.findTokens({ limit: PAGE });
  const byIntent = new Map<string, GraphToken[]>();
  let unbound = 0;
  for (const t of tokens) {
    if (t.intent === undefined) {
      unbound += 1;
      continue;
    }
    const list = byIntent.get(t.intent) ?? [];
    list.push(t);
    byIntent.set(t.intent, list);
  }
  const revocations = await allRevocations(store);
  const names = await namesOf(store, tokens);
  const intents: IntentSummary[] = [];
  for (const [id, list] of byIntent) {
    const g = buildGraph({ tokens: list, revocations, decisions: [], names }, options);
    const roots = g.nodes.filter((n) => n.parent === undefined);
    const intentRevoked = revocations.some((r) => r.target.kind === "intent" && r.target.id === id);
    const rootsRevoked = roots.every((n) => n.status === "revoked" || n.status === "revoked-by-ancestor");
    const status: IntentSummary["status"] =
      intentRevoked || rootsRevoked ? "revoked" : g.summary.byStatus.active > 0 ? "active" : "expired";
    const summary: IntentSummary = {
      id,
      purpose: g.intent?.purpose ?? "",
      status,
      tokens: list.length,
      byStatus: g.summary.byStatus,
      roots: roots.map((n) => ({ issuer: n.issuer.label, holder: n.holder.label })),
      issuedAt: Math.min(...list.map((t) => t.iat)),
      expiresAt: Math.max(...list.map((t) => t.exp)),
    };
    const last = Math.max(...list.map((t) => t.recordedAt));
    if (Number.isFinite(last)) summary.lastRecordedAt = last;
    intents.push(summary);
  }
  intents.sort((a, b) => (b.lastRecordedAt ?? 0) - (a.lastRecordedAt ?? 0) || (a.id < b.id ? -1 : 1));
  return { intents, truncated: tokens.length >= PAGE, unbound };
}
