/**
 * Fixed personas (keys from fixed seeds), chain builders and facade factories for the trust and
 * service tests. The chain of `delegation(n)` is principal → orchestrator → researcher →
 * summarizer → fetcher → writer, cut to n tokens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BatonConfig, type ConfigInput, parseConfig } from "../../src/config/schema.ts";
import { derive, grant, type Presentation, prove } from "../../src/core/chain/issue.ts";
import type { JsonValue, ToolsMap } from "../../src/core/constraints/index.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { decodeToken } from "../../src/core/token/decode.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import type { Store } from "../../src/store/types.ts";
import { Trust } from "../../src/trust/index.ts";

const seed = (b: number) => new Uint8Array(32).fill(b);

export const principal = AgentKey.fromSeed(seed(0x31), "principal");
export const orchestrator = AgentKey.fromSeed(seed(0x32), "orchestrator");
export const researcher = AgentKey.fromSeed(seed(0x33), "researcher");
export const summarizer = AgentKey.fromSeed(seed(0x34), "summarizer");
export const fetcher = AgentKey.fromSeed(seed(0x35), "fetcher");
export const writer = AgentKey.fromSeed(seed(0x36), "writer");
export const mallory = AgentKey.fromSeed(seed(0x37), "mallory");
export const admin = AgentKey.fromSeed(seed(0x38), "admin");
/** Holders of tokens 0, 1, 2, … of `delegation()`. */
export const HOLDERS = [orchestrator, researcher, summarizer, fetcher, writer] as const;

export const NOW = 1_800_000_000;
export const ISSUER = "https://principal.baton.test";
export const AUDIENCE = "https://tools.baton.test";
export const INTENT = { id: "intent-7f3a", purpose: "summarise the quarterly reports" };

export const TOOLS: ToolsMap = {
  search: { query: { constraint_type: "wildcard" }, limit: { constraint_type: "range", min: 1, max: 100 } },
  read_file: { path: { constraint_type: "wildcard" } },
};

export const ARGS: Record<string, JsonValue> = { query: "quarterly revenue", limit: 10 };

/** A chain of n tokens (1..5), root granted by the principal, intent-bound unless told otherwise. */
export function delegation(n: number, o: { intent?: boolean; tag?: string; now?: number } = {}): string[] {
  const now = o.now ?? NOW;
  const g = grant({
    key: principal,
    issuer: ISSUER,
    to: orchestrator,
    tools: TOOLS,
    ttl: 3600,
    maxDepth: 8,
    now,
    aud: AUDIENCE,
    ...(o.intent === false ? {} : { intent: INTENT }),
    ...(o.tag ? { jti: `root-${o.tag}` } : {}),
  });
  if (!g.ok) throw new Error(g.message);
  let chain = g.value;
  for (let i = 1; i < n; i++) {
    const d = derive(chain, {
      key: HOLDERS[i - 1] as AgentKey,
      to: HOLDERS[i] as AgentKey,
      tools: TOOLS,
      ttl: 3000 - i * 100,
      now,
      ...(o.tag ? { jti: `t${i}-${o.tag}` } : {}),
    });
    if (!d.ok) throw new Error(d.message);
    chain = d.value;
  }
  return chain;
}

let popCounter = 0;

/** A presentation for one call by the leaf holder of `chain`. */
export function present(
  chain: string[],
  o: { tool?: string; args?: Record<string, JsonValue>; now?: number; jti?: string; holder?: AgentKey } = {},
): Presentation {
  const holder = o.holder ?? (HOLDERS[chain.length - 1] as AgentKey);
  const p = prove(chain, {
    key: holder,
    tool: o.tool ?? "search",
    args: o.args ?? ARGS,
    now: o.now ?? NOW,
    aud: AUDIENCE,
    jti: o.jti ?? `pop-${++popCounter}`,
  });
  if (!p.ok) throw new Error(p.message);
  return p.value;
}

/** jti and `sha256:` hash of each token of a chain. */
export function idsOf(chain: string[]): { jti: string; hash: string }[] {
  return chain.map((t, i) => {
    const d = decodeToken(t, i);
    if (!d.ok) throw new Error(d.message);
    return { jti: d.value.token.claims.jti, hash: `sha256:${d.value.token.hash}` };
  });
}

export function testConfig(overrides: ConfigInput = {}): BatonConfig {
  return parseConfig({
    audience: AUDIENCE,
    trustAnchors: [{ issuer: ISSUER, jwk: principal.publicJwk }],
    adminKeys: [admin.publicJwk],
    ...overrides,
  });
}

export type StoreKind = "memory" | "sqlite";
export const STORE_KINDS: StoreKind[] = ["memory", "sqlite"];

export interface Harness {
  trust: Trust;
  store: Store;
  close(): Promise<void>;
}

/** A facade on a fresh store (SQLite in a temp file), its clock fixed at `now` (unix s). */
export async function openTrust(
  kind: StoreKind,
  o: { config?: BatonConfig; now?: () => number } = {},
): Promise<Harness> {
  let dir: string | null = null;
  let store: Store;
  if (kind === "sqlite") {
    dir = mkdtempSync(join(tmpdir(), "baton-trust-"));
    store = openSqliteStore({ path: join(dir, "baton.db") });
  } else {
    store = new MemoryStore();
  }
  const revocations = await RevocationState.open(store);
  const now = o.now ?? (() => NOW);
  const trust = new Trust(o.config ?? testConfig(), { store, revocations, clock: () => now() * 1000 });
  return {
    trust,
    store,
    async close() {
      await trust.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
