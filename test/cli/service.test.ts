import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentKey, derive, grant, prove } from "../../src/core/index.ts";
import { BIN, baton, exact, tempDir, wildcard } from "./helpers.ts";

// Keys and chains are made in-process (the flow suite covers issuing them with the CLI); every
// command under test here is the real binary, talking to a real `baton serve`.
const ISSUER = "https://people.acme.example/alice";
const EP = "https://tools.acme.example";
const TOOLS = { search_issues: { repo: exact("acme/site"), query: wildcard } };
const CALL = { repo: "acme/site", query: "is:open" };
const person = AgentKey.fromSeed(new Uint8Array(32).fill(11), "person");
const orchestrator = AgentKey.fromSeed(new Uint8Array(32).fill(12), "orchestrator");
const researcher = AgentKey.fromSeed(new Uint8Array(32).fill(13), "researcher");

let dir: string;
let url: string;
let server: ChildProcess;
let chain: string[];
const run = (args: string[]) => baton(args, { cwd: dir });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function present(name: string): void {
  const now = Math.floor(Date.now() / 1000);
  const p = prove(chain, { key: researcher, tool: "search_issues", args: CALL, aud: EP, now });
  if (!p.ok) throw new Error(p.message);
  writeFileSync(join(dir, name), JSON.stringify(p.value));
}

beforeAll(async () => {
  dir = tempDir("service");
  const now = Math.floor(Date.now() / 1000);
  for (const k of [person, orchestrator, researcher]) {
    writeFileSync(join(dir, `${k.name}.key`), JSON.stringify(k.toPrivateJwk()), { mode: 0o600 });
  }
  writeFileSync(join(dir, "anchors.json"), JSON.stringify([{ issuer: ISSUER, jwk: person.publicJwk }]));
  const root = grant({
    key: person,
    issuer: ISSUER,
    to: orchestrator,
    tools: TOOLS,
    ttl: 900,
    maxDepth: 2,
    now,
    intent: { id: "triage-7", purpose: "triage issues in repo acme/site" },
  });
  if (!root.ok) throw new Error(root.message);
  writeFileSync(join(dir, "root.chain.json"), JSON.stringify(root.value));
  const d = derive(root.value, { key: orchestrator, to: researcher, tools: TOOLS, ttl: 300, now });
  if (!d.ok) throw new Error(d.message);
  chain = d.value;
  writeFileSync(join(dir, "researcher.chain.json"), JSON.stringify(chain));

  const port = await freePort();
  server = spawn(
    process.execPath,
    [BIN, "serve", "--db", "db/baton.db", "--trust", "anchors.json", "--port", String(port)],
    {
      cwd: dir,
      env: { ...process.env, BATON_AUDIENCE: EP, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  url = await new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    server.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      // Every stdout line is JSON, the "listening" one included.
      for (const line of out.split("\n").slice(0, -1)) {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === "baton listening" && entry.url) resolve(entry.url);
      }
    });
    server.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    server.once("exit", (code) => reject(new Error(`baton serve exited ${code}: ${err}`)));
  });
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
});

const verifyArgs = (presentation: string, args: object) => [
  "verify",
  "--presentation",
  presentation,
  "--tool",
  "search_issues",
  "--args",
  JSON.stringify(args),
  "--server",
  url,
  "--json",
];

describe("against a running `baton serve`", () => {
  it("verifies, revokes and audits through the service", async () => {
    present("call.json");
    const [permit, deny, inspect] = await Promise.all([
      run(verifyArgs("call.json", CALL)),
      run(verifyArgs("call.json", { repo: "acme/billing", query: "x" })),
      run(["inspect", "researcher.chain.json", "--server", url, "--trust", "anchors.json"]),
    ]);
    expect(permit.code, permit.stderr).toBe(0);
    expect(Object.keys(JSON.parse(permit.stdout))).toEqual([
      "allow",
      "code",
      "step",
      "token",
      "message",
      "intent",
      "holder",
    ]);
    expect(JSON.parse(permit.stdout)).toMatchObject({
      allow: true,
      code: "permitted",
      intent: "triage-7",
      holder: researcher.id,
    });
    expect(deny.code).toBe(1);
    expect(JSON.parse(deny.stdout)).toMatchObject({
      allow: false,
      code: "args_rejected",
      step: "6b",
      token: 1,
    });
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain("chain of 2 tokens");

    const jti = JSON.parse(Buffer.from(chain[1]?.split(".")[1] ?? "", "base64url").toString("utf8"))
      .jti as string;
    const byHolder = await run([
      "revoke",
      "--key",
      "researcher.key",
      "--token",
      jti,
      "--chain",
      "researcher.chain.json",
      "--aud",
      EP,
      "--server",
      url,
    ]);
    expect(byHolder.code).toBe(1);
    expect(byHolder.stdout).toMatch(/^✗ refused \(revocation_unauthorized\): /);
    // Signed for another service (by default the --server URL, which is not this service's id).
    const elsewhere = await run([
      "revoke",
      "--key",
      "orchestrator.key",
      "--token",
      jti,
      "--chain",
      "researcher.chain.json",
      "--server",
      url,
    ]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).toMatch(/^✗ refused \(revocation_wrong_audience\): the request is for aud /);
    const byDelegator = await run([
      "revoke",
      "--key",
      "orchestrator.key",
      "--token",
      jti,
      "--chain",
      "researcher.chain.json",
      "--reason",
      "task done",
      "--aud",
      EP,
      "--server",
      url,
      "--json",
    ]);
    expect(byDelegator.code, byDelegator.stderr).toBe(0);
    const revoked = JSON.parse(byDelegator.stdout);
    expect(revoked).toMatchObject({
      ok: true,
      created: true,
      record: { target: { kind: "token" }, reason: "task done", actor: orchestrator.id },
    });

    present("after.json");
    const after = await run(verifyArgs("after.json", CALL));
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ allow: false, code: "revoked", token: 1 });

    const [tail, check, exported] = await Promise.all([
      run(["audit", "tail", "--server", url, "-n", "2", "--json"]),
      run(["audit", "check", "--server", url, "--json"]),
      run(["audit", "export", "--server", url, "--out", "audit.jsonl"]),
    ]);
    expect(tail.code, tail.stderr).toBe(0);
    const events = (JSON.parse(tail.stdout) as { events: { type: string; data: { code?: string } }[] })
      .events;
    expect(events.map((e) => e.type)).toEqual(["revocation", "decision"]);
    expect(events[1]?.data.code).toBe("revoked");
    expect(check.code).toBe(0);
    const checked = JSON.parse(check.stdout) as { ok: boolean; count: number };
    expect(checked.ok).toBe(true);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = readFileSync(join(dir, "audit.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(checked.count);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ id: 1 });
  });

  it("reads and revokes through the local database once the service has stopped", async () => {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
    const [check, tail] = await Promise.all([
      run(["audit", "check", "--db", "db/baton.db"]),
      run(["audit", "tail", "--db", "db/baton.db", "-n", "1"]),
    ]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/^✓ audit log intact: \d+ events/);
    expect(tail.stdout).toMatch(/decision DENY revoked search_issues/);
    const local = await run([
      "revoke",
      "--key",
      "person.key",
      "--intent",
      "triage-7",
      "--chain",
      "root.chain.json",
      "--db",
      "db/baton.db",
      "--trust",
      "anchors.json",
    ]);
    expect(local.code, local.stderr).toBe(0);
    // Without a chain, a revocation by id is global: an admin key's alone, not the anchor's.
    const global = await run([
      "revoke",
      "--key",
      "person.key",
      "--token",
      "some-jti",
      "--db",
      "db/baton.db",
      "--trust",
      "anchors.json",
    ]);
    expect(global.code, global.stderr).toBe(1);
    expect(global.stdout).toMatch(/^✗ refused \(revocation_unauthorized\): .*needs an admin key/);
    // person is the trust anchor: inside its own tree, an intent is narrowed to the carried root token.
    expect(local.stdout).toMatch(
      /^✓ revoked token sha256:\S+ \(intent triage-7, narrowed to the carried tree\) \(seq \d+\)/,
    );
  });
});
