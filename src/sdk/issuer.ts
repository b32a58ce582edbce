/**
 * A root principal: the holder of a trust anchor's key, who grants the first token of a task.
 *
 * @example
 * const principal = new Issuer({ key: Agent.fromFile("principal.key"), issuer: "https://acme.example" });
 * const chain = principal.grant({
 *   to: orchestrator,
 *   intent: { id: "triage-2026-11-28", purpose: "triage issues in acme/site" },
 *   tools: { search_web: {}, write_file: { path: { constraint_type: "path_containment", root: "/repo" } } },
 *   ttl: "15m",
 *   maxDepth: 3,
 *   approve: ["deploy*"],
 * });
 */
import { grant } from "../core/chain/issue.ts";
import type { TrustAnchor } from "../core/chain/options.ts";
import type { AgentKey } from "../core/keys/agent-key.ts";
import type { Intent } from "../core/token/claims.ts";
import {
  Agent,
  type Chain,
  nowSeconds,
  type Recipient,
  recipientJwk,
  type Tools,
  toolsMap,
} from "./agent.ts";
import { type Ttl, ttlSeconds } from "./duration.ts";
import { BatonDenied } from "./errors.ts";

export interface IssuerOptions {
  key: AgentKey | Agent;
  /** The issuer URI verifiers bind to this key in their trust anchors. */
  issuer: string;
}

export interface GrantRequest {
  to: Recipient;
  /** The task this authority is for; every derived token repeats its id. */
  intent?: Intent;
  tools: Tools;
  ttl: Ttl;
  /** How many further delegations are allowed below this token. */
  maxDepth: number;
  /** Tools (or `prefix*`) whose calls need a step-up approval anywhere in the tree. */
  approve?: string[];
  aud?: string | string[];
  /** At most this many permitted calls under this token and everything derived from it. */
  maxUses?: number;
  /** Unix seconds; default the system clock. */
  now?: number;
}

export class Issuer {
  readonly key: AgentKey;
  readonly issuer: string;

  constructor(o: IssuerOptions) {
    this.key = o.key instanceof Agent ? o.key.key : o.key;
    this.issuer = o.issuer;
  }

  /** The trust anchor verifiers must configure for this issuer. */
  get anchor(): TrustAnchor {
    return { issuer: this.issuer, jwk: this.key.publicJwk };
  }

  /** Grants a root token; returns the one-token chain. Throws {@link BatonDenied} if it would be invalid. */
  grant(o: GrantRequest): Chain {
    const r = grant({
      key: this.key,
      issuer: this.issuer,
      to: recipientJwk(o.to),
      tools: toolsMap(o.tools),
      ttl: ttlSeconds(o.ttl),
      maxDepth: o.maxDepth,
      now: o.now ?? nowSeconds(),
      ...(o.intent !== undefined ? { intent: o.intent } : {}),
      ...(o.approve !== undefined ? { approve: o.approve } : {}),
      ...(o.aud !== undefined ? { aud: o.aud } : {}),
      ...(o.maxUses !== undefined ? { maxUses: o.maxUses } : {}),
    });
    if (!r.ok) throw new BatonDenied(r.code, r.message, r.step, r.token);
    return r.value;
  }
}
