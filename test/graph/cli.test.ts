import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphCommand } from "../../src/cli/commands/graph.ts";
import type { CliContext } from "../../src/cli/context.ts";
import type { Graph } from "../../src/core/graph/index.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import { graphApp } from "./app.ts";
import { INTENT, mallory, NOW, type Scenario, seedScenario } from "./scenario.ts";

function context(color = false): CliContext & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: {
      write: (t) => {
        out += t;
      },
    },
    stderr: {
      write: (t) => {
        err += t;
      },
    },
    readStdin: async () => "",
    env: {},
    color,
    now: () => NOW + 100,
    out: () => out,
    err: () => err,
  };
}

let dir: string;
let db: string;
let s: Scenario;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "baton-graph-"));
  db = join(dir, "baton.db");
  const store = await openSqliteStore({ path: db, clock: () => NOW * 1000 });
  s = await seedScenario(store);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("baton graph", () => {
  it("prints the intent as a tree from a local database, with the findings", async () => {
    const ctx = context();
    expect(await graphCommand(["--intent", INTENT.id, "--db", db, "--findings"], ctx)).toBe(0);
    const out = ctx.out();
    expect(out).toContain(`intent ${INTENT.id} — ${INTENT.purpose}`);
    expect(out).toMatch(/^[├└]── ✗ orchestrator → fixer/m); // siblings are ordered by iat, then jti
    expect(out).toMatch(/^[│ ] {3}└── ✗ fixer → mallory/m);
    expect(out).toContain("revoked by ancestor");
    expect(out).toContain("F-REPEATED-DENIALS");
    expect(out).not.toContain("\u001b["); // no colour without a terminal
  });

  it("colours statuses only when the context allows colour", async () => {
    const ctx = context(true);
    expect(await graphCommand(["--intent", INTENT.id, "--db", db], ctx)).toBe(0);
    expect(ctx.out()).toContain("\u001b[31m✗\u001b[39m");
    expect(ctx.out()).not.toContain("findings (");
  });

  it("prints DOT, Mermaid and JSON", async () => {
    const dot = context();
    await graphCommand(["--intent", INTENT.id, "--db", db, "--format", "dot"], dot);
    expect(dot.out()).toMatch(/^digraph baton \{/);
    const mermaid = context();
    await graphCommand(["--intent", INTENT.id, "--db", db, "--format", "mermaid"], mermaid);
    expect(mermaid.out()).toMatch(/^flowchart TD/);
    const json = context();
    await graphCommand(["--intent", INTENT.id, "--db", db, "--format", "json"], json);
    expect((JSON.parse(json.out()) as Graph).nodes).toHaveLength(4);
    const findings = context();
    await graphCommand(["--intent", INTENT.id, "--db", db, "--json", "--findings"], findings);
    expect((JSON.parse(findings.out()) as { id: string }[]).map((f) => f.id)).toContain("F-KEY-REUSE");
  });

  it("shows an agent's view", async () => {
    const ctx = context();
    expect(await graphCommand(["--agent", mallory.id, "--db", db], ctx)).toBe(0);
    expect(ctx.out()).toContain("agent mallory");
    expect(ctx.out()).toContain("holds 1, issued 0");
  });

  it("asks a running service with --server", async () => {
    const store = new MemoryStore({ clock: () => NOW * 1000 });
    await seedScenario(store);
    const app = await graphApp({ store, clock: () => (NOW + 100) * 1000, pollIntervalMs: 0, ui: false });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const ctx = context();
      expect(await graphCommand(["--intent", INTENT.id, "--server", url], ctx)).toBe(0);
      expect(ctx.out()).toContain("fixer → mallory");
      const missing = context();
      expect(await graphCommand(["--intent", "nope", "--server", url], missing)).toBe(2);
      expect(missing.err()).toContain("knows no token of intent");
    } finally {
      await app.close();
    }
  });

  it("refuses bad input with exit 2 and one line", async () => {
    const cases: [string[], string][] = [
      [["--db", db], "exactly one of --intent ID and --agent ID"],
      [["--intent", "a", "--agent", "b", "--db", db], "exactly one of"],
      [["--intent", INTENT.id, "--db", db, "--format", "svg"], "--format must be one of"],
      [["--intent", INTENT.id, "--db", join(dir, "missing.db")], "no Baton database at"],
      [["--intent", "nope", "--db", db], 'no token of intent "nope"'],
      [["--intent", INTENT.id, "--db", db, "--server", "http://127.0.0.1:1"], "not both"],
    ];
    for (const [argv, message] of cases) {
      const ctx = context();
      expect(await graphCommand(argv, ctx), argv.join(" ")).toBe(2);
      expect(ctx.err()).toContain(message);
      expect(ctx.err().trim().split("\n")).toHaveLength(1);
    }
  });

  it("prints its help", async () => {
    const ctx = context();
    expect(await graphCommand(["--help"], ctx)).toBe(0);
    expect(ctx.out()).toContain("Usage: baton graph (--intent ID | --agent ID)");
    expect(s.jti.root).toBeTruthy();
  });
});
