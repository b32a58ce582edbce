import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baton, exact, expectUsageError, pipeline, readJson, tempDir, under, wildcard } from "./helpers.ts";

const ISSUER = "https://people.acme.example/alice";
const EP = "https://tools.acme.example";
const ROOT_TOOLS = {
  search_issues: { repo: exact("acme/site"), query: wildcard },
  write_file: { path: under("/repo/acme/site"), content: wildcard },
};
const SEARCH_TOOLS = { search_issues: { repo: exact("acme/site"), query: wildcard } };
const NARROW_SEARCH = { search_issues: { repo: exact("acme/site"), query: exact("is:open") } };
const CALL = { repo: "acme/site", query: "is:open" };
const DECISION_KEYS = ["allow", "code", "step", "token", "message", "intent", "holder"];
/** Tokens are issued "now" by a fixed clock, so the narrowing of TTLs is exact. */
const NOW = String(Math.floor(Date.now() / 1000));

let dir: string;
const ids: Record<string, string> = {};
const run = (args: string[], input?: string) =>
  baton(args, { cwd: dir, ...(input !== undefined ? { input } : {}) });

function grantArgs(extra: string[] = []): string[] {
  return [
    "grant",
    "--key",
    "keys/person.key",
    "--issuer",
    ISSUER,
    "--to",
    "orchestrator.pub.json",
    "--intent-id",
    "triage-42",
    "--purpose",
    "triage issues in repo acme/site",
    "--tools",
    JSON.stringify(ROOT_TOOLS),
    "--ttl",
    "30m",
    "--max-depth",
    "3",
    "--now",
    NOW,
    "--approve",
    "write_*",
    ...extra,
  ];
}

beforeAll(async () => {
  dir = tempDir("flow");
  mkdirSync(join(dir, "keys"));
  const names = ["person", "orchestrator", "researcher", "fixer"];
  const made = await Promise.all(
    names.map((n) => run(["keygen", "--out", `keys/${n}.key`, "--name", n, "--json"])),
  );
  made.forEach((r, i) => {
    expect(r.code, r.stderr).toBe(0);
    ids[names[i] as string] = (JSON.parse(r.stdout) as { id: string }).id;
  });
  const pub = await run(["id", "keys/orchestrator.key", "--json"]);
  writeFileSync(join(dir, "orchestrator.pub.json"), pub.stdout);
  const anchor = await run([
    "anchor",
    "add",
    "--key",
    "keys/person.key",
    "--issuer",
    ISSUER,
    "--out",
    "anchors.json",
  ]);
  expect(anchor.code, anchor.stderr).toBe(0);
});

describe("baton keygen, id and anchor add", () => {
  it("writes a 0600 private key, prints its id, and refuses to overwrite it without --force", async () => {
    const file = join(dir, "keys/person.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const jwk = readJson(file) as Record<string, string>;
    expect(Object.keys(jwk).sort()).toEqual(["crv", "d", "kty", "name", "x"]);
    expect(ids.person).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:[A-Za-z0-9_-]{43}$/);

    const [again, forced, human] = await Promise.all([
      run(["keygen", "--out", "keys/person.key"]),
      run(["keygen", "--out", "keys/spare.key", "--json"]).then(() =>
        run(["keygen", "--out", "keys/spare.key", "--force"]),
      ),
      run(["id", "keys/person.key"]),
    ]);
    expect(expectUsageError(again)).toMatch(/already exists; pass --force/);
    expect(forced.code).toBe(0);
    expect(forced.stdout.trim()).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:/);
    expect(human.stdout.split("\n")[0]).toBe(ids.person);
  });

  it("prints the same id and public JWK for a private and a public key file", () => {
    const pub = readJson(join(dir, "orchestrator.pub.json")) as { id: string; jwk: Record<string, string> };
    expect(Object.keys(pub)).toEqual(["id", "jwk"]);
    expect(pub.id).toBe(ids.orchestrator);
    expect(Object.keys(pub.jwk).sort()).toEqual(["crv", "kty", "x"]);
  });

  it("keeps public keys only in the anchors file, and refuses a duplicate issuer with another key", async () => {
    const anchors = readJson(join(dir, "anchors.json")) as { issuer: string; jwk: Record<string, string> }[];
    expect(anchors).toHaveLength(1);
    expect(anchors[0]?.issuer).toBe(ISSUER);
    expect(Object.keys(anchors[0]?.jwk ?? {}).sort()).toEqual(["crv", "kty", "x"]);
    const [same, other] = await Promise.all([
      run([
        "anchor",
        "add",
        "--key",
        "keys/person.key",
        "--issuer",
        ISSUER,
        "--out",
        "anchors.json",
        "--json",
      ]),
      run(["anchor", "add", "--key", "keys/fixer.key", "--issuer", ISSUER, "--out", "anchors.json"]),
    ]);
    expect(same.code).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ added: false, anchors: 1, id: ids.person });
    expect(expectUsageError(other)).toMatch(/already binds issuer .* to a different key/);
  });
});

describe("grant → derive → derive → prove → verify", () => {
  it("permits a call through files, and denies one outside the leaf's scope", async () => {
    const granted = await run(grantArgs(["--out", "root.chain.json"]));
    expect(granted.code, granted.stderr).toBe(0);
    expect(readJson(join(dir, "root.chain.json"))).toHaveLength(1);

    const d1 = await run([
      "derive",
      "--chain",
      "root.chain.json",
      "--key",
      "keys/orchestrator.key",
      "--to",
      "keys/researcher.key",
      "--tools",
      JSON.stringify(SEARCH_TOOLS),
      "--ttl",
      "20m",
      "--max-depth",
      "2",
      "--now",
      NOW,
      "--out",
      "researcher.chain.json",
    ]);
    expect(d1.code, d1.stderr).toBe(0);
    writeFileSync(join(dir, "narrow.json"), JSON.stringify(NARROW_SEARCH));
    const d2 = await run([
      "derive",
      "--chain",
      "researcher.chain.json",
      "--key",
      "keys/researcher.key",
      "--to",
      "keys/fixer.key",
      "--tools",
      "@narrow.json",
      "--ttl",
      "17m",
      "--now",
      NOW,
      "--out",
      "fixer.chain.json",
      "--json",
      "--trust",
      "anchors.json",
    ]);
    expect(d2.code, d2.stderr).toBe(0);
    expect(JSON.parse(d2.stdout)).toMatchObject({
      out: "fixer.chain.json",
      tokens: 3,
      holder: ids.fixer,
      intent: "triage-42",
      depth: 2,
      max_depth: 2,
    });

    const proved = await run([
      "prove",
      "--chain",
      "fixer.chain.json",
      "--key",
      "keys/fixer.key",
      "--tool",
      "search_issues",
      "--args",
      JSON.stringify(CALL),
      "--aud",
      EP,
      "--out",
      "call.json",
    ]);
    expect(proved.code, proved.stderr).toBe(0);
    const presentation = readJson(join(dir, "call.json")) as Record<string, unknown>;
    expect(Object.keys(presentation)).toEqual(["aat_chain", "aat_pop"]);
    expect(presentation.aat_chain).toHaveLength(3);

    const verify = (args: object, extra: string[] = []) =>
      run([
        "verify",
        "--presentation",
        "call.json",
        "--tool",
        "search_issues",
        "--args",
        JSON.stringify(args),
        "--trust",
        "anchors.json",
        "--aud",
        EP,
        ...extra,
      ]);
    const [permitJson, permitHuman, denyJson, denyHuman] = await Promise.all([
      verify(CALL, ["--json"]),
      verify(CALL),
      verify({ repo: "acme/site", query: "is:closed" }, ["--json"]),
      verify({ repo: "acme/site", query: "is:closed" }),
    ]);

    expect(permitJson.code, permitJson.stderr).toBe(0);
    const permit = JSON.parse(permitJson.stdout) as Record<string, unknown>;
    expect(Object.keys(permit)).toEqual(DECISION_KEYS);
    expect(permit.allow).toBe(true);
    expect(permit.code).toBe("permitted");
    expect(permit.step).toBe("8");
    expect(permit.token).toBeNull();
    expect(permit.message).toContain("search_issues");
    expect(permit.intent).toBe("triage-42");
    expect(permit.holder).toBe(ids.fixer);
    expect(permitJson.stdout.trim().split("\n")).toHaveLength(1);
    expect(permitHuman.code).toBe(0);
    expect(permitHuman.stdout).toMatch(/^PERMIT /);

    expect(denyJson.code).toBe(1);
    const deny = JSON.parse(denyJson.stdout) as Record<string, unknown>;
    // A 6b denial names the tool and argument as evidence (issue 10: evidence as data).
    expect(Object.keys(deny)).toEqual([...DECISION_KEYS, "evidence"]);
    expect(deny.evidence).toMatchObject({ kind: "arguments", tool: "search_issues" });
    expect(deny).toMatchObject({
      allow: false,
      code: "args_rejected",
      step: "6b",
      token: 2,
      intent: "triage-42",
    });
    // The same presentation sent with other arguments is a replay, not the fixer's call: the
    // denial names no holder (review finding 2; specs/protocol.md, "Attribution").
    expect(deny.holder).toBeNull();
    expect(denyHuman.code).toBe(1);
    expect(denyHuman.stdout).toMatch(/^DENY args_rejected \(step 6b, token 2\): token 2 \(leaf\)/);
  });

  it("refuses a widening derivation with the verifier's code and message (exit 2)", async () => {
    const r = await run([
      "derive",
      "--chain",
      "researcher.chain.json",
      "--key",
      "keys/researcher.key",
      "--to",
      "keys/fixer.key",
      "--tools",
      JSON.stringify({ search_issues: { repo: wildcard, query: wildcard } }),
      "--ttl",
      "1m",
    ]);
    expect(expectUsageError(r)).toMatch(
      /^baton: refused \(scope_widened\): token 2 widens tool search_issues: argument repo: .*wildcard/,
    );
    expect(r.stdout).toBe("");
  });

  it("runs the same flow through stdin: a shell pipeline and `-` inputs", async () => {
    const piped = await pipeline(
      [
        grantArgs(),
        [
          "derive",
          "--chain",
          "-",
          "--key",
          "keys/orchestrator.key",
          "--to",
          "keys/researcher.key",
          "--tools",
          JSON.stringify(SEARCH_TOOLS),
          "--ttl",
          "5m",
        ],
        [
          "prove",
          "--chain",
          "-",
          "--key",
          "keys/researcher.key",
          "--tool",
          "search_issues",
          "--args",
          JSON.stringify(CALL),
          "--aud",
          EP,
        ],
        [
          "verify",
          "--presentation",
          "-",
          "--tool",
          "search_issues",
          "--args",
          JSON.stringify(CALL),
          "--trust",
          "anchors.json",
          "--aud",
          EP,
          "--json",
        ],
      ],
      { cwd: dir },
    );
    expect(piped.stderr).toBe("");
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({
      allow: true,
      code: "permitted",
      holder: ids.researcher,
    });

    // An anchors file on stdin, and a wrong audience: a deny, exit 1.
    const anchors = readFileSync(join(dir, "anchors.json"), "utf8");
    const wrongAud = await run(
      [
        "verify",
        "--presentation",
        "call.json",
        "--tool",
        "search_issues",
        "--args",
        JSON.stringify(CALL),
        "--trust",
        "-",
        "--aud",
        "https://elsewhere.example",
        "--json",
      ],
      anchors,
    );
    expect(wrongAud.code).toBe(1);
    expect(JSON.parse(wrongAud.stdout)).toMatchObject({
      allow: false,
      code: "audience_mismatch",
      step: "7d",
    });
  });
});

describe("baton inspect", () => {
  it("shows each token's parties and what it narrowed, verified against the anchors", async () => {
    const [human, json, unchecked] = await Promise.all([
      run(["inspect", "call.json", "--trust", "anchors.json", "--names", "keys"]),
      run(["inspect", "fixer.chain.json", "--trust", "anchors.json", "--names", "keys", "--json"]),
      run(["inspect", "fixer.chain.json"]),
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain("presentation of 3 tokens");
    expect(human.stdout).toContain(`${ISSUER} → orchestrator`);
    expect(human.stdout).toContain("orchestrator → researcher");
    expect(human.stdout).toContain("researcher → fixer");
    expect(human.stdout).toContain("tools removed: write_file");
    expect(human.stdout).toContain('search_issues.query: wildcard → exact "is:open"');
    expect(human.stdout).toContain("TTL shortened by 10m\n");
    expect(human.stdout).toContain("TTL shortened by 3m\n");
    expect(human.stdout).toContain("max depth 3 → 2");
    expect(human.stdout).toMatch(/approvals +write_\*/);
    expect(human.stdout).toContain("proof of possession tool search_issues");

    expect(json.code).toBe(0);
    const ins = JSON.parse(json.stdout) as {
      signatures_checked: boolean;
      intent: { id: string };
      tokens: {
        holder_name: string;
        depth: number;
        max_depth: number;
        status: { state: string };
        narrowing: null | {
          tools_removed: string[];
          ttl_shortened_by: number;
          constraints: { tool: string; arg: string; from: string; to: string }[];
        };
      }[];
    };
    expect(ins.signatures_checked).toBe(true);
    expect(ins.intent.id).toBe("triage-42");
    expect(ins.tokens.map((t) => t.holder_name)).toEqual(["orchestrator", "researcher", "fixer"]);
    expect(ins.tokens.map((t) => t.status.state)).toEqual(["valid", "valid", "valid"]);
    expect(ins.tokens.map((t) => `${t.depth}/${t.max_depth}`)).toEqual(["0/3", "1/2", "2/2"]);
    expect(ins.tokens[0]?.narrowing).toBeNull();
    expect(ins.tokens[1]?.narrowing?.tools_removed).toEqual(["write_file"]);
    expect(ins.tokens[1]?.narrowing?.ttl_shortened_by).toBe(600);
    expect(ins.tokens[2]?.narrowing?.constraints).toEqual([
      { tool: "search_issues", arg: "query", from: "wildcard", to: 'exact "is:open"' },
    ]);

    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain("signatures not checked");
    expect(unchecked.stdout).toMatch(/jkt:[A-Za-z0-9_-]{8} → jkt:/);
  });
});
