/**
 * What `baton inspect` shows, as data: each token of a chain with its parties, lifetime, depth,
 * intent and approvals, what it narrowed compared with its parent, and where verification failed.
 * Without trust anchors nothing is verified: tokens are only decoded, and the result says so.
 */
import {
  b64urlDecode,
  checkChainTimes,
  DEFAULT_LIMITS,
  decodeToken,
  type Intent,
  type JsonValue,
  narrowsTools,
  parseStrictJson,
  splitCompact,
  type ToolsMap,
  type TrustAnchor,
  type UnverifiedToken,
  verifyChainStatic,
} from "../core/index.ts";
import { displayName } from "./labels.ts";

export type TokenStatus =
  /** Signature, claims and link verified against the trust anchors, and not expired. */
  | { state: "valid" }
  /** Decoded only: no trust anchors were given. */
  | { state: "decoded" }
  /** Not examined: an earlier token failed. */
  | { state: "unchecked" }
  | { state: "failed"; code: string; step: string | null; message: string };

/** One changed argument constraint, each side summarised (`exact "acme/site"`); null when absent. */
export interface ConstraintChange {
  tool: string;
  arg: string;
  from: string | null;
  to: string | null;
}

/** What a token gave up compared with its parent. */
export interface Narrowing {
  toolsRemoved: string[];
  constraints: ConstraintChange[];
  /** Seconds by which the token expires before its parent (0 when it does not). */
  ttlShortenedBy: number;
  maxDepth: { from: number; to: number } | null;
  approvalsAdded: string[];
  audience: { from: string | null; to: string | null } | null;
  maxUses: { from: number | null; to: number | null } | null;
}

export interface InspectedToken {
  index: number;
  jti: string | null;
  issuer: string | null;
  issuerName: string;
  holder: string | null;
  holderName: string;
  iat: number | null;
  exp: number | null;
  /** Seconds until exp (negative once expired). */
  ttlLeft: number;
  depth: number | null;
  maxDepth: number | null;
  intent: Intent | null;
  approvals: string[];
  maxUses: number | null;
  aud: string[] | null;
  tools: ToolsMap | null;
  /** Compared with the previous token; null for the root. */
  narrowing: Narrowing | null;
  /** When decoding only: why this token would widen its parent (step 4p), else null. */
  widening: string | null;
  status: TokenStatus;
}

export interface InspectedPop {
  tool: string | null;
  /** Argument names of the call (values are not shown: they may be sensitive). */
  args: string[];
  aud: string | null;
  iat: number | null;
  nonce: boolean;
  /** aat_id names the presented leaf. */
  boundToLeaf: boolean;
}

export interface Inspection {
  kind: "chain" | "presentation";
  now: number;
  signaturesChecked: boolean;
  anchorsSource: string | null;
  intent: Intent | null;
  /** A failure that is not tied to one token (chain too large, …). */
  failure: { code: string; step: string | null; token: number | null; message: string } | null;
  tokens: InspectedToken[];
  pop: InspectedPop | null;
}

export interface InspectOptions {
  chain: readonly string[];
  pop?: string;
  now: number;
  anchors?: readonly TrustAnchor[];
  anchorsSource?: string;
  names?: ReadonlyMap<string, string>;
}

/** Builds the inspection of a chain (and, for a presentation, its PoP). */
export function inspectChain(o: InspectOptions): Inspection {
  const decoded = o.chain.map((c, i) => decodeToken(c, i));
  const names = new Map(o.names);
  for (const a of o.anchors ?? []) if (!names.has(a.issuer)) names.set(a.issuer, a.issuer);
  const statuses: TokenStatus[] = decoded.map((d) =>
    d.ok
      ? { state: o.anchors ? "unchecked" : "decoded" }
      : { state: "failed", code: d.code, step: null, message: d.message },
  );
  let failure: Inspection["failure"] = null;
  if (o.anchors) {
    const v = verifyChainStatic(o.chain, o.anchors, DEFAULT_LIMITS);
    const f = v.ok ? checkChainTimes(v.tokens, o.now, DEFAULT_LIMITS) : v;
    const failedAt = f && f.token !== null && f.token < o.chain.length ? f.token : null;
    for (let i = 0; i < statuses.length; i++) {
      if (f === null || (failedAt !== null && i < failedAt)) statuses[i] = { state: "valid" };
      else if (i === failedAt && f)
        statuses[i] = { state: "failed", code: f.code, step: f.step, message: f.message };
      else statuses[i] = { state: "unchecked" };
    }
    if (f && failedAt === null) failure = { code: f.code, step: f.step, token: f.token, message: f.message };
  }
  const tokens = decoded.map((d, i) =>
    describeToken(
      d.ok ? d.value : null,
      i > 0 && decoded[i - 1]?.ok ? (decoded[i - 1] as { value: UnverifiedToken }).value : null,
      {
        index: i,
        now: o.now,
        names,
        status: statuses[i] as TokenStatus,
        decodeOnly: !o.anchors,
      },
    ),
  );
  const root = decoded[0];
  const leaf = decoded[decoded.length - 1];
  return {
    kind: o.pop !== undefined ? "presentation" : "chain",
    now: o.now,
    signaturesChecked: o.anchors !== undefined,
    anchorsSource: o.anchorsSource ?? null,
    intent: root?.ok ? (root.value.token.claims.baton.intent ?? null) : null,
    failure,
    tokens,
    pop: o.pop !== undefined ? readPop(o.pop, leaf?.ok ? leaf.value.token.claims.jti : null) : null,
  };
}

function describeToken(
  t: UnverifiedToken | null,
  parent: UnverifiedToken | null,
  o: {
    index: number;
    now: number;
    names: ReadonlyMap<string, string>;
    status: TokenStatus;
    decodeOnly: boolean;
  },
): InspectedToken {
  if (!t) {
    return {
      index: o.index,
      jti: null,
      issuer: null,
      issuerName: "?",
      holder: null,
      holderName: "?",
      iat: null,
      exp: null,
      ttlLeft: 0,
      depth: null,
      maxDepth: null,
      intent: null,
      approvals: [],
      maxUses: null,
      aud: null,
      tools: null,
      narrowing: null,
      widening: null,
      status: o.status,
    };
  }
  const c = t.token.claims;
  let widening: string | null = null;
  if (parent && o.decodeOnly) {
    const w = narrowsTools(parent.token.claims.tools ?? {}, c.tools ?? {});
    if (w) widening = `${w.message} (step ${w.step})`;
  }
  return {
    index: o.index,
    jti: c.jti,
    issuer: c.iss,
    issuerName: displayName(c.iss, o.names),
    holder: c.holder.id,
    holderName: displayName(c.holder.id, o.names),
    iat: c.iat,
    exp: c.exp,
    ttlLeft: c.exp - o.now,
    depth: c.delDepth,
    maxDepth: c.delMaxDepth,
    intent: c.baton.intent ?? null,
    approvals: c.baton.approve ?? [],
    maxUses: c.baton.maxUses ?? null,
    aud: c.aud ?? null,
    tools: c.tools,
    narrowing: parent ? narrowing(parent, t) : null,
    widening,
    status: o.status,
  };
}

/** What `child` gave up compared with `parent`. */
export function narrowing(parent: UnverifiedToken, child: UnverifiedToken): Narrowing {
  const p = parent.token.claims;
  const c = child.token.claims;
  const pt = p.tools ?? {};
  const ct = c.tools ?? {};
  const constraints: ConstraintChange[] = [];
  for (const tool of Object.keys(ct)) {
    const pm = normalise(pt[tool]);
    const cm = normalise(ct[tool]);
    if (!pm || !cm) continue;
    const args = [...new Set([...Object.keys(pm), ...Object.keys(cm)])];
    for (const arg of args) {
      const from = Object.hasOwn(pm, arg) ? (pm[arg] as JsonValue) : undefined;
      const to = Object.hasOwn(cm, arg) ? (cm[arg] as JsonValue) : undefined;
      if (JSON.stringify(from) === JSON.stringify(to)) continue;
      constraints.push({
        tool,
        arg,
        from: from === undefined ? null : summarise(from),
        to: to === undefined ? null : summarise(to),
      });
    }
  }
  const pa = new Set(p.baton.approve ?? []);
  const audFrom = p.aud ? p.aud.join(", ") : null;
  const audTo = c.aud ? c.aud.join(", ") : null;
  const usesFrom = p.baton.maxUses ?? null;
  const usesTo = c.baton.maxUses ?? null;
  return {
    toolsRemoved: Object.keys(pt).filter((k) => !Object.hasOwn(ct, k)),
    constraints,
    ttlShortenedBy: Math.max(0, p.exp - c.exp),
    maxDepth: c.delMaxDepth !== p.delMaxDepth ? { from: p.delMaxDepth, to: c.delMaxDepth } : null,
    approvalsAdded: (c.baton.approve ?? []).filter((a) => !pa.has(a)),
    audience: audFrom !== audTo ? { from: audFrom, to: audTo } : null,
    maxUses: usesFrom !== usesTo ? { from: usesFrom, to: usesTo } : null,
  };
}

/** A constraint map with `{}` read as `{"*": wildcard}` (§3.3); null when not an object. */
function normalise(m: unknown): Record<string, JsonValue> | null {
  if (m === null || typeof m !== "object" || Array.isArray(m)) return null;
  const o = m as Record<string, JsonValue>;
  return Object.keys(o).length === 0 ? { "*": { constraint_type: "wildcard" } } : o;
}

/** A short reading of a constraint: `exact "acme/site"`, `range [0, 10]`, `all(…)`. */
export function summarise(v: JsonValue): string {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return JSON.stringify(v);
  const { constraint_type: type, optional, ...rest } = v;
  let s: string;
  switch (type) {
    case "wildcard":
      s = "wildcard";
      break;
    case "exact":
      s = `exact ${JSON.stringify(rest.value)}`;
      break;
    case "range": {
      const lo = rest.min === undefined ? "(-∞" : `${rest.min_inclusive === false ? "(" : "["}${rest.min}`;
      const hi = rest.max === undefined ? "+∞)" : `${rest.max}${rest.max_inclusive === false ? ")" : "]"}`;
      s = `range ${lo}, ${hi}`;
      break;
    }
    case "one_of":
      s = `one_of ${JSON.stringify(rest.values)}`;
      break;
    case "not_one_of":
      s = `not_one_of ${JSON.stringify(rest.excluded)}`;
      break;
    case "contains":
      s = `contains ${JSON.stringify(rest.required)}`;
      break;
    case "subset":
      s = `subset ${JSON.stringify(rest.allowed)}`;
      break;
    case "all":
    case "any":
      s = `${type}(${Array.isArray(rest.constraints) ? rest.constraints.map(summarise).join(", ") : "?"})`;
      break;
    case "path_containment":
      s = `path_containment ${JSON.stringify(rest.root)}`;
      break;
    default:
      s = JSON.stringify(v);
  }
  return optional === true ? `${s} (optional)` : s;
}

function readPop(compact: string, leafJti: string | null): InspectedPop {
  const empty: InspectedPop = {
    tool: null,
    args: [],
    aud: null,
    iat: null,
    nonce: false,
    boundToLeaf: false,
  };
  const split = splitCompact(compact);
  if (!split.ok) return empty;
  const text = b64urlDecode(compact.split(".")[1] ?? "");
  const parsed = text ? parseStrictJson(text.toString("utf8")) : null;
  if (!parsed?.ok || parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value))
    return empty;
  const p = parsed.value;
  const hta = p.hta;
  return {
    tool: typeof p.aat_tool === "string" ? p.aat_tool : null,
    args: hta !== null && typeof hta === "object" && !Array.isArray(hta) ? Object.keys(hta) : [],
    aud: typeof p.aat_aud === "string" ? p.aat_aud : Array.isArray(p.aat_aud) ? p.aat_aud.join(", ") : null,
    iat: typeof p.iat === "number" ? p.iat : null,
    nonce: typeof p.nonce === "string",
    boundToLeaf: leafJti !== null && p.aat_id === leafJti,
  };
}

/** The inspection as `inspect --json` prints it: snake_case, like the HTTP API. */
export function inspectionJson(ins: Inspection): Record<string, unknown> {
  return {
    kind: ins.kind,
    now: ins.now,
    signatures_checked: ins.signaturesChecked,
    anchors: ins.anchorsSource,
    intent: ins.intent,
    failure: ins.failure,
    tokens: ins.tokens.map((t) => ({
      index: t.index,
      jti: t.jti,
      issuer: t.issuer,
      issuer_name: t.issuerName,
      holder: t.holder,
      holder_name: t.holderName,
      iat: t.iat,
      exp: t.exp,
      ttl_left: t.exp === null ? null : t.ttlLeft,
      depth: t.depth,
      max_depth: t.maxDepth,
      intent: t.intent,
      approvals: t.approvals,
      max_uses: t.maxUses,
      aud: t.aud,
      tools: t.tools,
      narrowing: t.narrowing && {
        tools_removed: t.narrowing.toolsRemoved,
        constraints: t.narrowing.constraints,
        ttl_shortened_by: t.narrowing.ttlShortenedBy,
        max_depth: t.narrowing.maxDepth,
        approvals_added: t.narrowing.approvalsAdded,
        audience: t.narrowing.audience,
        max_uses: t.narrowing.maxUses,
      },
      widening: t.widening,
      status: t.status,
    })),
    pop: ins.pop && {
      tool: ins.pop.tool,
      args: ins.pop.args,
      aud: ins.pop.aud,
      iat: ins.pop.iat,
      nonce: ins.pop.nonce,
      bound_to_leaf: ins.pop.boundToLeaf,
    },
  };
}
