/**
 * Issue 9, the CLI's smaller items: `prove` always sets aud (item 10), `verify --approval` without
 * `--approver` is refused, `serve` takes `--aud` and `--approval-threshold` and its help states
 * the true precedence and every BATON_* variable, group help describes subcommands, `-V`.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AgentKey, grant } from "../../src/core/index.ts";
import { BIN, baton, expectUsageError, tempDir } from "./helpers.ts";

const ISSUER = "https://people.acme.example/alice";
const EP = "https://tools.acme.example";
const person = AgentKey.fromSeed(new Uint8Array(32).fill(31), "person");
const agent = AgentKey.fromSeed(new Uint8Array(32).fill(32), "agent");
const approverKey = AgentKey.fromSeed(new Uint8Array(32).fill(33), "approver");

let dir: string;
const run = (args: string[], env?: Record<string, string>) =>
  baton(args, { cwd: dir, ...(env ? { env } : {}) });

beforeAll(() => {
  dir = tempDir("options");
  writeFileSync(join(dir, "anchors.json"), JSON.stringify([{ issuer: ISSUER, jwk: person.publicJwk }]));
  writeFileSync(join(dir, "agent.key"), JSON.stringify(agent.toPrivateJwk()), { mode: 0o600 });
  writeFileSync(join(dir, "approver.pub.json"), JSON.stringify(approverKey.publicJwk));
  const root = grant({
    key: person,
    issuer: ISSUER,
    to: agent.publicJwk,
    tools: { t: {} },
    ttl: 600,
    maxDepth: 1,
    now: Math.floor(Date.now() / 1000),
  });
  if (!root.ok) throw new Error(root.message);
  writeFileSync(join(dir, "chain.json"), JSON.stringify(root.value));
  writeFileSync(join(dir, "call.json"), JSON.stringify({ aat_chain: root.value, aat_pop: "a.b.c" }));
  writeFileSync(join(dir, "approval.jws"), "aaa.bbb.ccc\n");
});

describe("baton prove", () => {
  it("refuses to sign a PoP without --aud, saying what to add", async () => {
    const r = await run([
      "prove",
      "--chain",
      "chain.json",
      "--key",
      "agent.key",
      "--tool",
      "t",
      "--args",
      "{}",
    ]);
    expect(expectUsageError(r)).toMatch(/^baton: missing --aud EP: the enforcement point that will receive/);
    const ok = await run([
      "prove",
      ...["--chain", "chain.json", "--key", "agent.key", "--tool", "t", "--args", "{}", "--aud", EP],
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const pop = (JSON.parse(ok.stdout) as { aat_pop: string }).aat_pop;
    const payload = JSON.parse(Buffer.from(pop.split(".")[1] as string, "base64url").toString("utf8"));
    expect(payload.aat_aud).toBe(EP);
  });
});

describe("baton verify --approval", () => {
  it("without --approver is bad input (exit 2), not a silently ignored approval", async () => {
    const base = ["verify", "--presentation", "call.json", "--tool", "t", "--args", "{}"];
    const local = ["--trust", "anchors.json", "--aud", EP, "--approval", "approval.jws"];
    const r = await run([...base, ...local]);
    expect(expectUsageError(r)).toContain("--approval needs --approver KEY");
    const t = await run([...base, ...local, "--approver", "approver.pub.json", "--approval-threshold", "2"]);
    expect(expectUsageError(t)).toContain("--approval-threshold 2 needs at least 2 --approver key files");
  });
});

describe("help and version", () => {
  it("-V and --version print the version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    for (const f of ["-V", "--version"]) expect((await run([f])).stdout).toBe(`baton ${pkg.version}\n`);
  });

  it("anchor --help and audit --help describe their subcommands", async () => {
    const audit = await run(["audit", "--help"]);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain("hash-chained audit log");
    for (const sub of ["tail", "check", "export"])
      expect(audit.stdout).toMatch(new RegExp(`  audit ${sub} +\\S`));
    expect(audit.stdout).toContain("baton audit tail [--db PATH | --server URL]");
    expect((await run(["help", "audit"])).stdout).toBe(audit.stdout);
    const anchor = await run(["anchor", "--help"]);
    expect(anchor.stdout).toMatch(/ {2}anchor add +add a trust anchor/);
  });

  it("serve --help states that flags override the environment and lists every BATON_* variable", async () => {
    const help = (await run(["serve", "--help"])).stdout;
    expect(help).toContain("a flag overrides the environment, which overrides the config file");
    const load = readFileSync(new URL("../../src/config/load.ts", import.meta.url), "utf8");
    const vars = [...new Set([...load.matchAll(/\b(BATON_[A-Z_]+)\b/g)].map((m) => m[1] as string))];
    expect(vars.length).toBeGreaterThanOrEqual(8);
    for (const v of vars) expect(help).toContain(v);
    expect(help).toContain("--aud EP");
    expect(help).toContain("--approval-threshold N");
  });
});

/** Starts `baton serve` and returns its first stdout line once it has one, then stops it. */
function serveFirstLine(
  args: string[],
  env: Record<string, string>,
): Promise<{ line: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("baton listening")) child.kill("SIGTERM");
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.includes("baton listening")) ?? "";
      resolve({ line, code, stderr: err });
    });
  });
}

describe("baton serve", () => {
  it("--aud sets the service's audience over BATON_AUDIENCE; the listening line is JSON", async () => {
    const r = await serveFirstLine(
      ["--db", "serve.db", "--trust", "anchors.json", "--port", "0", "--aud", EP],
      { BATON_AUDIENCE: "https://from-env.example" },
    );
    expect(r.line, r.stderr).not.toBe("");
    const entry = JSON.parse(r.line) as { msg: string; url: string; audience: unknown };
    expect(entry.msg).toBe("baton listening");
    expect(entry.url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
    expect(entry.audience).toBe(EP);
  });

  it("--approval-threshold is the config's approvalThreshold (checked against the approver keys)", async () => {
    const r = await run(["serve", "--db", "serve.db", "--port", "0", "--approval-threshold", "2"]);
    expect(expectUsageError(r)).toContain(
      "approvalThreshold: 2 approvers are required but only 0 approver key(s) are configured",
    );
    const env = await run(["serve", "--db", "serve.db", "--port", "0"], { BATON_APPROVAL_THRESHOLD: "3" });
    expect(expectUsageError(env)).toContain("approvalThreshold: 3 approvers are required");
  });
});
