import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppHarness, openApp } from "./helpers.ts";

const ROUTES: [string, string][] = [
  ["/v1/verify", "post"],
  ["/v1/tokens", "post"],
  ["/v1/revocations", "post"],
  ["/v1/revocations", "get"],
  ["/v1/audit", "get"],
  ["/v1/audit/check", "get"],
  ["/v1/audit/check", "post"],
  ["/v1/audit/checkpoints", "get"],
  ["/v1/agents/{id}", "get"],
  ["/healthz", "get"],
  ["/readyz", "get"],
  ["/metrics", "get"],
  // The delegation graph (routes/graph.ts, specs/graph.md).
  ["/v1/graph", "get"],
  ["/v1/graph/audit", "get"],
  ["/v1/intents", "get"],
  // Live graph changes, Server-Sent Events (routes/events.ts).
  ["/v1/events", "get"],
  // Step-up approvals waiting on this node (src/service/routes/approvals.ts).
  ["/v1/approvals", "get"],
];

interface Doc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<string, { operationId?: string; responses: Record<string, unknown>; requestBody?: unknown }>
  >;
  components: { schemas: Record<string, unknown> };
}

describe("OpenAPI document and docs", () => {
  let t: AppHarness;
  let doc: Doc;
  beforeAll(async () => {
    t = await openApp();
    const res = await t.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    doc = JSON.parse(res.body) as Doc;
  });
  afterAll(async () => {
    await t.close();
  });

  it("is OpenAPI 3.1 with info", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: "Baton", version: expect.any(String) });
  });

  it("documents every route, and nothing of the docs machinery", () => {
    for (const [path, method] of ROUTES) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(ROUTES.map(([p]) => p))].sort());
  });

  it("gives every operation a success response, and problem+json error responses", () => {
    for (const [path, method] of ROUTES) {
      const op = doc.paths[path]![method]!;
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith("2")),
        `${method} ${path}`,
      ).toBe(true);
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        expect(JSON.stringify(op.responses[s])).toContain("application/problem+json");
      }
    }
    expect(JSON.stringify(doc.paths["/v1/verify"]!.post!.requestBody)).toContain("VerifyRequest");
  });

  it("gives every operation a unique operationId", () => {
    const ids = ROUTES.map(([path, method]) => doc.paths[path]![method]!.operationId);
    for (const [i, id] of ids.entries()) expect(id, ROUTES[i]!.join(" ")).toMatch(/^[a-z][A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/v1/verify"]!.post!.operationId).toBe("verifyCall");
    expect(doc.paths["/v1/events"]!.get!.operationId).toBe("streamEvents");
  });

  it("documents /v1/events as a text/event-stream with its 429 and 503 caps", () => {
    const op = doc.paths["/v1/events"]!.get!;
    expect(Object.keys((op.responses["200"] as { content: object }).content)).toEqual(["text/event-stream"]);
    expect(JSON.stringify(op.responses["429"])).toContain("too_many_streams");
    expect(JSON.stringify(op.responses["503"])).toContain("streams_exhausted");
  });

  it("resolves every $ref, and keeps no unused component", () => {
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(doc.components.schemas[r], r).toBeDefined();
    for (const name of Object.keys(doc.components.schemas)) expect(refs).toContain(name);
  });

  it("rejects unknown body members in the schema (additionalProperties: false)", () => {
    expect(doc.components.schemas.VerifyRequestInput).toMatchObject({ additionalProperties: false });
  });

  it("serves Swagger UI at /docs from local assets", async () => {
    const res = await t.app.inject({ method: "GET", url: "/docs" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/html");
    expect(res.body).toContain("swagger-ui");
    expect(res.body).not.toMatch(/https?:\/\//);
    const asset = await t.app.inject({ method: "GET", url: "/docs/static/swagger-ui-bundle.js" });
    expect(asset.statusCode).toBe(200);
    const init = await t.app.inject({ method: "GET", url: "/docs/static/swagger-initializer.js" });
    expect(init.body).toContain("/openapi.json");
  });
});
