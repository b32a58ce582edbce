/**
 * Shared fixtures of the verifier's rule tests: personas from fixed seeds, real chains from
 * `grant` / `derive`, hand-signed children for what `derive` refuses to mint, an in-memory ledger
 * and revocation list, and `callAs` to present one call.
 */
import {
  derive,
  type GrantOptions,
  grant,
  type IssueResult,
  type Presentation,
  prove,
  uuidv7,
} from "../../../src/core/chain/issue.ts";
import type { Decision, VerifyOptions } from "../../../src/core/chain/options.ts";
import { Verifier } from "../../../src/core/chain/verify.ts";
import type { JsonValue, ToolsMap } from "../../../src/core/constraints/index.ts";
import { b64urlDecode, b64urlEncode } from "../../../src/core/encoding.ts";
import { AgentKey } from "../../../src/core/keys/agent-key.ts";
import type {
  LedgerResult,
  PermitLedger,
  RevocationCheck,
  RevocationQuery,
  RevocationTarget,
  UsageCharge,
} from "../../../src/core/ports.ts";
import { decodeToken } from "../../../src/core/token/decode.ts";
import { signCompact } from "../../../src/core/token/jws.ts";

// ---- personas from fixed seeds ----------------------------------------------------------------
export const persona = (byte: number, name: string) => AgentKey.fromSeed(new Uint8Array(32).fill(byte), name);
export const principal = persona(0x11, "principal");
export const orchestrator = persona(0x12, "orchestrator");
export const researcher = persona(0x13, "researcher");
export const fixer = persona(0x14, "fixer");
export const mallory = persona(0xee, "mallory");

export const ISSUER = "https://auth.baton.example";
export const AUD = "https://tools.example.com";
export const NOW = 1704067500;
export const INTENT = { id: "triage-q3-reports", purpose: "summarise the Q3 reports for the board" };
export const anchors = [{ issuer: ISSUER, jwk: principal.publicJwk }];

export const pc = (root: string): JsonValue => ({ constraint_type: "path_containment", root });
export const ROOT_TOOLS: ToolsMap = {
  read_file: { path: pc("/data") },
  search: { query: { constraint_type: "wildcard" }, limit: { constraint_type: "range", max: 100 } },
  deploy_prod: { target: { constraint_type: "one_of", values: ["web", "api"] } },
};
export const READER: ToolsMap = { read_file: { path: pc("/data/reports") } };
export const Q3 = { path: "/data/reports/q3.pdf" };

export function ok<T>(r: IssueResult<T>): T {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r.value;
}

/** principal → orchestrator: a Baton root bound to INTENT, issued 5 minutes ago for an hour. */
export function root(o: Partial<GrantOptions> = {}): string[] {
  return ok(
    grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: ROOT_TOOLS,
      ttl: 3600,
      maxDepth: 3,
      now: NOW - 300,
      intent: INTENT,
      ...o,
    }),
  );
}

/** root → researcher (/data/reports) → fixer (/data/reports): the usual three-token chain. */
export function threeTokens(): string[] {
  const l1 = ok(
    derive(root(), { key: orchestrator, to: researcher, tools: READER, ttl: 1800, now: NOW - 240 }),
  );
  return ok(derive(l1, { key: researcher, to: fixer, tools: READER, ttl: 1200, now: NOW - 180 }));
}

let jtiCounter = 0;
/** A fresh, deterministic jti. */
export const nextJti = () =>
  uuidv7(NOW * 1000, Buffer.from(`jti-${(jtiCounter++).toString().padStart(6, "0")}`));

/** The PoP for one call by `key` (the leaf holder unless a test says otherwise). */
export function present(
  chain: readonly string[],
  key: AgentKey,
  tool: string,
  args: Record<string, JsonValue>,
  now = NOW,
  jti = nextJti(),
): Presentation {
  return ok(prove(chain, { key, tool, args, now, aud: AUD, jti }));
}

/**
 * A child signed by hand (as `derive` would build it) so that a test can mint what `derive`
 * refuses: `claims` overrides or adds claims, `omit` removes them.
 */
export function forgeChild(
  chain: readonly string[],
  o: {
    signer: AgentKey;
    to: AgentKey;
    tools?: ToolsMap;
    claims?: Record<string, unknown>;
    omit?: string[];
    header?: Record<string, unknown>;
  },
): string[] {
  const d = decodeToken(chain[chain.length - 1] as string, chain.length - 1);
  if (!d.ok) throw new Error(d.message);
  const p = d.value.token;
  const payload: Record<string, unknown> = {
    jti: nextJti(),
    iss: p.claims.holder.id,
    iat: p.claims.iat + 60,
    exp: p.claims.exp - 60,
    del_depth: p.claims.delDepth + 1,
    del_max_depth: p.claims.delMaxDepth,
    par_hash: p.hash,
    cnf: { jwk: o.to.publicJwk },
    authorization_details: [{ type: "attenuating_agent_token", tools: o.tools ?? p.claims.tools }],
  };
  if (p.claims.baton.intent) payload.baton_intent = p.claims.baton.intent;
  if (p.claims.baton.approve) payload.baton_approve = p.claims.baton.approve;
  if (p.claims.baton.maxUses !== undefined) payload.baton_max_uses = p.claims.baton.maxUses;
  Object.assign(payload, o.claims);
  for (const k of o.omit ?? []) delete payload[k];
  const header =
    o.header ??
    (p.baton
      ? { alg: "Ed25519", typ: "aat+jwt", crit: ["baton"], baton: 1 }
      : { alg: "Ed25519", typ: "aat+jwt" });
  return [...chain, signCompact(header, payload, o.signer)];
}

/** Flips bit 0 of the first signature byte of a compact JWS. */
export function flipSignature(compact: string): string {
  const [h, p, s] = compact.split(".") as [string, string, string];
  const sig = b64urlDecode(s) as Buffer;
  sig[0] = (sig[0] as number) ^ 0x01;
  return `${h}.${p}.${b64urlEncode(sig)}`;
}

export class MemoryLedger implements PermitLedger {
  readonly replay = new Set<string>();
  readonly used = new Map<string, number>();
  commits = 0;
  commit(entry: { replay?: { key: string; expiresAt: number }; usage: UsageCharge[] }): LedgerResult {
    this.commits++;
    if (entry.replay && this.replay.has(entry.replay.key)) return { ok: false, code: "replayed" };
    for (const c of entry.usage) {
      const used = this.used.get(c.key) ?? 0;
      if (used >= c.limit) return { ok: false, code: "usage_exceeded", index: c.index, used, limit: c.limit };
    }
    if (entry.replay) this.replay.add(entry.replay.key);
    for (const c of entry.usage) this.used.set(c.key, (this.used.get(c.key) ?? 0) + 1);
    return { ok: true };
  }
}

export class ListRevocation implements RevocationCheck {
  readonly targets: RevocationTarget[] = [];
  calls = 0;
  stale = false;
  check(q: RevocationQuery) {
    this.calls++;
    for (const target of this.targets) {
      if (target.kind === "intent" && q.intent === target.id) return { index: 0, target };
    }
    for (const t of q.tokens) {
      for (const target of this.targets) {
        if (target.kind === "token" && (t.jti === target.id || t.hash === target.id))
          return { index: t.index, target };
        if (target.kind === "agent" && (t.issuer === target.id || t.holder === target.id))
          return { index: t.index, target };
      }
    }
    return null;
  }
  freshness() {
    return { stale: this.stale, ageMs: this.stale ? 120_000 : 0 };
  }
}

export const verifier = (o: Partial<VerifyOptions> = {}) =>
  new Verifier({ trustAnchors: anchors, audience: AUD, ledger: new MemoryLedger(), ...o });

export async function call(
  v: Verifier,
  p: Presentation,
  tool: string,
  args: Record<string, JsonValue>,
  now = NOW,
): Promise<Decision> {
  return v.verify({ presentation: p, tool, args, now });
}

/** Calls `tool` as the leaf holder `key` with a fresh PoP. */
export async function callAs(
  v: Verifier,
  chain: readonly string[],
  key: AgentKey,
  tool: string,
  args: Record<string, JsonValue>,
  now = NOW,
) {
  return call(v, present(chain, key, tool, args, now), tool, args, now);
}

export const denial = (d: Decision) => ({ allow: d.allow, code: d.code, step: d.step, token: d.token });

// ---------------------------------------------------------------------------------------------
