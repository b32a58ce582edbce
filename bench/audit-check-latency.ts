/**
 * Verify latency while an audit check runs (issue 9 item 3).
 *
 *   node --import tsx bench/audit-check-latency.ts [--rows 200000]
 *
 * Seeds a SQLite log with N chained events (one transaction, behind the store's back), starts the
 * service on it, then sends sequential `POST /v1/verify` calls (fresh PoP each, every one a
 * permit) first while idle, then while `GET /v1/audit/check` walks the whole log, and prints the
 * latency percentiles of both phases. Server and client share one process and event loop, so a
 * frozen loop shows up directly in the latencies.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseConfig } from "../src/config/schema.ts";
import { GENESIS_HASH, sealAuditEvent } from "../src/core/audit/chain.ts";
import { grant, prove } from "../src/core/chain/issue.ts";
import { AgentKey } from "../src/core/keys/agent-key.ts";
import { startServer } from "../src/service/server.ts";
import { openSqliteStore } from "../src/store/sqlite.ts";

const ISSUER = "https://principal.bench";
const AUDIENCE = "https://tools.bench";
const rowsArg = process.argv.indexOf("--rows");
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 200_000;

function seed(path: string): void {
  void openSqliteStore({ path }).close();
  const db = new Database(path);
  const insert = db.prepare(
    "INSERT INTO baton_audit (id, at, type, intent, agent, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  db.transaction(() => {
    let head = { lastId: 0, lastHash: GENESIS_HASH };
    for (let i = 1; i <= ROWS; i++) {
      const e = sealAuditEvent(
        {
          type: "decision",
          intent: "load",
          at: 1_700_000_000_000 + i,
          data: { allow: true, code: "permitted", jtis: [`j-${i}`] },
        },
        head,
      );
      insert.run(e.id, e.at, e.type, e.intent ?? null, null, JSON.stringify(e.data), e.prev_hash, e.hash);
      head = { lastId: e.id, lastHash: e.hash };
    }
    db.prepare("UPDATE baton_audit_head SET last_id = ?, last_hash = ? WHERE one = 1").run(
      head.lastId,
      head.lastHash,
    );
  })();
  db.close();
}

function percentiles(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? 0).toFixed(1);
  return `n=${s.length} p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${(s.at(-1) ?? 0).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "baton-check-bench-"));
  const path = join(dir, "baton.db");
  const t0 = performance.now();
  seed(path);
  console.log(`seeded ${ROWS} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const anchor = AgentKey.fromSeed(new Uint8Array(32).fill(0x51));
  const agent = AgentKey.fromSeed(new Uint8Array(32).fill(0x52));
  const config = parseConfig({
    audience: AUDIENCE,
    trustAnchors: [{ issuer: ISSUER, jwk: anchor.publicJwk }],
    store: { path },
    server: { port: 0, logLevel: "silent", rateLimit: false },
  });
  const server = await startServer(config, { logger: false, signals: false, pruneIntervalMs: 0 });
  const now = Math.floor(Date.now() / 1000);
  const tools = { search: { query: { constraint_type: "wildcard" as const } } };
  const g = grant({
    key: anchor,
    issuer: ISSUER,
    to: agent,
    tools,
    ttl: 3600,
    maxDepth: 2,
    now,
    aud: AUDIENCE,
  });
  if (!g.ok) throw new Error(g.message);
  let n = 0;
  const verifyOnce = async (): Promise<number> => {
    const args = { query: "q" };
    const p = prove(g.value, {
      key: agent,
      tool: "search",
      args,
      now: Math.floor(Date.now() / 1000),
      aud: AUDIENCE,
      jti: `b-${n++}`,
    });
    if (!p.ok) throw new Error(p.message);
    const started = performance.now();
    const res = await fetch(`${server.url}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...p.value, tool: "search", args }),
    });
    const body = (await res.json()) as { allow?: boolean; code?: string };
    if (!body.allow) throw new Error(`verify denied: ${body.code}`);
    return performance.now() - started;
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 10));

  const idle: number[] = [];
  for (let i = 0; i < 150; i++) {
    idle.push(await verifyOnce());
    await pause();
  }
  const during: number[] = [];
  let done = false;
  const checkStarted = performance.now();
  const check = fetch(`${server.url}/v1/audit/check`).then(async (r) => {
    done = true;
    return (await r.json()) as { ok: boolean; count?: number };
  });
  while (!done) {
    during.push(await verifyOnce());
    await pause();
  }
  const result = await check;
  const checkMs = performance.now() - checkStarted;
  console.log(`audit check: ok=${result.ok} count=${result.count} in ${(checkMs / 1000).toFixed(1)} s`);
  console.log(`verify idle:         ${percentiles(idle)}`);
  console.log(`verify during check: ${percentiles(during)}`);
  console.log(`load average (1 min): ${loadavg()[0]?.toFixed(1)} on this shared machine`);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
