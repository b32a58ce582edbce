/**
 * Issue 10 §5: service routes reach the store only through the trust facade; graph reads go
 * through the core's `GraphSource` port (`Trust.graph`), so a failing read is a store error of the
 * facade (503 store_unavailable, counted), and the routes run on any `GraphSource`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { describe, expect, it } from "vitest";
import type { GraphSource, GraphToken } from "../../src/core/graph/index.ts";
import { installErrorHandler } from "../../src/service/error-handler.ts";
import { graphRoutes } from "../../src/service/routes/graph.ts";
import { expectProblem, openApp } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("graph reads through the facade's GraphSource", () => {
  it("answers 503 store_unavailable (not a 500) when a graph read fails, and counts it as a store error", async () => {
    const t = await openApp();
    const failures: string[] = [];
    t.trust.onStoreError((operation) => failures.push(operation));
    t.store.findTokens = async () => {
      throw new Error("disk on fire");
    };
    try {
      const res = await t.app.inject({ method: "GET", url: "/v1/graph?intent=x" });
      const body = expectProblem(res, 503, "store_unavailable");
      expect(String(body.detail)).not.toContain("disk on fire");
      expect((await t.app.inject({ method: "GET", url: "/v1/intents" })).statusCode).toBe(503);
      expect(failures).toEqual(["findTokens", "findTokens"]);
    } finally {
      await t.close();
    }
  });

  it("serves the graph routes from any GraphSource, no store needed", async () => {
    const token: GraphToken = {
      hash: "sha256:aaaa",
      jti: "root-1",
      issuer: "https://principal.example",
      holder: "urn:ietf:params:oauth:jwk-thumbprint:sha-256:h",
      intent: "intent-1",
      depth: 0,
      iat: 1_800_000_000,
      exp: 1_800_003_600,
      payload: { baton_intent: { id: "intent-1", purpose: "p" } },
      recordedAt: 1_800_000_000_000,
    };
    const source: GraphSource = {
      findTokens: async (q) => (q.intent === undefined || q.intent === "intent-1" ? [token] : []),
      listRevocations: async () => [],
      listAudit: async () => [],
      getAgentNames: async () => new Map(),
    };
    const app = Fastify({ logger: false });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installErrorHandler(app);
    await app.register(graphRoutes, { source, ui: false, pollIntervalMs: 0, clock: () => 1_800_000_100_000 });
    try {
      const list = await app.inject({ method: "GET", url: "/v1/intents" });
      expect(list.statusCode).toBe(200);
      expect(list.json().intents).toMatchObject([{ id: "intent-1", tokens: 1 }]);
      const graph = await app.inject({ method: "GET", url: "/v1/graph?intent=intent-1" });
      expect(graph.json().nodes).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it("no service route imports the store", () => {
    const dir = join(ROOT, "src/service/routes");
    const offenders: string[] = [];
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), "utf8");
      for (const m of text.matchAll(/from\s+"([^"]+)"/g)) {
        if (/(^|\/)store\//.test(m[1] as string))
          offenders.push(`src/service/routes/${name} imports ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
