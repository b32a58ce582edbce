/**
 * Revocation benchmark (not a timed test).
 *   node --import tsx bench/store-revocation.ts
 *
 * 1. Cost of `RevocationState.check()` for a 4-token chain (the common case: nothing revoked),
 *    with an empty set and with 1,000,000 revoked entries, plus the heap/RSS the 1 M set takes.
 * 2. Propagation delay between two nodes on one PostgreSQL (BATON_BENCH_DATABASE_URL, else
 *    BATON_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test): revoke on node A, time until
 *    node B's `check` reports it; p50/p99 over 200 revocations.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { RevocationQuery, RevocationSubject } from "../src/core/ports.ts";
import { openPostgresStore } from "../src/store/postgres.ts";
import { RevocationState } from "../src/store/revocation-state.ts";

export interface StoreBenchOptions {
  revokedEntries?: number;
  propagationSamples?: number;
  databaseUrl?: string;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
}

export interface StoreBenchResult {
  check: {
    chainLength: number;
    emptyUsPerCheck: number;
    fullUsPerCheck: number;
    fullHitUsPerCheck: number;
    revokedEntries: number;
    heapDeltaMiB: number;
    rssDeltaMiB: number;
  };
  propagation:
    | {
        samples: number;
        /** From the start of A's add to B's check reporting the revocation. */
        p50Ms: number;
        p99Ms: number;
        maxMs: number;
        /** A's add alone (the commit, which waits for the WAL flush). */
        commitP50Ms: number;
        /** From A's add resolving to B reporting it: the LISTEN/NOTIFY + catch-up path. */
        afterCommitP50Ms: number;
        afterCommitP99Ms: number;
      }
    | { skipped: string };
}

/**
 * A flat string, as JSON.parse and pg hand them over. Template literals and randomUUID() (built by
 * concatenation) give cons-string trees of ~400 bytes that would inflate the memory figure.
 */
const flat = (text: string) => Buffer.from(text).toString();
const thumbprint = () => flat(`urn:ietf:params:oauth:jwk-thumbprint:sha-256:${b64(32)}`);
const hashKey = () => flat(`sha256:${b64(32)}`);
const uuid = () => flat(randomUUID());
function b64(bytes: number): string {
  return Buffer.from(
    randomUUID()
      .replaceAll("-", "")
      .repeat(2)
      .slice(0, bytes * 2),
    "hex",
  ).toString("base64url");
}

function chainQuery(): RevocationQuery {
  const holders = [thumbprint(), thumbprint(), thumbprint(), thumbprint()];
  const tokens: RevocationSubject[] = holders.map((holder, index) => ({
    index,
    jti: uuid(),
    hash: hashKey(),
    issuer: index === 0 ? "https://issuer.example" : (holders[index - 1] as string),
    holder,
  }));
  return { tokens, intent: uuid() };
}

function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (() => void) | undefined;
  gc?.();
  gc?.();
}

/** µs per check: the median of `rounds` timed runs of `iterations` checks. */
function timeChecks(state: RevocationState, query: RevocationQuery, iterations: number): number {
  let hits = 0;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) if (state.check(query) !== null) hits++;
  const elapsed = performance.now() - start;
  if (hits === -1) console.log("unreachable"); // keeps the loop observable
  return (elapsed * 1000) / iterations;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
const round = (value: number, digits = 3) => Number(value.toFixed(digits));

function benchCheck(revokedEntries: number, log: (line: string) => void): StoreBenchResult["check"] {
  const query = chainQuery();
  const empty = new RevocationState();

  collectGarbage();
  const before = process.memoryUsage();
  const full = new RevocationState();
  // Mostly token revocations (by jti and by hash), some agents and intents.
  for (let seq = 1; seq <= revokedEntries; seq++) {
    const r = seq % 100;
    const target =
      r < 45
        ? ({ kind: "token", id: uuid() } as const)
        : r < 90
          ? ({ kind: "token", id: hashKey() } as const)
          : r < 99
            ? ({ kind: "agent", id: thumbprint() } as const)
            : ({ kind: "intent", id: uuid() } as const);
    full.apply({ seq, target, reason: "bench", tokenExp: 1_900_000_000, revokedAt: 0 });
  }
  collectGarbage();
  const after = process.memoryUsage();
  log(`loaded ${full.size} revoked entries`);

  const hitQuery: RevocationQuery = { tokens: query.tokens.map((t) => ({ ...t })) };
  const last = hitQuery.tokens[3];
  if (last) full.apply({ seq: revokedEntries + 1, target: { kind: "token", id: last.jti }, revokedAt: 0 });

  const iterations = 500_000;
  // Warm both, then interleave rounds so JIT state and CPU frequency treat them alike.
  timeChecks(empty, query, iterations);
  timeChecks(full, query, iterations);
  const emptyRuns: number[] = [];
  const fullRuns: number[] = [];
  const hitRuns: number[] = [];
  for (let round = 0; round < 7; round++) {
    emptyRuns.push(timeChecks(empty, query, iterations));
    fullRuns.push(timeChecks(full, query, iterations));
    hitRuns.push(timeChecks(full, hitQuery, iterations));
  }
  return {
    chainLength: query.tokens.length,
    emptyUsPerCheck: round(median(emptyRuns), 4),
    fullUsPerCheck: round(median(fullRuns), 4),
    fullHitUsPerCheck: round(median(hitRuns), 4),
    revokedEntries: full.size,
    heapDeltaMiB: round((after.heapUsed - before.heapUsed) / 2 ** 20, 1),
    rssDeltaMiB: round((after.rss - before.rss) / 2 ** 20, 1),
  };
}

async function benchPropagation(
  url: string,
  samples: number,
  log: (line: string) => void,
): Promise<StoreBenchResult["propagation"]> {
  const schema = `baton_bench_${Math.random().toString(16).slice(2, 10)}`;
  let storeA: Awaited<ReturnType<typeof openPostgresStore>>;
  try {
    storeA = await openPostgresStore({ url, schema });
  } catch (error) {
    return { skipped: `PostgreSQL unavailable at ${url}: ${(error as Error).message}` };
  }
  const storeB = await openPostgresStore({ url, schema });
  const nodeA = await RevocationState.open(storeA);
  const nodeB = await RevocationState.open(storeB);
  try {
    const delays: number[] = [];
    const commits: number[] = [];
    const afterCommit: number[] = [];
    for (let i = 0; i < samples; i++) {
      const query = chainQuery();
      const jti = query.tokens[2]?.jti as string;
      const start = performance.now();
      await storeA.addRevocation({ target: { kind: "token", id: jti }, reason: "bench" });
      const committed = performance.now();
      commits.push(committed - start);
      // Poll node B on every turn of the event loop, bounded to 5 s.
      const deadline = start + 5000;
      while (nodeB.check(query) === null) {
        if (performance.now() > deadline) throw new Error(`node B did not see revocation ${i} within 5 s`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seen = performance.now();
      delays.push(seen - start);
      afterCommit.push(seen - committed);
      if ((i + 1) % 50 === 0) log(`propagated ${i + 1}/${samples}`);
    }
    const sorted = [...delays].sort((a, b) => a - b);
    const sortedAfter = [...afterCommit].sort((a, b) => a - b);
    return {
      samples,
      p50Ms: round(quantile(sorted, 0.5)),
      p99Ms: round(quantile(sorted, 0.99)),
      maxMs: round(sorted.at(-1) ?? Number.NaN),
      commitP50Ms: round(median(commits)),
      afterCommitP50Ms: round(quantile(sortedAfter, 0.5)),
      afterCommitP99Ms: round(quantile(sortedAfter, 0.99)),
    };
  } finally {
    await nodeA.close();
    await nodeB.close();
    const admin = storeA.pool;
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await storeA.close();
    await storeB.close();
  }
}

export async function runStoreBench(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const log = options.log ?? (() => {});
  const url =
    options.databaseUrl ??
    process.env.BATON_BENCH_DATABASE_URL ??
    process.env.BATON_DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/test";
  const check = benchCheck(options.revokedEntries ?? 1_000_000, log);
  const propagation = await benchPropagation(url, options.propagationSamples ?? 200, log);
  return { check, propagation };
}

export function printStoreBench(result: StoreBenchResult): void {
  const c = result.check;
  console.log(`revocation check, ${c.chainLength}-token chain (not revoked):`);
  console.log(`  empty set:              ${c.emptyUsPerCheck} µs/check`);
  console.log(`  ${c.revokedEntries.toLocaleString("en")} revoked:    ${c.fullUsPerCheck} µs/check`);
  console.log(`  same, leaf revoked (hit): ${c.fullHitUsPerCheck} µs/check`);
  console.log(`  memory of the 1 M set:  heap +${c.heapDeltaMiB} MiB, RSS +${c.rssDeltaMiB} MiB`);
  const p = result.propagation;
  if ("skipped" in p) {
    console.log(`propagation: skipped (${p.skipped})`);
  } else {
    console.log(`propagation A → B on one PostgreSQL (${p.samples} revocations, revoke start → B denies):`);
    console.log(`  p50 ${p.p50Ms} ms, p99 ${p.p99Ms} ms, max ${p.maxMs} ms`);
    console.log(
      `  of which A's commit p50 ${p.commitP50Ms} ms; commit → B denies p50 ${p.afterCommitP50Ms} ms, p99 ${p.afterCommitP99Ms} ms`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printStoreBench(await runStoreBench({ log: (line) => console.error(line) }));
}
