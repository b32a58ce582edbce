/**
 * Issue 10 §5, one door per edge: a local `baton verify --db D` goes through the trust facade on D,
 * so it sees what `baton revoke --db D` did, consumes each PoP in D's ledger and writes D's audit.
 * Every command here is the real binary.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baton, tempDir } from "./helpers.ts";

const ISSUER = "https://people.acme.example/alice";
const EP = "https://tools.acme.example";
const TOOLS = JSON.stringify({ search_issues: { repo: { constraint_type: "exact", value: "acme/site" } } });
const ARGS = JSON.stringify({ repo: "acme/site" });

let dir: string;
const run = (args: string[]) => baton(args, { cwd: dir });
const prove = (out: string) =>
  run([
    "prove",
    ...["--chain", "fixer.chain", "--key", "fixer.key", "--tool", "search_issues", "--args", ARGS],
    ...["--aud", EP, "--out", out],
  ]);
const verify = (presentation: string) =>
  run([
    "verify",
    ...["--presentation", presentation, "--tool", "search_issues", "--args", ARGS],
    ...["--trust", "anchors.json", "--aud", EP, "--db", "state.db", "--json"],
  ]);

beforeAll(async () => {
  dir = tempDir("state");
  for (const n of ["alice", "orch", "fixer"]) {
    expect((await run(["keygen", "--out", `${n}.key`, "--name", n])).code).toBe(0);
  }
  expect(
    (await run(["anchor", "add", "--key", "alice.key", "--issuer", ISSUER, "--out", "anchors.json"])).code,
  ).toBe(0);
  const g = await run([
    "grant",
    ...["--key", "alice.key", "--issuer", ISSUER, "--to", "orch.key", "--intent-id", "state-1"],
    ...["--purpose", "triage", "--tools", TOOLS, "--ttl", "15m", "--max-depth", "2", "--out", "root.chain"],
    ...["--record", "--db", "state.db", "--trust", "anchors.json"],
  ]);
  expect(g.code, g.stderr).toBe(0);
  const d = await run([
    "derive",
    ...["--chain", "root.chain", "--key", "orch.key", "--to", "fixer.key", "--tools", TOOLS, "--ttl", "5m"],
    ...["--out", "fixer.chain", "--record", "--db", "state.db", "--trust", "anchors.json"],
  ]);
  expect(d.code, d.stderr).toBe(0);
  writeFileSync(join(dir, "args.json"), ARGS);
});

describe("baton verify --db", () => {
  it("permits once, then denies the same PoP as a replay, and audits both", async () => {
    expect((await prove("call1.json")).code).toBe(0);
    const first = await verify("call1.json");
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ allow: true, code: "permitted" });
    const again = await verify("call1.json");
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ allow: false, code: "replayed" });
    const tail = await run(["audit", "tail", "--db", "state.db", "--json"]);
    const decisions = (
      JSON.parse(tail.stdout) as { events: { type: string; data: { code: string } }[] }
    ).events
      .filter((e) => e.type === "decision")
      .map((e) => e.data.code);
    expect(decisions).toEqual(["permitted", "replayed"]);
  });

  it("denies a fresh PoP under a token that baton revoke --db revoked", async () => {
    const jti = (
      JSON.parse((await run(["inspect", "fixer.chain", "--json"])).stdout) as {
        tokens: { jti: string }[];
      }
    ).tokens[1]?.jti as string;
    const revoked = await run([
      "revoke",
      ...["--key", "orch.key", "--token", jti, "--chain", "fixer.chain"],
      ...["--db", "state.db", "--trust", "anchors.json", "--reason", "done"],
    ]);
    expect(revoked.code, revoked.stderr + revoked.stdout).toBe(0);
    expect((await prove("call2.json")).code).toBe(0);
    const after = await verify("call2.json");
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ allow: false, code: "revoked" });
    // Without --db nothing is remembered: the same fresh PoP still verifies on an in-process store.
    const ephemeral = await run([
      "verify",
      ...["--presentation", "call2.json", "--tool", "search_issues", "--args", ARGS],
      ...["--trust", "anchors.json", "--aud", EP, "--json"],
    ]);
    expect(JSON.parse(ephemeral.stdout)).toMatchObject({ allow: true });
  });
});
