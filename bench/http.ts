/**
 * HTTP benchmark of `POST /v1/verify` against a no-op fastify route taking the same body.
 *
 *   node --import tsx bench/http.ts [--duration 5] [--connections 16]
 *
 * A child process runs the service twice, SQLite in a temp directory on tmpfs (`/dev/shm`: the
 * service's CPU path) and on the disk (`os.tmpdir()`: every write fsynced, synchronous=FULL),
 * every permit audited and its PoP jti committed to the ledger; and, on another port, a bare
 * fastify app whose `POST /noop` parses the same JSON body and answers `{"ok": true}`. This
 * process drives them with autocannon: the service with a warm 3-token chain and a FRESH PoP per
 * request (pre-generated, distinct jti, `iat = now`, so every call is a real permit), then the
 * no-op route with the same bodies. Reported: req/s of each, the ratios (target ≥ 0.5) and p99
 * latency. Server and load generator share the machine's cores, so the ratio is the figure to
 * compare, not absolute req/s.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseConfig } from "../src/config/schema.ts";
import { derive, grant, prove } from "../src/core/chain/issue.ts";
import type { ToolsMap } from "../src/core/constraints/index.ts";
import { AgentKey } from "../src/core/keys/agent-key.ts";
import type { PublicJwk } from "../src/core/keys/public-key.ts";

const ISSUER = "https://principal.bench";
const AUDIENCE = "https://tools.bench";
const TOOLS: ToolsMap = {
  search: { query: { constraint_type: "wildcard" }, limit: { constraint_type: "range", min: 1, max: 100 } },
};
const ARGS = { query: "quarterly revenue", limit: 10 };
const seed = (b: number) => new Uint8Array(32).fill(b);

// ---- autocannon, typed for what we use (the package ships no types)

interface CannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: CannonRequest) => CannonRequest;
}
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (
  o: { url: string; connections: number; duration: number; requests: CannonRequest[] },
  cb: (err: Error | null, r: CannonResult) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

function cannon(
  url: string,
  connections: number,
  duration: number,
  requests: CannonRequest[],
): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, requests }, (err, r) => (err ? reject(err) : resolve(r)));
  });
}

// ---- the server side (child process)

interface ServerReady {
  /** The service with its SQLite file on tmpfs, then on disk. */
  tmpfs: string;
  disk: string;
  noop: string;
}

const TMPFS = "/dev/shm";

async function serve(): Promise<void> {
  const { startServer } = await import("../src/service/server.ts");
  const Fastify = (await import("fastify")).default;
  const anchor = JSON.parse(process.env.BENCH_ANCHOR_JWK as string) as PublicJwk;
  const dirs: string[] = [];
  const start = async (parent: string) => {
    const dir = mkdtempSync(join(parent, "baton-bench-"));
    dirs.push(dir);
    const config = parseConfig({
      audience: AUDIENCE,
      trustAnchors: [{ issuer: ISSUER, jwk: anchor }],
      store: { path: join(dir, "baton.db") },
      server: { port: 0, logLevel: "silent", rateLimit: false },
    });
    return startServer(config, { logger: false, signals: false, pruneIntervalMs: 0 });
  };
  const tmpfs = await start(existsSync(TMPFS) ? TMPFS : tmpdir());
  const disk = await start(tmpdir());
  const noop = Fastify({ logger: false });
  noop.post("/noop", async () => ({ ok: true }));
  await noop.listen({ host: "127.0.0.1", port: 0 });
  const addr = noop.server.address() as { port: number };
  process.send?.({
    tmpfs: tmpfs.url,
    disk: disk.url,
    noop: `http://127.0.0.1:${addr.port}`,
  } satisfies ServerReady);
  process.on("message", async (m) => {
    if (m === "stop") {
      await noop.close();
      await tmpfs.close();
      await disk.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
}

// ---- the load side

export interface HttpBenchOptions {
  /** Seconds per run; default 5. */
  duration?: number;
  connections?: number;
}

export interface RunFigures {
  reqPerSec: number;
  p99Ms: number;
  avgMs: number;
  requests: number;
  non2xx: number;
}

export interface HttpBenchResult {
  /** /v1/verify with SQLite on tmpfs (the service's CPU path). */
  verifyTmpfs: RunFigures & { ratio: number; decisions: Record<string, number> };
  /** /v1/verify with SQLite on the disk (fsync per write). */
  verifyDisk: RunFigures & { ratio: number; decisions: Record<string, number> };
  noop: RunFigures;
  /** In-process µs per call: core verifier, facade on memory and SQLite, whole route via inject. */
  breakdownUs: Record<string, number>;
  cores: number;
  /** 1-minute load average when the run ended (other processes compete for the cores). */
  loadAverage: number;
  connections: number;
  duration: number;
}

function chain3(now: number): { chain: string[]; leaf: AgentKey; anchor: AgentKey } {
  const anchor = AgentKey.fromSeed(seed(0x51), "principal");
  const agents = [0x52, 0x53, 0x54].map((b) => AgentKey.fromSeed(seed(b)));
  const g = grant({
    key: anchor,
    issuer: ISSUER,
    to: agents[0] as AgentKey,
    tools: TOOLS,
    ttl: 3600,
    maxDepth: 4,
    now,
    aud: AUDIENCE,
    intent: { id: "bench", purpose: "HTTP benchmark" },
  });
  if (!g.ok) throw new Error(g.message);
  let chain = g.value;
  for (let i = 1; i < 3; i++) {
    const d = derive(chain, {
      key: agents[i - 1] as AgentKey,
      to: agents[i] as AgentKey,
      tools: TOOLS,
      ttl: 3000,
      now,
    });
    if (!d.ok) throw new Error(d.message);
    chain = d.value;
  }
  return { chain, leaf: agents[2] as AgentKey, anchor };
}

function bodies(chain: string[], leaf: AgentKey, now: number, n: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = prove(chain, { key: leaf, tool: "search", args: ARGS, now, aud: AUDIENCE, jti: `${tag}-${i}` });
    if (!p.ok) throw new Error(p.message);
    out.push(JSON.stringify({ ...p.value, tool: "search", args: ARGS }));
  }
  return out;
}

function cycling(path: string, list: string[]): CannonRequest[] {
  let next = 0;
  return [
    {
      method: "POST",
      path,
      headers: { "content-type": "application/json" },
      setupRequest: (req) => ({ ...req, body: list[next++ % list.length] as string }),
    },
  ];
}

async function decisionsOf(baton: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baton}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^baton_decisions_total\{code="([a-z_]+)"\} (\d+)/gm))
    out[m[1] as string] = Number(m[2]);
  return out;
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

/**
 * Where a verify call's time goes, in this process (no network, no load generator): microseconds
 * per call of the core verifier alone, the facade (audit + ledger) on a memory store and on SQLite
 * in tmpfs, and the whole HTTP route through `inject`.
 */
async function breakdown(
  chain: string[],
  leaf: AgentKey,
  anchor: AgentKey,
  now: number,
): Promise<Record<string, number>> {
  const { Verifier } = await import("../src/core/chain/verify.ts");
  const { Trust } = await import("../src/trust/index.ts");
  const { MemoryStore } = await import("../src/store/memory.ts");
  const { openSqliteStore } = await import("../src/store/sqlite.ts");
  const { RevocationState } = await import("../src/store/revocation-state.ts");
  const { buildApp } = await import("../src/service/app.ts");
  const trustAnchors = [{ issuer: ISSUER, jwk: anchor.publicJwk }];
  const config = parseConfig({ audience: AUDIENCE, trustAnchors });
  const n = 1500;
  let k = 0;
  const pops = (count: number) =>
    Array.from({ length: count }, () => {
      const p = prove(chain, { key: leaf, tool: "search", args: ARGS, now, aud: AUDIENCE, jti: `b-${k++}` });
      if (!p.ok) throw new Error(p.message);
      return p.value;
    });
  const time = async (f: (p: unknown) => Promise<unknown>) => {
    for (const p of pops(200)) await f(p);
    const list = pops(n);
    const t = performance.now();
    for (const p of list) await f(p);
    return Math.round(((performance.now() - t) / n) * 1000);
  };
  const out: Record<string, number> = {};
  const verifier = new Verifier({ trustAnchors, audience: AUDIENCE });
  out["core Verifier (chain cached, no state)"] = await time((p) =>
    verifier.verify({ presentation: p, tool: "search", args: ARGS, now }),
  );
  const memory = new MemoryStore();
  const t1 = new Trust(config, { store: memory, revocations: await RevocationState.open(memory) });
  out["Trust.verify, memory store"] = await time((p) =>
    t1.verify({ presentation: p, tool: "search", args: ARGS }),
  );
  await t1.close();
  const dir = mkdtempSync(join(existsSync(TMPFS) ? TMPFS : tmpdir(), "baton-bench-"));
  try {
    const sqlite = openSqliteStore({ path: join(dir, "baton.db") });
    const t2 = new Trust(config, { store: sqlite, revocations: await RevocationState.open(sqlite) });
    out["Trust.verify, SQLite on tmpfs"] = await time((p) =>
      t2.verify({ presentation: p, tool: "search", args: ARGS }),
    );
    const app = await buildApp(t2, { logger: false, rateLimit: false });
    out["inject POST /v1/verify, SQLite on tmpfs"] = await time((p) =>
      app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: { ...(p as object), tool: "search", args: ARGS },
      }),
    );
    await app.close();
    await t2.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** Runs both measurements and returns the figures. */
export async function runHttpBench(o: HttpBenchOptions = {}): Promise<HttpBenchResult> {
  const duration = o.duration ?? 5;
  const connections = o.connections ?? 16;
  const now = Math.floor(Date.now() / 1000);
  const { chain, leaf, anchor } = chain3(now);
  const inProcess = await breakdown(chain, leaf, anchor, now);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: process.execArgv.length > 0 ? process.execArgv : ["--import", "tsx"],
    env: { ...process.env, BENCH_ANCHOR_JWK: JSON.stringify(anchor.publicJwk) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const ready = await new Promise<ServerReady>((resolve, reject) => {
      child.once("message", (m) => resolve(m as ServerReady));
      child.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
    });
    const pick = (r: CannonResult): RunFigures => ({
      reqPerSec: Math.round(r.requests.average),
      p99Ms: r.latency.p99,
      avgMs: Math.round(r.latency.average * 100) / 100,
      requests: r.requests.total,
      non2xx: r.non2xx,
    });
    const runVerify = async (url: string, tag: string) => {
      // Warm: verified-token cache, registry records, SQLite pages, JIT.
      await cannon(url, 4, 1, cycling("/v1/verify", bodies(chain, leaf, now, 400, `warm-${tag}`)));
      // Enough fresh PoPs that none repeats within the run (a repeat would be denied `replayed`).
      const fresh = bodies(chain, leaf, Math.floor(Date.now() / 1000), 30_000, tag);
      const before = await decisionsOf(url);
      const r = await cannon(url, connections, duration, cycling("/v1/verify", fresh));
      return { figures: pick(r), decisions: diff(await decisionsOf(url), before), fresh };
    };
    const tmpfs = await runVerify(ready.tmpfs, "tmpfs");
    const disk = await runVerify(ready.disk, "disk");
    const noop = pick(await cannon(ready.noop, connections, duration, cycling("/noop", disk.fresh)));
    const ratio = (x: RunFigures) => Math.round((x.reqPerSec / noop.reqPerSec) * 100) / 100;
    return {
      verifyTmpfs: { ...tmpfs.figures, ratio: ratio(tmpfs.figures), decisions: tmpfs.decisions },
      verifyDisk: { ...disk.figures, ratio: ratio(disk.figures), decisions: disk.decisions },
      noop,
      breakdownUs: inProcess,
      cores: availableParallelism(),
      loadAverage: Math.round((loadavg()[0] ?? 0) * 10) / 10,
      connections,
      duration,
    };
  } finally {
    child.send?.("stop");
    await new Promise((resolve) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        resolve(null);
      }, 5000);
      child.once("exit", () => {
        clearTimeout(t);
        resolve(null);
      });
    });
  }
}

export function printHttpBench(r: HttpBenchResult): void {
  const row = (name: string, x: RunFigures, ratio?: number) =>
    `| ${name} | ${x.reqPerSec} | ${ratio ?? "1"} | ${x.avgMs} | ${x.p99Ms} | ${x.requests} | ${x.non2xx} |`;
  console.log(`autocannon, ${r.connections} connections, ${r.duration} s per run`);
  console.log("| route | req/s | ratio to no-op | mean ms | p99 ms | requests | non-2xx |");
  console.log("|---|---|---|---|---|---|---|");
  console.log(row("POST /v1/verify, SQLite on tmpfs", r.verifyTmpfs, r.verifyTmpfs.ratio));
  console.log(row("POST /v1/verify, SQLite on disk (fsync)", r.verifyDisk, r.verifyDisk.ratio));
  console.log(row("POST /noop (same body, bare fastify)", r.noop));
  console.log(
    "\n3-token chain, fresh PoP per request, every decision audited, PoP jti in the ledger. Target ratio ≥ 0.5.",
  );
  console.log("\nin-process µs per verify call (no network, no load generator):");
  for (const [name, us] of Object.entries(r.breakdownUs)) console.log(`  ${name}: ${us} µs`);
  console.log(
    `decisions (tmpfs run): ${JSON.stringify(r.verifyTmpfs.decisions)}; (disk run): ${JSON.stringify(r.verifyDisk.decisions)}`,
  );
  console.log(
    `note: server (child process) and autocannon (this process) share this machine's ${r.cores} cores; load average ${r.loadAverage} at the end. Compare ratios, not absolute req/s.`,
  );
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invoked) {
  if (process.argv.includes("--serve")) {
    await serve();
  } else {
    const arg = (name: string) => {
      const i = process.argv.indexOf(name);
      return i >= 0 ? Number(process.argv[i + 1]) : undefined;
    };
    const duration = arg("--duration");
    const connections = arg("--connections");
    printHttpBench(
      await runHttpBench({
        ...(duration !== undefined ? { duration } : {}),
        ...(connections !== undefined ? { connections } : {}),
      }),
    );
  }
}
