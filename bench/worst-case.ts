/**
 * Worst admissible chain vs a typical chain of the same byte size (issue 9, item 4).
 *
 * Subsumption of `all`/`any` compares parent clauses with child clauses pairwise (§4.5), so its cost
 * is what an attacker maximises. The worst chain fills the child's whole tools map (about 1024 nodes: 15
 * arguments of 64 nodes, the default limits) with `all` trees in which every parent clause scans
 * every other child clause first, and each failing clause pair fails only at its last leaf. It is
 * admissible: the child narrows the parent and the call is permitted. Several shapes are tried and
 * the slowest is reported. The typical chain has the same number of tokens and the same byte size,
 * with flat constraints (exact, one_of, range, path_containment) passed down or narrowed.
 *
 * Both are verified cold (a new verifier per call: nothing cached, as an attacker would vary the
 * chain); the ratio is the median of interleaved rounds.
 */
import { derive, grant, type Presentation, prove } from "../src/core/chain/issue.ts";
import { DEFAULT_LIMITS } from "../src/core/chain/options.ts";
import { Verifier } from "../src/core/chain/verify.ts";
import type { JsonValue, ToolsMap } from "../src/core/constraints/index.ts";
import { AgentKey } from "../src/core/keys/agent-key.ts";

/** µs per call: a short warm-up, then the median of `n` single calls (each call is milliseconds). */
async function timeCall(fn: () => Promise<void>, n = 7): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    await fn();
    xs.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return median(xs);
}

type C = { [k: string]: JsonValue };
const ex = (value: JsonValue): C => ({ constraint_type: "exact", value });
const all = (...constraints: C[]): C => ({ constraint_type: "all", constraints });

const seed = (b: number) => new Uint8Array(32).fill(b);
const principal = AgentKey.fromSeed(seed(0x51));
const orchestrator = AgentKey.fromSeed(seed(0x52));
const worker = AgentKey.fromSeed(seed(0x53));
const ISSUER = "https://bench.example";
const AUD = "https://tools.bench.example";
const NOW = 1_800_000_000;
const anchors = [{ issuer: ISSUER, jwk: principal.publicJwk }];

/**
 * One argument: parent `all` of k clauses, each an `all` of m exact leaves that share their first
 * m-1 values and differ in the last; the child holds the same clauses in reverse order. Parent
 * clause i scans child clauses k..i+1 (each fails at its last leaf, after ~m²/2 checks) before it
 * meets its twin. Nodes per side: 1 + k(m+1) (or 1 + k for m = 1, a flat all of exacts).
 */
function worstArg(k: number, m: number, tag: string): { parent: C; child: C } {
  const clause = (i: number): C =>
    m === 1
      ? ex(`${tag}${i}`)
      : all(...Array.from({ length: m }, (_, j) => ex(j < m - 1 ? `s${j}` : `${tag}${i}`)));
  const clauses = Array.from({ length: k }, (_, i) => clause(i));
  return { parent: all(...clauses), child: all(...[...clauses].reverse()) };
}

interface Built {
  presentation: Presentation;
  bytes: number;
}

function build(rootTools: ToolsMap, childTools: ToolsMap): Built {
  const g = grant({
    key: principal,
    issuer: ISSUER,
    to: orchestrator,
    tools: rootTools,
    ttl: 3600,
    maxDepth: 2,
    now: NOW,
  });
  if (!g.ok) throw new Error(`${g.code}: ${g.message}`);
  const d = derive(g.value, { key: orchestrator, to: worker, tools: childTools, ttl: 600, now: NOW });
  if (!d.ok) throw new Error(`${d.code}: ${d.message}`);
  const p = prove(d.value, { key: worker, tool: "call", args: { n: 1 }, now: NOW, aud: AUD });
  if (!p.ok) throw new Error(p.message);
  return { presentation: p.value, bytes: d.value.reduce((n, t) => n + t.length, 0) };
}

/** The worst chain for one shape: 16 arguments of one tool, plus the invoked tool. */
function worst(k: number, m: number): Built {
  const parent: C = {};
  const child: C = {};
  const args = Math.floor(DEFAULT_LIMITS.maxConstraintNodes / DEFAULT_LIMITS.maxArgumentNodes) - 1;
  for (let a = 0; a < args; a++) {
    const w = worstArg(k, m, `v${a}-`);
    parent[`a${a}`] = w.parent;
    child[`a${a}`] = w.child;
  }
  const call = { n: { constraint_type: "range", min: 0, max: 10 } };
  return build({ heavy: parent as ToolsMap[string], call }, { heavy: child as ToolsMap[string], call });
}

/** A typical chain of about `bytes` bytes: many tools with flat constraints, narrowed a little. */
function typical(bytes: number): Built {
  const tools = (n: number, narrow: boolean): ToolsMap => {
    const out: ToolsMap = { call: { n: { constraint_type: "range", min: 0, max: narrow ? 5 : 10 } } };
    for (let i = 0; i < n; i++) {
      out[`tool_${i}`] = {
        path: {
          constraint_type: "path_containment",
          root: narrow ? `/data/project-${i}/src` : `/data/project-${i}`,
        },
        mode: narrow ? ex("r") : { constraint_type: "one_of", values: ["r", "rw", "a"] },
        limit: { constraint_type: "range", min: 0, max: narrow ? 50 : 100 },
        tag: ex(`team-${i}`),
      };
    }
    return out;
  };
  let n = 8;
  let b = build(tools(n, false), tools(n, true));
  while (b.bytes < bytes) {
    n = Math.ceil(n * Math.max(1.02, Math.sqrt(bytes / b.bytes)));
    b = build(tools(n, false), tools(n, true));
  }
  return b;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function cold(b: Built): () => Promise<void> {
  const options = { trustAnchors: anchors, audience: AUD };
  return async () => {
    const d = await new Verifier(options).verify({
      presentation: b.presentation,
      tool: "call",
      args: { n: 1 },
      now: NOW,
    });
    if (!d.allow) throw new Error(`${d.code}: ${d.message}`);
  };
}

export interface WorstCaseRow {
  shape: string;
  bytes: number;
  worstUs: number;
  typicalBytes: number;
  typicalUs: number;
  ratio: number;
}

/** Times each worst-case shape against a typical chain of its size; the first row is the slowest. */
export async function runWorstCaseBench(rounds = 5): Promise<WorstCaseRow[]> {
  const shapes: [number, number][] = [
    [32, 1],
    [2, 30],
    [3, 20],
    [7, 8],
  ];
  const rows: WorstCaseRow[] = [];
  for (const [k, m] of shapes) {
    const w = worst(k, m);
    const t = typical(w.bytes);
    const ratios: number[] = [];
    const ws: number[] = [];
    const ts: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const wu = await timeCall(cold(w));
      const tu = await timeCall(cold(t));
      ratios.push(wu / tu);
      ws.push(wu);
      ts.push(tu);
    }
    rows.push({
      shape: m === 1 ? `all of ${k} exact` : `all of ${k} × all of ${m}`,
      bytes: w.bytes,
      worstUs: median(ws),
      typicalBytes: t.bytes,
      typicalUs: median(ts),
      ratio: median(ratios),
    });
  }
  return rows.sort((a, b) => b.ratio - a.ratio);
}

export function printWorstCaseBench(rows: WorstCaseRow[]): void {
  console.log(
    "| worst shape (per argument, 15 arguments) | chain bytes | worst µs | typical bytes | typical µs | worst ÷ typical | target |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.shape} | ${r.bytes} | ${r.worstUs.toFixed(0)} | ${r.typicalBytes} | ${r.typicalUs.toFixed(0)} | ${r.ratio.toFixed(2)} | ≤ 5 |`,
    );
  }
}

if (process.argv[1]?.endsWith("worst-case.ts")) printWorstCaseBench(await runWorstCaseBench());
