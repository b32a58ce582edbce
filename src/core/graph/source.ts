/**
 * The port graph reads go through: what the delegation graph, `/v1/intents`, the per-token audit
 * view and the live events (`/v1/events`) need to read, and nothing else. The core declares it;
 * the trust facade implements it over its store (`Trust.graph`), and every `Store` satisfies it
 * structurally, so the edges (service routes, graph loaders, the poller) depend on this
 * interface, never on the store.
 *
 * @example
 *   const source: GraphSource = trust.graph;
 *   const tokens = await source.findTokens({ intent: "triage-acme-site", limit: 1000 });
 */
import type { RevocationTarget } from "../ports.ts";
import type { DecisionFact, TokenFact } from "./types.ts";

/** A recorded token, as the registry returns it. */
export interface GraphToken extends TokenFact {
  /** Unix ms. */
  recordedAt: number;
}

/** A stored revocation; `seq` increases strictly in commit order (the feed's cursor). */
export interface GraphRevocation {
  seq: number;
  target: RevocationTarget;
  reason?: string;
  actor?: string;
  /** Unix ms. */
  revokedAt: number;
}

/** An audit event: `id` is the paging cursor; `data` is the event's JSON object. */
export interface GraphAuditEvent extends DecisionFact {
  type: string;
}

/** Every given field must match; `agent` matches the issuer or the holder. */
export interface GraphTokenQuery {
  intent?: string;
  agent?: string;
  jti?: string;
  /** The children of a token (its hash, as their par_hash). */
  parentHash?: string;
  /** At most 10 000. */
  limit?: number;
}

/** Every given field must match; `afterId` pages (events with a larger id), oldest first. */
export interface GraphAuditQuery {
  intent?: string;
  agent?: string;
  type?: "decision" | "token_recorded" | "revocation" | "revocation_refused" | "approval";
  /** Unix ms, inclusive. */
  from?: number;
  /** Unix ms, exclusive. */
  to?: number;
  /** Only events that concern one of these jtis or token hashes (read from the per-token index). */
  refs?: string[];
  afterId?: number;
  /** At most 10 000. */
  limit?: number;
}

/** Read-only access to the facts graphs are built from. */
export interface GraphSource {
  findTokens(query: GraphTokenQuery): Promise<GraphToken[]>;
  /** Revocations after `afterSeq`, ascending. */
  listRevocations(options?: { afterSeq?: number; limit?: number }): Promise<GraphRevocation[]>;
  listAudit(query?: GraphAuditQuery): Promise<GraphAuditEvent[]>;
  /** Display names by agent id (all of them without `agents`). Cosmetic, never authority. */
  getAgentNames(agents?: string[]): Promise<Map<string, string>>;
}
