import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batonGuard, type GuardProblem } from "../../src/sdk/fastify-guard.ts";
import { AUD, alice, chains, localVerifier, orchestrator, researcher } from "./world.ts";

let app: FastifyInstance;
let base: string;
const seen: unknown[] = [];

beforeAll(async () => {
  app = Fastify();
  await app.register(batonGuard, { verifier: localVerifier() });
  app.post(
    "/tools/write_file",
    {
      config: { batonTool: "write_file" },
      schema: {
        body: {
          type: "object",
          required: ["path", "content"],
          properties: { path: { type: "string" }, content: { type: "string" } },
        },
      },
    },
    async (request) => {
      seen.push(request.body);
      return { written: (request.body as { path: string }).path, holder: request.baton?.holder };
    },
  );
  app.post("/tools/deploy", { config: { batonTool: "deploy" } }, async () => ({ deployed: true }));
  app.post(
    "/tools/count_things",
    {
      config: { batonTool: "count_things" },
      schema: { body: { type: "object", properties: { n: { type: "integer" } } } },
    },
    async () => ({ ok: true }),
  );
  app.get("/health", async () => ({ ok: true }));
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  base = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await app.close();
});

async function post(path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    body: (await res.json()) as Record<string, unknown>,
  };
}

function expectProblem(r: Awaited<ReturnType<typeof post>>, code: string, status = 403) {
  expect(r.status).toBe(status);
  expect(r.type).toMatch(/^application\/problem\+json/);
  const p = r.body as unknown as GuardProblem;
  expect(p).toMatchObject({ type: `urn:baton:problem:${code}`, status, code });
  expect(typeof p.message).toBe("string");
  expect(p.detail).toBe(p.message);
  expect(Object.hasOwn(p, "step")).toBe(true);
  expect(Object.hasOwn(p, "token")).toBe(true);
  return p;
}

describe("fastify guard over real HTTP", () => {
  it("permits a proved call; the handler sees the arguments without the presentation", async () => {
    const { child } = chains();
    const args = { path: "/repo/docs/a.md", content: "hello" };
    const baton = researcher.prove(child, { tool: "write_file", args, aud: AUD });
    const r = await post("/tools/write_file", { ...args, baton });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ written: "/repo/docs/a.md", holder: researcher.id });
    expect(seen.at(-1)).toEqual(args);
  });

  it("denies a call outside the holder's scope (403, code and failing token)", async () => {
    const { child } = chains();
    const args = { path: "/repo/src/main.ts", content: "x" };
    const baton = researcher.prove(child, { tool: "write_file", args, aud: AUD });
    const p = expectProblem(await post("/tools/write_file", { ...args, baton }), "args_rejected");
    expect(p).toMatchObject({ step: "6b", token: 1 });
    const deploy = researcher.prove(child, { tool: "deploy", args: {}, aud: AUD });
    expectProblem(await post("/tools/deploy", { baton: deploy }), "tool_not_granted");
  });

  it("refuses a body that differs from the PoP's hta (args_mismatch)", async () => {
    const { child } = chains();
    const signed = { path: "/repo/docs/a.md", content: "hello" };
    const baton = researcher.prove(child, { tool: "write_file", args: signed, aud: AUD });
    const p = expectProblem(
      await post("/tools/write_file", { ...signed, content: "tampered", baton }),
      "args_mismatch",
    );
    expect(p.step).toBe("7f");
  });

  it("verifies the arguments as the route's schema delivers them (coercion breaks the binding)", async () => {
    const { root } = chains();
    const signed = { n: "5" }; // the schema coerces "5" to 5 before the handler sees it
    const baton = orchestrator.prove(root, { tool: "count_things", args: signed, aud: AUD });
    expectProblem(await post("/tools/count_things", { ...signed, baton }), "args_mismatch");
    const exact = orchestrator.prove(root, { tool: "count_things", args: { n: 5 }, aud: AUD });
    expect((await post("/tools/count_things", { n: 5, baton: exact })).status).toBe(200);
  });

  it("answers problem+json when the presentation is missing or malformed", async () => {
    const missing = expectProblem(
      await post("/tools/write_file", { path: "/repo/docs/a", content: "x" }),
      "malformed_presentation",
    );
    expect(missing.message).toMatch(/body member "baton"/);
    expectProblem(
      await post("/tools/write_file", { path: "/repo/docs/a", content: "x", baton: "nope" }),
      "malformed_presentation",
    );
    const res = await fetch(`${base}/tools/deploy`, { method: "POST" });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("malformed_presentation");
  });

  it("asks for approval with the pop_hash, then permits the approved call exactly once", async () => {
    const { root } = chains();
    const baton = orchestrator.prove(root, { tool: "deploy", args: {}, aud: AUD });
    const first = expectProblem(await post("/tools/deploy", { baton }), "approval_required");
    expect(first.title).toBe("The call needs a step-up approval");
    expect(typeof first.pop_hash).toBe("string");

    const approval = alice.approve({ popHash: first.pop_hash as string, tool: "deploy", args: {} });
    const ok = await post("/tools/deploy", { baton: { ...baton, approval } });
    expect(ok).toMatchObject({ status: 200, body: { deployed: true } });
    const again = expectProblem(
      await post("/tools/deploy", { baton: { ...baton, approval } }),
      "approval_required",
    );
    expect(again.message).toMatch(/already used/);
  });

  it("leaves routes without batonTool alone", async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
  });
});
