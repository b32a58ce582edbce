/**
 * Issue 9 item 13: arguments that JSON cannot represent as parsed are refused before anything is
 * sent or verified. The end-to-end case is the one the review found: a fastify guard in front of a
 * tool, verifying through TrustClient against a real service, and a body holding `1e400`
 * (JSON.parse → Infinity; JSON.stringify → null, so the service verified `null` while the handler
 * ran on Infinity).
 */
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import type { JsonValue } from "../../src/core/constraints/index.ts";
import { batonGuard } from "../../src/sdk/fastify-guard.ts";
import { nonJsonArgument } from "../../src/sdk/json-args.ts";
import { TrustClient } from "../../src/sdk/trust-client.ts";
import { buildApp } from "../../src/service/app.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";
import { AUD, chains, localVerifier, principal, researcher } from "./world.ts";

let trust: Trust;
let service: FastifyInstance;
let tools: FastifyInstance;
let serviceUrl: string;
let toolsUrl: string;
const handled: unknown[] = [];

function urlOf(app: FastifyInstance): string {
  const addr = app.server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return `http://127.0.0.1:${addr.port}`;
}

beforeAll(async () => {
  const store = new MemoryStore();
  const config = parseConfig({ audience: AUD, trustAnchors: [principal.anchor] });
  trust = new Trust(config, { store, revocations: await RevocationState.open(store) });
  service = await buildApp(trust, { logger: false, rateLimit: false });
  await service.listen({ host: "127.0.0.1", port: 0 });
  serviceUrl = urlOf(service);

  tools = Fastify();
  await tools.register(batonGuard, { verifier: new TrustClient({ url: serviceUrl }) });
  // No body schema: ajv's "number" would refuse Infinity by itself; many tools validate less.
  tools.post("/tools/search_web", { config: { batonTool: "search_web" } }, async (request) => {
    handled.push(request.body);
    return { ok: true };
  });
  await tools.listen({ host: "127.0.0.1", port: 0 });
  toolsUrl = urlOf(tools);
});

afterAll(async () => {
  await tools.close();
  await service.close();
  await trust.close();
});

async function postRaw(body: string) {
  const res = await fetch(`${toolsUrl}/tools/search_web`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("arguments JSON cannot represent (issue 9 item 13)", () => {
  it("the guard over TrustClient refuses a body whose 1e400 parses to Infinity, and the handler never runs", async () => {
    const { child } = chains();
    // The PoP is made over what JSON.stringify would have sent: {"limit": null}.
    const baton = researcher.prove(child, { tool: "search_web", args: { limit: null }, aud: AUD });
    handled.length = 0;
    const r = await postRaw(`{"limit":1e400,"baton":${JSON.stringify(baton)}}`);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "args_rejected", step: "6b", token: null });
    expect(r.body.message).toMatch(/argument limit is a non-finite number/);
    expect(handled).toEqual([]);

    // The same presentation with the value JSON carries is permitted (the guard is not just closed).
    const ok = await postRaw(`{"limit":null,"baton":${JSON.stringify(baton)}}`);
    expect(ok).toMatchObject({ status: 200, body: { ok: true } });
    expect(handled).toEqual([{ limit: null }]);
  });

  it("the guard refuses -0, which JSON serialization turns into 0", async () => {
    const { child } = chains();
    const baton = researcher.prove(child, { tool: "search_web", args: { n: 0 }, aud: AUD });
    const r = await postRaw(`{"n":-0,"baton":${JSON.stringify(baton)}}`);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ code: "args_rejected" });
    expect(r.body.message).toMatch(/argument n is negative zero/);
  });

  it("TrustClient refuses before sending anything", async () => {
    let calls = 0;
    const client = new TrustClient({
      url: serviceUrl,
      fetch: (async (...a: Parameters<typeof fetch>) => {
        calls++;
        return fetch(...a);
      }) as typeof fetch,
    });
    const { child } = chains();
    const presentation = researcher.prove(child, { tool: "search_web", args: { q: null }, aud: AUD });
    const d = await client.verify({
      presentation,
      tool: "search_web",
      args: { q: Number.POSITIVE_INFINITY } as Record<string, JsonValue>,
    });
    expect(d).toMatchObject({ allow: false, code: "args_rejected", detail: { argument: "q" } });
    expect(calls).toBe(0);
  });

  it("LocalVerifier refuses values JSON would drop or change", async () => {
    const { child } = chains();
    const presentation = researcher.prove(child, { tool: "search_web", args: {}, aud: AUD });
    const d = await localVerifier().verify({
      presentation,
      tool: "search_web",
      args: { when: new Date(0) } as unknown as Record<string, JsonValue>,
    });
    expect(d).toMatchObject({ allow: false, code: "args_rejected" });
    expect(d.message).toMatch(/argument when is a Date/);
  });

  it("names the first offending value and its reason", () => {
    const sparse: unknown[] = [1];
    sparse[2] = 3;
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const decorated = Object.assign([1, 2], { extra: true });
    const symbolic = { [Symbol("s")]: 1 };
    const accessor = Object.defineProperty({}, "x", { get: () => 1, enumerable: true });
    const cases: [unknown, string, RegExp][] = [
      [{ a: Number.NaN }, "a", /non-finite/],
      [{ a: { b: [1, Number.NEGATIVE_INFINITY] } }, "a.b[1]", /non-finite/],
      [{ a: -0 }, "a", /negative zero/],
      [{ a: undefined }, "a", /undefined/],
      [{ a: () => 1 }, "a", /function/],
      [{ a: Symbol("x") }, "a", /symbol/],
      [{ a: 10n }, "a", /bigint/],
      [{ a: sparse }, "a[1]", /sparse/],
      [{ a: new Map() }, "a", /Map/],
      [{ a: new Date(0) }, "a", /Date/],
      [{ a: Object.create({ inherited: 1 }) }, "a", /non-plain|Object/],
      [{ "a-b": { c: new Set() } }, '["a-b"].c', /Set/],
      [{ a: cyclic }, "a.self", /cycle/],
      [{ a: decorated }, "a", /extra named members/],
      [{ a: symbolic }, "a", /symbol-keyed/],
      [{ a: accessor }, "a.x", /accessor/],
      [[1], "(args)", /not a JSON object/],
      [null, "(args)", /not a JSON object/],
    ];
    for (const [args, path, reason] of cases) {
      const bad = nonJsonArgument(args);
      expect(bad, path).not.toBeNull();
      expect(bad?.path, String(reason)).toBe(path);
      expect(bad?.reason).toMatch(reason);
    }
    // Plain JSON, however deep, passes; a repeated (non-cyclic) reference is JSON too.
    const shared = { x: 1 };
    expect(nonJsonArgument({ a: [1, "s", true, null, { b: 1.5e300 }], c: shared, d: shared })).toBeNull();
    expect(nonJsonArgument(Object.assign(Object.create(null), { a: 1 }))).toBeNull();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nonJsonArgument({ deep })).toBeNull();
  });
});
