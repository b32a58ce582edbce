/** `GET /v1/audit/checkpoints`, `GET` and `POST /v1/audit/check` with signed head checkpoints. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signCheckpoint } from "../../src/core/audit/checkpoint.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import type { MemoryStore } from "../../src/store/memory.ts";
import { type AppHarness, expectProblem, openApp } from "./helpers.ts";

describe("audit checkpoints over HTTP", () => {
  let t: AppHarness;
  const node = AgentKey.fromSeed(new Uint8Array(32).fill(11));
  beforeEach(async () => {
    t = await openApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it("lists checkpoints, reports them in the check, and finds a cut-off tail from an exported one", async () => {
    const events = [];
    for (let i = 0; i < 3; i++) events.push(await t.store.appendAudit({ type: "approval", data: { i } }));
    const cp = signCheckpoint(node, { seq: 3, hash: events[2]?.hash as string, at: 7 });
    await t.store.addAuditCheckpoint(cp);

    const list = await t.app.inject({ url: "/v1/audit/checkpoints?limit=10" });
    expect(list.json()).toEqual({ checkpoints: [{ id: 1, ...cp }], next: null });
    expect((await t.app.inject({ url: "/v1/audit/check" })).json()).toEqual({
      ok: true,
      count: 3,
      head_hash: events[2]?.hash,
      checkpoints: { count: 1, latest: { node: node.id, seq: 3, at: 7 } },
    });

    // Cut the tail and the stored checkpoints: only the exported copy still knows.
    const state = (t.store as MemoryStore).state;
    state.audit.pop();
    state.auditHead = { lastId: 2, lastHash: events[1]?.hash as string };
    state.checkpoints = [];
    expect((await t.app.inject({ url: "/v1/audit/check" })).json()).toMatchObject({ ok: true, count: 2 });
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/audit/check",
      payload: { checkpoints: [cp.jws] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: false, id: 3, reason: "tail_missing" });
  });

  it("refuses a bad checkpoint list and a bad page query", async () => {
    expectProblem(
      await t.app.inject({ method: "POST", url: "/v1/audit/check", payload: { checkpoints: "x" } }),
      400,
      "invalid_request",
    );
    const many = Array.from({ length: 1001 }, () => "a.b.c");
    expectProblem(
      await t.app.inject({ method: "POST", url: "/v1/audit/check", payload: { checkpoints: many } }),
      400,
      "invalid_request",
    );
    expectProblem(await t.app.inject({ url: "/v1/audit/checkpoints?limit=0" }), 400, "invalid_request");
  });
});
