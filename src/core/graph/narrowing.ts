/**
 * The narrowing diff of a delegation: what a child token gave up against its parent (tools removed,
 * constraints tightened, TTL shortened, approvals added). Descriptive only: whether the child really
 * attenuates its parent is the chain verifier's job (`narrowsTools`), done when it was recorded.
 */
import type { ConstraintMap, JsonValue, ToolsMap } from "../constraints/index.ts";
import { jcs } from "../encoding.ts";
import type { TokenClaims } from "./token-claims.ts";
import type { ConstraintChange, Narrowing } from "./types.ts";

/** The times and claims of one side of the diff. */
export interface NarrowingSide {
  iat: number;
  exp: number;
  claims: TokenClaims;
}

function same(a: unknown, b: unknown): boolean {
  return jcs(a) === jcs(b);
}

function constraintChanges(tool: string, parent: ConstraintMap, child: ConstraintMap): ConstraintChange[] {
  const out: ConstraintChange[] = [];
  // §3.3: an empty map is {"*": wildcard}.
  const p: ConstraintMap =
    Object.keys(parent).length === 0 ? { "*": { constraint_type: "wildcard" } } : parent;
  const c: ConstraintMap = Object.keys(child).length === 0 ? { "*": { constraint_type: "wildcard" } } : child;
  const args = [...new Set([...Object.keys(p), ...Object.keys(c)])].sort();
  for (const arg of args) {
    const from = Object.hasOwn(p, arg) ? (p[arg] as JsonValue) : null;
    const to = Object.hasOwn(c, arg) ? (c[arg] as JsonValue) : null;
    if (from !== null && to !== null && same(from, to)) continue;
    out.push({ tool, arg, from, to });
  }
  return out;
}

/** Compares a child with its parent. */
export function narrowingOf(parent: NarrowingSide, child: NarrowingSide): Narrowing {
  const pt: ToolsMap = parent.claims.tools ?? {};
  const ct: ToolsMap = child.claims.tools ?? {};
  const toolsRemoved = Object.keys(pt)
    .filter((t) => !Object.hasOwn(ct, t))
    .sort();
  const toolsAdded = Object.keys(ct)
    .filter((t) => !Object.hasOwn(pt, t))
    .sort();
  const constraints: ConstraintChange[] = [];
  for (const tool of Object.keys(ct).sort()) {
    const p = pt[tool];
    const c = ct[tool];
    if (p !== undefined && c !== undefined) constraints.push(...constraintChanges(tool, p, c));
  }
  const n: Narrowing = {
    toolsRemoved,
    toolsAdded,
    constraints,
    ttl: { from: parent.exp - parent.iat, to: child.exp - child.iat },
    ttlShortenedBy: Math.max(0, parent.exp - child.exp),
    approvalsAdded: child.claims.approve.filter((a) => !parent.claims.approve.includes(a)),
  };
  if (parent.claims.maxDepth !== child.claims.maxDepth) {
    n.maxDepth = { from: parent.claims.maxDepth, to: child.claims.maxDepth };
  }
  if (parent.claims.maxUses !== child.claims.maxUses) {
    n.maxUses = { from: parent.claims.maxUses ?? null, to: child.claims.maxUses ?? null };
  }
  if (!same(parent.claims.aud ?? null, child.claims.aud ?? null)) {
    n.audience = { from: parent.claims.aud ?? null, to: child.claims.aud ?? null };
  }
  return n;
}
