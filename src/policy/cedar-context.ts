/**
 * The Cedar request Baton builds for a call that the chain already permits.
 *
 * - principal `Agent::"<leaf holder agent id>"`, action `Action::"<tool>"`, resource `Tool::"<tool>"`
 * - entities: the principal's parents are every other agent of the chain (the agent id of the
 *   trust-anchor key that signed the root, each token's holder and each derived token's issuer,
 *   up to the root's holder) and `Issuer::"<root iss>"`, so
 *   `principal in Agent::"<id>"` holds for that agent itself **and for every key it delegated to,
 *   directly or through others** (an agent cannot escape a policy about it by delegating to a key
 *   it controls). Those other entities have no parents (the hierarchy is flat, so a chain that
 *   repeats an agent builds no cycle).
 * - context:
 *   `depth` (leaf `del_depth`, Long), `root_issuer` (String), `intent` (String, `""` when unbound),
 *   `args` (Record), `time` `{hour: 0–23 UTC, weekday: 0–6 UTC with 0 = Sunday, unix}` (Longs),
 *   `tool_class` (`"read"`, `"write"`, `"privileged"` or `"unknown"`),
 *   `chain` (Set of `Agent` entities: the root's anchor key, every holder and derived-token issuer
 *   of the chain, the principal included; `context.chain.contains(Agent::"<id>")`).
 *
 * Arguments are JSON and Cedar values are not, so `args` is converted, never passed raw:
 * - strings and booleans stay; an integer within ±(2^53−1) stays a Long;
 * - any other number (fraction, exponent, huge) becomes a String holding its JSON (JCS) text,
 *   e.g. `1.5` → `"1.5"`: compare it as text, or constrain it in the token instead;
 * - `null` members are omitted (Cedar has no null; test with `has`), `null` array items dropped;
 * - arrays become Sets (order and duplicates are lost);
 * - members named `__entity`, `__extn` or `__expr` are dropped: they are Cedar JSON escapes, and an
 *   argument must never be able to forge an entity reference or an extension value.
 */

import type { CedarValueJson, Context, EntityJson, EntityUid } from "@cedar-policy/cedar-wasm/nodejs";
import type { CallContext } from "../core/chain/options.ts";
import type { JsonValue } from "../core/constraints/index.ts";
import type { ToolClassOrUnknown } from "./catalog.ts";

const ESCAPES = new Set(["__entity", "__extn", "__expr"]);

/** Converts one JSON value to a Cedar value; `undefined` means "leave it out". */
export function toCedarValue(v: JsonValue | undefined): CedarValueJson | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (Number.isSafeInteger(v)) return v;
    return Number.isFinite(v) ? String(v) : undefined;
  }
  if (Array.isArray(v)) {
    const out: CedarValueJson[] = [];
    for (const item of v) {
      const c = toCedarValue(item);
      if (c !== undefined) out.push(c);
    }
    return out;
  }
  const entries: [string, CedarValueJson][] = [];
  for (const k of Object.keys(v)) {
    if (ESCAPES.has(k)) continue;
    const c = toCedarValue(v[k]);
    if (c !== undefined) entries.push([k, c]);
  }
  // fromEntries defines own data properties: a member named "__proto__" stays a member.
  return Object.fromEntries(entries);
}

export interface CedarRequest {
  principal: EntityUid;
  action: EntityUid;
  resource: EntityUid;
  context: Context;
  /** The principal with its delegators as parents, and those delegators. */
  entities: EntityJson[];
}

/** Every agent of the chain, root side first, once each: holders and derived-token issuers. */
function chainAgents(ctx: CallContext): string[] {
  const agents = new Set<string>();
  // The trust-anchor key that signed the root is an agent of the chain too: a policy about that
  // key (`principal in Agent::"<anchor key id>"`) reaches every call of the trees it signed.
  const anchorKey = ctx.tokens[0]?.anchorKeyId;
  if (anchorKey !== undefined && anchorKey !== "") agents.add(anchorKey);
  ctx.tokens.forEach((t, i) => {
    // A derived token's iss is its parent's holder (I1); the root's iss is the anchor's URI.
    if (i > 0) agents.add(t.claims.iss);
    agents.add(t.claims.holder.id);
  });
  return [...agents];
}

/** Builds the Cedar request for `ctx` (see the module comment for every attribute). */
export function cedarRequest(ctx: CallContext, toolClass: ToolClassOrUnknown): CedarRequest {
  const leaf = ctx.tokens[ctx.tokens.length - 1];
  const root = ctx.tokens[0];
  const at = new Date(ctx.now * 1000);
  const principal = leaf?.claims.holder.id ?? "";
  const agents = chainAgents(ctx);
  const upstream = agents.filter((a) => a !== principal);
  const parents: EntityUid[] = upstream.map((id) => ({ type: "Agent", id }));
  if (root !== undefined) parents.push({ type: "Issuer", id: root.claims.iss });
  const entities: EntityJson[] = [
    { uid: { type: "Agent", id: principal }, attrs: {}, parents },
    ...upstream.map((id): EntityJson => ({ uid: { type: "Agent", id }, attrs: {}, parents: [] })),
  ];
  return {
    principal: { type: "Agent", id: principal },
    action: { type: "Action", id: ctx.tool },
    resource: { type: "Tool", id: ctx.tool },
    entities,
    context: {
      depth: leaf?.claims.delDepth ?? 0,
      root_issuer: root?.claims.iss ?? "",
      intent: ctx.intent ?? "",
      args: toCedarValue(ctx.args) ?? {},
      time: { hour: at.getUTCHours(), weekday: at.getUTCDay(), unix: ctx.now },
      tool_class: toolClass,
      chain: agents.map((id) => ({ __entity: { type: "Agent", id } })),
    },
  };
}

/** Context attributes Baton provides; `policyCheck` warns about any other `context.x`. */
export const CONTEXT_ATTRIBUTES = [
  "depth",
  "root_issuer",
  "intent",
  "args",
  "time",
  "tool_class",
  "chain",
] as const;
