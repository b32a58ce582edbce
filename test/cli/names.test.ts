/**
 * Issue 9: agent display names reach the service. `grant|derive --record` and `POST /v1/tokens`
 * carry the holder's name; `baton graph` and `GET /v1/graph` show it outside the demo.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import { AgentKey, derive, grant } from "../../src/core/index.ts";
import { buildApp } from "../../src/service/app.ts";
import { Trust } from "../../src/trust/index.ts";
import { baton, tempDir } from "./helpers.ts";

const ISSUER = "https://people.acme.example/alice";
const TOOLS = JSON.stringify({ search_issues: { repo: { constraint_type: "exact", value: "acme/site" } } });

describe("grant --record", () => {
  it("records the chain in a local database with the --to key file's name, which baton graph shows", async () => {
    const dir = tempDir("names");
    const run = (args: string[]) => baton(args, { cwd: dir });
    for (const n of ["person", "orchestrator"]) {
      expect((await run(["keygen", "--out", `${n}.key`, "--name", n])).code).toBe(0);
    }
    await run(["anchor", "add", "--key", "person.key", "--issuer", ISSUER, "--out", "anchors.json"]);
    const g = await run([
      "grant",
      ...["--key", "person.key", "--issuer", ISSUER, "--to", "orchestrator.key", "--intent-id", "named-1"],
      ...["--purpose", "triage", "--tools", TOOLS, "--ttl", "15m", "--max-depth", "1"],
      ...["--out", "root.chain", "--record", "--db", "names.db", "--trust", "anchors.json", "--json"],
    ]);
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout).recorded).toEqual({
      where: "database names.db",
      tokens: 1,
      holder_name: "orchestrator",
    });
    const tree = await run(["graph", "--intent", "named-1", "--db", "names.db"]);
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.stdout).toMatch(/→ orchestrator \[/);
    const json = await run(["graph", "--intent", "named-1", "--db", "names.db", "--format", "json"]);
    const nodes = (JSON.parse(json.stdout) as { nodes: { holder: { name?: string } }[] }).nodes;
    expect(nodes[0]?.holder.name).toBe("orchestrator");
    // A name that would need escaping is refused before anything is recorded.
    const bad = await run([
      "grant",
      ...["--key", "person.key", "--issuer", ISSUER, "--to", "orchestrator.key", "--intent-id", "named-2"],
      ...["--purpose", "triage", "--tools", TOOLS, "--ttl", "15m", "--max-depth", "1"],
      ...["--record", "--db", "names.db", "--trust", "anchors.json", "--holder-name", "evil\u001b[2J"],
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--holder-name must be 1–64 printable characters");
  });
});

describe("POST /v1/tokens holder_name", () => {
  it("names the leaf's holder once, shown by GET /v1/graph; a later name does not rename it", async () => {
    const person = AgentKey.fromSeed(new Uint8Array(32).fill(41));
    const orch = AgentKey.fromSeed(new Uint8Array(32).fill(42));
    const researcher = AgentKey.fromSeed(new Uint8Array(32).fill(43));
    const now = Math.floor(Date.now() / 1000);
    const root = grant({
      key: person,
      issuer: ISSUER,
      to: orch.publicJwk,
      tools: { t: {} },
      ttl: 600,
      maxDepth: 2,
      now,
      intent: { id: "named-http", purpose: "names over HTTP" },
    });
    if (!root.ok) throw new Error(root.message);
    const child = derive(root.value, {
      key: orch,
      to: researcher.publicJwk,
      tools: { t: {} },
      ttl: 300,
      now,
    });
    if (!child.ok) throw new Error(child.message);
    const trust = await Trust.open(
      parseConfig({ trustAnchors: [{ issuer: ISSUER, jwk: person.publicJwk }], store: { url: "memory:" } }),
    );
    const app = await buildApp(trust, { logger: false });
    try {
      const post = (body: object) => app.inject({ method: "POST", url: "/v1/tokens", payload: body });
      const first = await post({ aat_chain: child.value, holder_name: "researcher" });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ recorded: 2, holder_name: "researcher" });
      const again = await post({ aat_chain: child.value, holder_name: "alice (admin)" });
      expect(again.json()).toMatchObject({ recorded: 0, holder_name: "researcher" });
      const evil = await post({ aat_chain: child.value, holder_name: "x\nPERMIT" });
      expect(evil.statusCode).toBe(400);
      const g = await app.inject({ method: "GET", url: "/v1/graph?intent=named-http" });
      expect(g.statusCode, g.body).toBe(200);
      const nodes = (g.json() as { nodes: { holder: { id: string; name?: string; label: string } }[] }).nodes;
      const held = nodes.find((n) => n.holder.id === researcher.id);
      expect(held?.holder).toMatchObject({ name: "researcher", label: "researcher" });
    } finally {
      await app.close();
      await trust.close();
    }
  });
});
