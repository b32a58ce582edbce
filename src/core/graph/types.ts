/**
 * The delegation graph's data: what it is built from (facts, shaped like the store's records but
 * declared here so the core depends on no adapter) and the JSON it is served as (`specs/graph.md`).
 *
 * Units: token times (`iat`, `exp`, `now`, `ttl`) are unix seconds like the rest of the core; record
 * times (`revokedAt`, `recordedAt`, a decision's `at`, `lastUse`) are unix milliseconds like the store.
 */
import type { JsonValue, ToolsMap } from "../constraints/index.ts";
import type { Intent } from "../token/claims.ts";

/** A token as the registry recorded it. The store's `TokenRecord` satisfies this. */
export interface TokenFact {
  /** `sha256:<b64url>` of the signing input (a bare b64url hash is accepted too). */
  hash: string;
  jti: string;
  /** The parent's hash (par_hash); absent for a root. */
  parentHash?: string;
  issuer: string;
  holder: string;
  intent?: string;
  depth: number;
  iat: number;
  exp: number;
  /** The decoded payload: claims are read from here (signatures were checked when it was recorded). */
  payload: Record<string, unknown>;
  recordedAt?: number;
}

/** A revocation as stored. The store's `RevocationRecord` satisfies this. */
export interface RevocationFact {
  target: { kind: "token" | "agent" | "intent"; id: string };
  reason?: string;
  actor?: string;
  revokedAt: number;
}

/**
 * An audit `decision` event (the store's `AuditEvent` satisfies this). `data.jtis` is the presented
 * chain, root first; the call is attributed to its last (leaf) token.
 */
export interface DecisionFact {
  id: number;
  at: number;
  type?: string;
  intent?: string;
  agent?: string;
  data: Record<string, unknown>;
}

/** Everything `buildGraph` reads. */
export interface GraphInput {
  tokens: readonly TokenFact[];
  revocations: readonly RevocationFact[];
  decisions: readonly DecisionFact[];
  /** Registered display names by agent id. */
  names?: ReadonlyMap<string, string>;
  /**
   * For key reuse: the intents in which each agent holds tokens across the whole registry (at least
   * for the holders of `tokens`). Without it, only the given tokens are considered.
   */
  holderIntents?: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Thresholds of the risk findings; every one has a default. */
export interface FindingOptions {
  /** Longest acceptable lifetime of a derived token, seconds. Default 3600 (1 h). */
  maxDerivedTtl?: number;
  /** Longest acceptable lifetime of a root grant, seconds. Default 86 400 (24 h). */
  maxRootTtl?: number;
  /** Unused delegation depth that is flagged. Default 2. */
  depthSlack?: number;
  /** Denials of one holder that are flagged. Default 3. */
  denialThreshold?: number;
}

export interface GraphOptions extends FindingOptions {
  /** Unix seconds: the moment statuses and TTLs are computed for. */
  now: number;
}

export const TOKEN_STATUSES = ["active", "expired", "revoked", "revoked-by-ancestor"] as const;
/**
 * `revoked`: the token's jti or hash, its issuer, its holder or its intent is revoked.
 * `revoked-by-ancestor`: not revoked itself, but an ancestor is (verifiers refuse its chains).
 * `expired`: exp ≤ now and not revoked. `active`: none of these.
 */
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_IDS = [
  "F-WILDCARD-PASSTHROUGH",
  "F-TTL-LONG",
  "F-DEPTH-SLACK",
  "F-TOOL-UNUSED",
  "F-REPEATED-DENIALS",
  "F-KEY-REUSE",
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

/** One risk finding: about a token (`token`, its jti) or about an agent (`agent`, its id). */
export interface Finding {
  id: FindingId;
  severity: Severity;
  /** The jti of the token a token finding is about (for people: a jti is its issuer's choice). */
  token?: string;
  /** The `sha256:` hash of that token: what identifies it. */
  tokenHash?: string;
  agent?: string;
  intent?: string;
  /** One line a person understands. */
  message: string;
  /** For F-TOOL-UNUSED: the narrower tools map the calls actually made needed. */
  suggestion?: { tools: ToolsMap };
}

/** An agent as shown: its id, and its registered name when there is one. */
export interface AgentRef {
  id: string;
  name?: string;
  /** The name, else a short form of the id (`jkt:AbCdEfGh`). */
  label: string;
}

export interface ToolUsage {
  permitted: number;
  denied: number;
}

/** Calls attributed to a token (it was the leaf of the presented chain). */
export interface Usage {
  permitted: number;
  denied: number;
  /** Denials by decision code. */
  codes: Record<string, number>;
  tools: Record<string, ToolUsage>;
  /** Unix ms of the last call, permitted or denied. */
  lastUse?: number;
}

export interface RevocationInfo {
  /** What was revoked: this token, its issuer or holder, its intent, or (for revoked-by-ancestor) an ancestor. */
  target: { kind: "token" | "agent" | "intent"; id: string };
  reason?: string;
  actor?: string;
  revokedAt: number;
  /** For revoked-by-ancestor: the jti of the nearest revoked ancestor. */
  ancestor?: string;
}

/** One constraint that differs between a parent and a child. `null`: absent (not allowed / unconstrained). */
export interface ConstraintChange {
  tool: string;
  /** The argument name, or `*` for the catch-all. */
  arg: string;
  from: JsonValue | null;
  to: JsonValue | null;
}

/** How a token narrows its parent: what a person checks first when reviewing a delegation. */
export interface Narrowing {
  toolsRemoved: string[];
  /** Always empty for a verified chain; present to show a broken record honestly. */
  toolsAdded: string[];
  constraints: ConstraintChange[];
  ttl: { from: number; to: number };
  /** parent.exp − child.exp, seconds (≥ 0). */
  ttlShortenedBy: number;
  maxDepth?: { from: number; to: number };
  approvalsAdded: string[];
  maxUses?: { from: number | null; to: number | null };
  audience?: { from: string[] | null; to: string[] | null };
}

/** One token of the graph. `id` is its hash; edges refer to it. */
export interface GraphNode {
  id: string;
  jti: string;
  hash: string;
  /** The parent's hash when the parent is in the graph. */
  parent?: string;
  parentJti?: string;
  /** True when the token names a parent that is not recorded: shown as a root. */
  orphan?: boolean;
  intent?: Intent;
  issuer: AgentRef;
  holder: AgentRef;
  /** The AAT entry's tools map; null when the token carries none. */
  tools: ToolsMap | null;
  approve: string[];
  maxUses?: number;
  aud?: string[];
  depth: number;
  maxDepth: number;
  /** Deepest depth among this token and its recorded descendants. */
  deepestDepth: number;
  children: number;
  iat: number;
  exp: number;
  /** exp − iat, seconds. */
  ttl: number;
  /** exp − now, seconds (negative once expired). */
  ttlLeft: number;
  status: TokenStatus;
  revocation?: RevocationInfo;
  usage: Usage;
  narrowing?: Narrowing;
  /** Ids of this token's findings (details in the graph's `findings`). */
  findings: FindingId[];
  recordedAt?: number;
  /** The full payload, for inspection. */
  claims: Record<string, unknown>;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
}

export interface GraphSummary {
  tokens: number;
  byStatus: Record<TokenStatus, number>;
  permitted: number;
  denied: number;
  /** Decisions whose leaf token is not in the registry. */
  unattributed: number;
  /** Unix ms of the last call. */
  lastUse?: number;
}

/** An agent's aggregate over the intents it took part in. */
export interface AgentSummary extends AgentRef {
  held: number;
  issued: number;
  permitted: number;
  denied: number;
  intents: { id: string; purpose?: string; held: number; issued: number }[];
}

/** What `GET /v1/graph` returns (JSON format). */
export interface Graph {
  view: "intent" | "agent";
  intent?: Intent;
  agent?: AgentSummary;
  /** Unix seconds the graph was computed for. */
  now: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
  findings: Finding[];
  summary: GraphSummary;
}
