/**
 * What an agent imports to hold, pass on and use authority: its key, and the three verbs of the
 * protocol it performs (derive a narrower token for another agent, prove possession for one call,
 * and, for an approver, approve one call).
 *
 * @example
 * const researcher = Agent.generate("researcher");
 * const child = orchestrator.derive(chain, { to: researcher, tools: { search_web: {} }, ttl: "10m" });
 * const presentation = researcher.prove(child, { tool: "search_web", args: { q: "baton" }, aud: "https://tools.example.com" });
 */
import { readFileSync } from "node:fs";
import { createApproval } from "../core/approval/approval.ts";
import { derive, type Presentation, prove } from "../core/chain/issue.ts";
import type { TrustAnchor } from "../core/chain/options.ts";
import type { ToolsMap } from "../core/constraints/index.ts";
import { BatonError } from "../core/errors.ts";
import { AgentKey } from "../core/keys/agent-key.ts";
import type { PublicJwk } from "../core/keys/public-key.ts";
import { type Ttl, ttlSeconds } from "./duration.ts";
import { BatonDenied } from "./errors.ts";

/** A delegation chain: compact AATs, root first. */
export type Chain = string[];

/** Who receives a token: an agent, or just its public key. */
export type Recipient = Agent | PublicJwk | { publicJwk: PublicJwk };

/** Tools to grant: a full AAT tools map, or tool ids (each with any arguments: `{}`). */
export type Tools = ToolsMap | readonly string[];

export interface AgentDeriveOptions {
  to: Recipient;
  tools: Tools;
  ttl: Ttl;
  maxDepth?: number;
  /** Approval patterns to add (the parent's are always kept). */
  approve?: string[];
  maxUses?: number;
  aud?: string | string[];
  /** When given, the whole chain is verified against these anchors before deriving. */
  trustAnchors?: readonly TrustAnchor[];
  /** Unix seconds; default the system clock. */
  now?: number;
}

export interface AgentProveOptions {
  tool: string;
  args: Record<string, unknown>;
  /**
   * The enforcement point the call goes to (`aat_aud`): required, so the presentation works nowhere
   * else. A verifier refuses a PoP without it when the chain names no `aud` (issue 9, item 10).
   */
  aud: string;
  nonce?: string;
  now?: number;
}

export interface AgentApproveOptions {
  /** `detail.pop_hash` of the `approval_required` decision. */
  popHash: string;
  tool: string;
  args: Record<string, unknown>;
  /** Default 120 s, at most 600 s. */
  ttl?: Ttl;
  now?: number;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function toolsMap(tools: Tools): ToolsMap {
  if (!Array.isArray(tools)) return tools as ToolsMap;
  return Object.fromEntries((tools as readonly string[]).map((t) => [t, {}]));
}

export function recipientJwk(to: Recipient): PublicJwk | { publicJwk: PublicJwk } {
  return to instanceof Agent ? { publicJwk: to.publicJwk } : to;
}

/** An agent: an Ed25519 key whose id is its RFC 9278 thumbprint URI. */
export class Agent {
  constructor(readonly key: AgentKey) {}

  /** A fresh random key. `name` is a display name only; it carries no authority. */
  static generate(name?: string): Agent {
    return new Agent(AgentKey.generate(name));
  }

  /** The agent whose private JWK is stored in `path` (as written by `baton keygen`). */
  static fromFile(path: string): Agent {
    let jwk: unknown;
    try {
      jwk = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      throw new BatonError("invalid_argument", `key file ${path}: ${(e as Error).message}`);
    }
    return new Agent(AgentKey.fromJwk(jwk));
  }

  get id(): string {
    return this.key.id;
  }

  get publicJwk(): PublicJwk {
    return this.key.publicJwk;
  }

  get name(): string | undefined {
    return this.key.name;
  }

  /**
   * Derives a narrower token for `to` from a chain this agent holds the leaf of. Throws
   * {@link BatonDenied} (e.g. `scope_widened`, `ttl_widened`, `depth_exceeded`) rather than mint a
   * token a verifier would refuse.
   */
  derive(chain: readonly string[], o: AgentDeriveOptions): Chain {
    const r = derive(chain, {
      key: this.key,
      to: recipientJwk(o.to),
      tools: toolsMap(o.tools),
      ttl: ttlSeconds(o.ttl),
      now: o.now ?? nowSeconds(),
      ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
      ...(o.approve !== undefined ? { approve: o.approve } : {}),
      ...(o.maxUses !== undefined ? { maxUses: o.maxUses } : {}),
      ...(o.aud !== undefined ? { aud: o.aud } : {}),
      ...(o.trustAnchors !== undefined ? { trustAnchors: o.trustAnchors } : {}),
    });
    if (!r.ok) throw new BatonDenied(r.code, r.message, r.step, r.token);
    return r.value;
  }

  /** Proves possession for one call: the presentation `{aat_chain, aat_pop}` to send with it. */
  prove(chain: readonly string[], o: AgentProveOptions): Presentation {
    // Checked at run time too: JavaScript callers skip the type.
    if (typeof o.aud !== "string" || o.aud.length === 0) {
      throw new BatonError(
        "invalid_argument",
        "prove needs aud: the id of the enforcement point this call goes to (it becomes the PoP's aat_aud)",
      );
    }
    const r = prove(chain, {
      key: this.key,
      tool: o.tool,
      args: o.args,
      now: o.now ?? nowSeconds(),
      aud: o.aud,
      ...(o.nonce !== undefined ? { nonce: o.nonce } : {}),
    });
    if (!r.ok) throw new BatonDenied(r.code, r.message, r.step, r.token);
    return r.value;
  }

  /** As an approver: signs a step-up approval of exactly one call (see `specs/approvals.md`). */
  approve(o: AgentApproveOptions): string {
    return createApproval({
      key: this.key,
      popHash: o.popHash,
      tool: o.tool,
      args: o.args,
      now: o.now ?? nowSeconds(),
      ...(o.ttl !== undefined ? { ttl: ttlSeconds(o.ttl) } : {}),
    });
  }
}
