import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Graph } from "../../src/core/graph/index.ts";
import type { IntentList } from "../../src/graph/load.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { graphApp } from "./app.ts";
import { INTENT, NOW, OTHER_INTENT, orchestrator, type Scenario, seedScenario } from "./scenario.ts";

let app: FastifyInstance;
let s: Scenario;

beforeAll(async () => {
  const store = new MemoryStore({ clock: () => NOW * 1000 });
  s = await seedScenario(store);
  app = await graphApp({ store, clock: () => (NOW + 100) * 1000, pollIntervalMs: 0 });
});
afterAll(async () => {
  await app.close();
});

describe("GET /v1/graph", () => {
  it("returns the intent's nodes, edges and findings as JSON", async () => {
    const res = await app.inject({ url: `/v1/graph?intent=${INTENT.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("application/json");
    const g = res.json() as Graph;
    expect(g.view).toBe("intent");
    expect(g.now).toBe(NOW + 100);
    expect(g.nodes.map((n) => n.jti)).toEqual(expect.arrayContaining(Object.values(s.jti).slice(0, 4)));
    expect(g.edges).toHaveLength(3);
    expect(g.findings.length).toBeGreaterThan(0);
    expect(g.nodes.find((n) => n.jti === s.jti.helper)?.status).toBe("revoked-by-ancestor");
  });

  it("returns the agent view for ?agent=", async () => {
    const res = await app.inject({ url: `/v1/graph?agent=${encodeURIComponent(orchestrator.id)}` });
    expect(res.statusCode).toBe(200);
    const g = res.json() as Graph;
    expect(g.view).toBe("agent");
    expect(g.agent?.intents.map((i) => i.id).sort()).toEqual([OTHER_INTENT.id, INTENT.id].sort());
  });

  it("renders Graphviz DOT for format=dot", async () => {
    const res = await app.inject({ url: `/v1/graph?intent=${INTENT.id}&format=dot&findings=true` });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/vnd.graphviz");
    expect(res.body).toMatch(/^digraph baton \{/);
    expect(res.body).toContain("t0 -> t1;");
    expect(res.body).toContain("F-TTL-LONG");
  });

  it("renders a Mermaid flowchart for format=mermaid", async () => {
    const res = await app.inject({ url: `/v1/graph?intent=${INTENT.id}&format=mermaid` });
    expect(res.statusCode).toBe(200);
    expect(res.body.split("\n")[0]).toBe("flowchart TD");
    expect(res.body).toContain(":::revokedByAncestor");
  });

  it("answers 400 problem+json without an intent or agent, or with both", async () => {
    for (const url of ["/v1/graph", `/v1/graph?intent=a&agent=b`, `/v1/graph?intent=a&format=svg`]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(400);
      expect(res.headers["content-type"]).toContain("application/problem+json");
      expect(res.json().code).toBe("invalid_request");
    }
  });

  it("answers 404 for an intent nothing is recorded for", async () => {
    const res = await app.inject({ url: "/v1/graph?intent=nothing-here" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({
      code: "not_found",
      detail: 'no recorded token belongs to intent "nothing-here"',
    });
  });
});

describe("GET /v1/intents", () => {
  it("lists intents with counts by status", async () => {
    const res = await app.inject({ url: "/v1/intents" });
    expect(res.statusCode).toBe(200);
    const list = res.json() as IntentList;
    expect(list.truncated).toBe(false);
    const triage = list.intents.find((i) => i.id === INTENT.id);
    expect(triage).toMatchObject({
      purpose: INTENT.purpose,
      status: "active",
      tokens: 4,
      byStatus: { active: 2, expired: 0, revoked: 1, "revoked-by-ancestor": 1 },
    });
    expect(triage?.roots).toEqual([{ issuer: "https://people.acme.example/alice", holder: "orchestrator" }]);
    expect(list.intents.find((i) => i.id === OTHER_INTENT.id)?.tokens).toBe(1);
  });

  it("shows an intent as revoked once the intent is", async () => {
    const store = new MemoryStore({ clock: () => NOW * 1000 });
    await seedScenario(store);
    await store.addRevocation({ target: { kind: "intent", id: OTHER_INTENT.id } });
    const other = await graphApp({ store, clock: () => (NOW + 100) * 1000, pollIntervalMs: 0, ui: false });
    const list = (await other.inject({ url: "/v1/intents" })).json() as IntentList;
    expect(list.intents.find((i) => i.id === OTHER_INTENT.id)?.status).toBe("revoked");
    expect((await other.inject({ url: "/ui" })).statusCode).toBe(404);
    await other.close();
  });
});

describe("GET /v1/graph/audit", () => {
  it("returns the decisions that name a token, oldest first", async () => {
    const res = await app.inject({ url: `/v1/graph/audit?jti=${s.jti.helper}&intent=${INTENT.id}` });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { events: { type: string; data: { allow: boolean } }[]; truncated: boolean };
    expect(body.events).toHaveLength(4);
    expect(body.events.map((e) => e.data.allow)).toEqual([true, false, false, false]);
    expect(body.truncated).toBe(false);
  });

  it("includes the revocation events that target the token, audited without an intent", async () => {
    const store = new MemoryStore({ clock: () => NOW * 1000 });
    const sc = await seedScenario(store, { revokeFixer: false });
    await store.appendAudit({
      type: "revocation",
      agent: orchestrator.id,
      data: { seq: 1, created: true, target: { kind: "token", id: sc.jti.research }, reason: "done" },
    });
    const other = await graphApp({ store, pollIntervalMs: 0, ui: false });
    const res = await other.inject({ url: `/v1/graph/audit?jti=${sc.jti.research}&intent=${INTENT.id}` });
    const types = (res.json() as { events: { type: string }[] }).events.map((e) => e.type);
    expect(types).toEqual(["decision", "decision", "decision", "revocation"]);
    await other.close();
  });
});

describe("GET /v1/graph/audit paging", () => {
  it("pages a token's events with limit and after, read from the per-token index", async () => {
    type Page = { events: { id: number }[]; truncated: boolean; next: number | null };
    const url = `/v1/graph/audit?jti=${s.jti.helper}&intent=${INTENT.id}`;
    const all = (await app.inject({ url })).json() as Page;
    expect(all.next).toBeNull();
    const first = (await app.inject({ url: `${url}&limit=3` })).json() as Page;
    expect(first.events.map((e) => e.id)).toEqual(all.events.slice(0, 3).map((e) => e.id));
    expect(first.truncated).toBe(true);
    expect(first.next).toBe(first.events[2]?.id);
    const rest = (await app.inject({ url: `${url}&limit=3&after=${first.next}` })).json() as Page;
    expect(rest.events.map((e) => e.id)).toEqual(all.events.slice(3).map((e) => e.id));
    expect(rest).toMatchObject({ truncated: false, next: null });
  });

  it("refuses a page size above 500 and an after that is not an event id", async () => {
    const base = `/v1/graph/audit?jti=${s.jti.helper}`;
    expect((await app.inject({ url: `${base}&limit=501` })).statusCode).toBe(400);
    expect((await app.inject({ url: `${base}&after=-1` })).statusCode).toBe(400);
  });
});

describe("GET /ui", () => {
  it("serves the inspector page with scripts from this origin only", async () => {
    const res = await app.inject({ url: "/ui" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    const srcs = [...res.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    expect(srcs).toEqual(["/ui/vendor/cytoscape.min.js", "/ui/vendor/cytoscape-dagre.min.js", "/ui/app.js"]);
    expect(res.body).not.toMatch(/<script>(?!<\/script>)/); // no inline script: the CSP forbids it
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
  });

  it("serves its assets and the vendored graph library from node_modules", async () => {
    for (const [url, type] of [
      ["/ui/app.js", "text/javascript"],
      ["/ui/app.css", "text/css"],
      ["/ui/details.js", "text/javascript"],
      ["/ui/vendor/cytoscape.min.js", "text/javascript"],
      ["/ui/vendor/cytoscape-dagre.min.js", "text/javascript"],
    ] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["content-type"]).toContain(type);
      expect(res.body.length).toBeGreaterThan(100);
    }
    expect((await app.inject({ url: "/ui/vendor/cytoscape.min.js" })).body).toContain("cytoscape");
  });

  it("serves nothing else from disk", async () => {
    for (const url of ["/ui/..%2Fgraph%2Fload.ts", "/ui/vendor/..%2F..%2Fpackage.json", "/ui/nope.js"]) {
      expect((await app.inject({ url })).statusCode, url).toBe(404);
    }
  });
});
