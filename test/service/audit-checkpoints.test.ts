/** `GET /v1/audit/checkpoints`, `GET` and `POST /v1/audit/check` with signed head checkpoints. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signCheckpoint } from "../../src/core/audit/checkpoint.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { AuditCheckFlight } from "../../src/service/routes/audit.ts";
import type { MemoryStore } from "../../src/store/memory.ts";
import type { AuditCheckResult, Trust } from "../../src/trust/index.ts";
import { testConfig } from "../trust/fixtures.ts";
import { type AppHarness, expectProblem, openApp } from "./helpers.ts";

describe("audit checkpoints over HTTP", () => {
  let t: AppHarness;
  const node = AgentKey.fromSeed(new Uint8Array(32).fill(11));
  beforeEach(async () => {
    // The memory store signs nothing itself: `node` is a configured peer (audit.trustedNodes).
    t = await openApp({ config: testConfig({ audit: { trustedNodes: [node.id] } }) });
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

  it("review finding 4: a checkpoint by a node that is neither this one nor a configured peer is checkpoint_invalid", async () => {
    const stranger = AgentKey.fromSeed(new Uint8Array(32).fill(12));
    const events = [];
    for (let i = 0; i < 2; i++) events.push(await t.store.appendAudit({ type: "approval", data: { i } }));
    const theirs = signCheckpoint(stranger, { seq: 2, hash: events[1]?.hash as string, at: 7 });
    const posted = await t.app.inject({
      method: "POST",
      url: "/v1/audit/check",
      payload: { checkpoints: [theirs.jws] },
    });
    expect(posted.json()).toMatchObject({ ok: false, reason: "checkpoint_invalid" });
    expect(posted.json().message).toContain("not a trusted node");
    await t.store.addAuditCheckpoint(theirs);
    expect((await t.app.inject({ url: "/v1/audit/check" })).json()).toMatchObject({
      ok: false,
      reason: "checkpoint_invalid",
    });
  });

  it("review finding 5: one whole-log walk at a time; the same check joins it, another is 429", async () => {
    const calls: (readonly string[] | undefined)[] = [];
    let finish: (r: AuditCheckResult) => void = () => {};
    const real = t.trust.checkAudit.bind(t.trust);
    t.trust.checkAudit = (options = {}) => {
      calls.push(options.checkpoints);
      return new Promise<AuditCheckResult>((resolve) => {
        finish = resolve;
      });
    };
    const gets = Array.from({ length: 5 }, () => t.app.inject({ url: "/v1/audit/check" }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const other = await t.app.inject({
      method: "POST",
      url: "/v1/audit/check",
      payload: { checkpoints: ["a.b.c"] },
    });
    expectProblem(other, 429, "rate_limited");
    expect(calls).toEqual([undefined]); // five GETs, one walk
    finish(await real());
    const results = await Promise.all(gets);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body)).size).toBe(1);
    // Once it finished, the next check runs its own walk.
    t.trust.checkAudit = real;
    expect((await t.app.inject({ url: "/v1/audit/check" })).json()).toMatchObject({ ok: true });
  });

  it("review finding 5: a POST with the very same checkpoints joins the running walk", async () => {
    let started = 0;
    let finish: (r: AuditCheckResult) => void = () => {};
    const fake = {
      checkAudit: () => {
        started += 1;
        return new Promise<AuditCheckResult>((resolve) => {
          finish = resolve;
        });
      },
    } as unknown as Trust;
    const flight = new AuditCheckFlight(fake);
    const a = flight.run(["x.y.z"]);
    const b = flight.run(["x.y.z"]);
    expect(() => flight.run(["other"])).toThrow(/another|other checkpoints is running/);
    expect(() => flight.run()).toThrow(/running/);
    expect(started).toBe(1);
    finish({ ok: true, count: 0, headHash: "0".repeat(64), checkpoints: { count: 0 } });
    expect(await a).toBe(await b);
    expect(flight.busy).toBe(false);
  });

  it("review finding 5: both check routes are rate-limited", async () => {
    const limited = await openApp({
      config: testConfig(),
      options: { rateLimit: { max: 2, timeWindowMs: 60_000 } },
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++)
        codes.push((await limited.app.inject({ url: "/v1/audit/check" })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      const post = await limited.app.inject({
        method: "POST",
        url: "/v1/audit/check",
        payload: { checkpoints: [] },
      });
      const post2 = await limited.app.inject({
        method: "POST",
        url: "/v1/audit/check",
        payload: { checkpoints: [] },
      });
      const post3 = await limited.app.inject({
        method: "POST",
        url: "/v1/audit/check",
        payload: { checkpoints: [] },
      });
      expect([post.statusCode, post2.statusCode, post3.statusCode]).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
