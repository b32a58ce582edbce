import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { grant, prove } from "../../src/core/chain/issue.ts";
import { jcs, sha256hex } from "../../src/core/encoding.ts";
import { createRevocationRequest } from "../../src/core/revocation/request.ts";
import { StoreUnavailableError } from "../../src/trust/index.ts";
import {
  ARGS,
  AUDIENCE,
  admin,
  delegation,
  INTENT,
  ISSUER,
  idsOf,
  mallory,
  NOW,
  orchestrator,
  present,
  principal,
  researcher,
  STORE_KINDS,
  summarizer,
} from "../trust/fixtures.ts";
import { type AppHarness, expectProblem, openApp } from "./helpers.ts";

const verifyBody = (chain: string[], o: Parameters<typeof present>[1] = {}) => ({
  ...present(chain, o),
  tool: o.tool ?? "search",
  args: o.args ?? ARGS,
});

describe.each(STORE_KINDS)("HTTP routes on the %s store", (kind) => {
  let t: AppHarness;
  beforeEach(async () => {
    t = await openApp({ kind });
  });
  afterEach(async () => {
    await t.close();
  });

  describe("POST /v1/verify", () => {
    it("permits a valid call", async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: verifyBody(delegation(3)),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        allow: true,
        code: "permitted",
        step: "8",
        token: null,
        message: expect.stringContaining("permitted"),
        intent: INTENT.id,
        holder: summarizer.id,
      });
    });

    it("answers a denial with 200 and allow: false", async () => {
      const body = verifyBody(delegation(2), { args: { query: "x", limit: 1000 } });
      const res = await t.app.inject({ method: "POST", url: "/v1/verify", payload: body });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ allow: false, code: "args_rejected", step: "6b", token: 1 });
    });

    it("includes detail only when the decision has one", async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: verifyBody(delegation(2)),
      });
      expect(res.json()).not.toHaveProperty("detail");
      const g = grant({
        key: principal,
        issuer: ISSUER,
        to: orchestrator,
        tools: { deploy: { env: { constraint_type: "wildcard" } } },
        ttl: 600,
        maxDepth: 1,
        now: NOW,
        approve: ["deploy"],
      });
      if (!g.ok) throw new Error(g.message);
      const p = prove(g.value, {
        key: orchestrator,
        tool: "deploy",
        args: { env: "prod" },
        now: NOW,
        aud: AUDIENCE,
      });
      if (!p.ok) throw new Error(p.message);
      const gated = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: { ...p.value, tool: "deploy", args: { env: "prod" } },
      });
      expect(gated.json()).toMatchObject({
        allow: false,
        code: "approval_required",
        detail: { pop_hash: expect.any(String) },
      });
    });

    it("denies a replayed PoP", async () => {
      const body = verifyBody(delegation(2));
      await t.app.inject({ method: "POST", url: "/v1/verify", payload: body });
      const res = await t.app.inject({ method: "POST", url: "/v1/verify", payload: body });
      expect(res.json()).toMatchObject({ allow: false, code: "replayed" });
    });

    it("refuses a malformed body with a 400 invalid_request naming the fields", async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: { aat_chain: "x", aat_pop: 1, tool: "search", args: [], extra: true },
      });
      const p = expectProblem(res, 400, "invalid_request");
      const paths = (p.errors as { path: string }[]).map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(["body.aat_chain", "body.aat_pop", "body.args", "body"]));
    });

    it("passes the arguments as strictly parsed, numbers as written", async () => {
      const chain = delegation(2);
      const args = { query: "q", limit: 1.5e1 };
      const pres = present(chain, { args });
      const text = `{"aat_chain":${JSON.stringify(pres.aat_chain)},"aat_pop":"${pres.aat_pop}","tool":"search","args":{"query":"q","limit":1.5e1}}`;
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: text,
        headers: { "content-type": "application/json" },
      });
      expect(res.json()).toMatchObject({ allow: true });
      const { events } = await t.trust.audit({ type: "decision" });
      expect(events.at(-1)?.data.args_sha256).toBe(sha256hex(jcs({ query: "q", limit: 15 })));
    });
  });

  describe("POST /v1/tokens", () => {
    it("records a chain, idempotently", async () => {
      const chain = delegation(3);
      const first = await t.app.inject({ method: "POST", url: "/v1/tokens", payload: { aat_chain: chain } });
      expect(first.statusCode).toBe(200);
      const body = first.json();
      expect(body.recorded).toBe(3);
      expect(body.tokens[2]).toEqual({
        jti: idsOf(chain)[2]!.jti,
        hash: idsOf(chain)[2]!.hash,
        issuer: researcher.id,
        holder: summarizer.id,
        intent: INTENT.id,
        depth: 2,
        created: true,
      });
      const again = await t.app.inject({ method: "POST", url: "/v1/tokens", payload: { aat_chain: chain } });
      expect(again.json()).toMatchObject({ recorded: 0 });
    });

    it("refuses an invalid chain with a 422 problem carrying the verifier's code", async () => {
      const chain = delegation(3);
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/tokens",
        payload: { aat_chain: [chain[0], chain[2]] },
      });
      const p = expectProblem(res, 422, "bad_signature");
      expect(p).toMatchObject({ token: 1, step: "4b" });
    });

    it("refuses an empty chain with 400", async () => {
      const res = await t.app.inject({ method: "POST", url: "/v1/tokens", payload: { aat_chain: [] } });
      expectProblem(res, 400, "invalid_request");
    });
  });

  describe("POST /v1/revocations and the feed", () => {
    const revoke = (request: string) =>
      t.app.inject({ method: "POST", url: "/v1/revocations", payload: { request } });

    it("creates a revocation (201), returns the existing one (200), and the chain is then denied", async () => {
      const chain = delegation(3);
      const target = { kind: "token" as const, id: idsOf(chain)[2]!.hash };
      const created = await revoke(
        createRevocationRequest({ audience: AUDIENCE, key: orchestrator, target, chain, now: NOW }),
      );
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        seq: 1,
        target,
        actor: orchestrator.id,
        reason: null,
        token_exp: NOW + 2800,
        revoked_at: expect.any(Number),
      });
      const existing = await revoke(
        createRevocationRequest({ audience: AUDIENCE, key: researcher, target, chain, now: NOW }),
      );
      expect(existing.statusCode).toBe(200);
      expect(existing.json()).toMatchObject({ seq: 1, actor: orchestrator.id });

      const res = await t.app.inject({ method: "POST", url: "/v1/verify", payload: verifyBody(chain) });
      expect(res.json()).toMatchObject({ allow: false, code: "revoked", token: 2 });
    });

    it("refuses an unauthorised revoker with a 403 problem", async () => {
      const chain = delegation(3);
      const res = await revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: mallory,
          target: { kind: "token", id: idsOf(chain)[1]!.hash },
          chain,
          now: NOW,
        }),
      );
      expectProblem(res, 403, "revocation_unauthorized");
    });

    it("refuses a replayed request, a malformed one and a stale one with 403", async () => {
      const chain = delegation(2);
      const request = createRevocationRequest({
        audience: AUDIENCE,
        key: admin,
        target: { kind: "agent", id: mallory.id },
        chain: [],
        now: NOW,
      });
      expect((await revoke(request)).statusCode).toBe(201);
      expectProblem(await revoke(request), 403, "revocation_replayed");
      expectProblem(await revoke("nonsense"), 403, "revocation_malformed");
      const stale = createRevocationRequest({
        audience: AUDIENCE,
        key: orchestrator,
        target: { kind: "token", id: idsOf(chain)[1]!.hash },
        chain,
        now: NOW - 3600,
      });
      expectProblem(await revoke(stale), 403, "revocation_stale");
    });

    it("serves the feed in order and pages with after", async () => {
      for (const id of ["a", "b", "c"]) {
        await revoke(
          createRevocationRequest({
            audience: AUDIENCE,
            key: admin,
            target: { kind: "intent", id },
            chain: [],
            now: NOW,
          }),
        );
      }
      const all = await t.app.inject({ method: "GET", url: "/v1/revocations" });
      expect(all.statusCode).toBe(200);
      expect(all.json().revocations.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3]);
      expect(all.json().last_seq).toBe(3);
      const after = await t.app.inject({ method: "GET", url: "/v1/revocations?after=2" });
      expect(after.json()).toMatchObject({
        revocations: [{ seq: 3, target: { kind: "intent", id: "c" } }],
        last_seq: 3,
      });
      const none = await t.app.inject({ method: "GET", url: "/v1/revocations?after=3" });
      expect(none.json()).toEqual({ revocations: [], last_seq: 3 });
    });

    it("refuses bad and unknown query parameters", async () => {
      expectProblem(
        await t.app.inject({ method: "GET", url: "/v1/revocations?after=-1" }),
        400,
        "invalid_request",
      );
      expectProblem(
        await t.app.inject({ method: "GET", url: "/v1/revocations?since=1" }),
        400,
        "invalid_request",
      );
    });
  });

  describe("GET /v1/audit", () => {
    it("lists, filters and pages events; decisions carry the args hash, not the args", async () => {
      for (let i = 0; i < 3; i++) {
        await t.app.inject({ method: "POST", url: "/v1/verify", payload: verifyBody(delegation(2)) });
      }
      const page = await t.app.inject({ method: "GET", url: "/v1/audit?type=decision&limit=2" });
      expect(page.statusCode).toBe(200);
      const body = page.json();
      expect(body.events).toHaveLength(2);
      expect(body.events[0]).toMatchObject({ type: "decision", data: { args_sha256: sha256hex(jcs(ARGS)) } });
      expect(page.body).not.toContain("quarterly revenue");
      const next = await t.app.inject({ method: "GET", url: `/v1/audit?type=decision&after=${body.next}` });
      expect(next.json()).toMatchObject({ next: null });
      expect(next.json().events).toHaveLength(1);

      const byAgent = await t.app.inject({
        method: "GET",
        url: `/v1/audit?agent=${encodeURIComponent(researcher.id)}&type=decision`,
      });
      expect(byAgent.json().events).toHaveLength(3);
      const byIntent = await t.app.inject({ method: "GET", url: "/v1/audit?intent=nope" });
      expect(byIntent.json()).toEqual({ events: [], next: null });
      const future = await t.app.inject({ method: "GET", url: "/v1/audit?from=2999-01-01T00:00:00Z" });
      expect(future.json().events).toHaveLength(0);
    });

    it("refuses unknown and malformed query parameters", async () => {
      expectProblem(
        await t.app.inject({ method: "GET", url: "/v1/audit?colour=red" }),
        400,
        "invalid_request",
      );
      expectProblem(await t.app.inject({ method: "GET", url: "/v1/audit?limit=0" }), 400, "invalid_request");
      expectProblem(
        await t.app.inject({ method: "GET", url: "/v1/audit?from=yesterday" }),
        400,
        "invalid_request",
      );
      expectProblem(
        await t.app.inject({ method: "GET", url: "/v1/audit?type=nope" }),
        400,
        "invalid_request",
      );
    });

    it("checks the chain", async () => {
      await t.app.inject({ method: "POST", url: "/v1/verify", payload: verifyBody(delegation(2)) });
      const res = await t.app.inject({ method: "GET", url: "/v1/audit/check" });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        ok: true,
        count: 3,
        head_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
    });
  });

  describe("GET /v1/agents/:id", () => {
    it("describes a known agent", async () => {
      await t.app.inject({ method: "POST", url: "/v1/tokens", payload: { aat_chain: delegation(3) } });
      const res = await t.app.inject({
        method: "GET",
        url: `/v1/agents/${encodeURIComponent(researcher.id)}`,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ id: researcher.id, name: null, revoked: null });
      expect(body.held).toHaveLength(1);
      expect(body.issued).toHaveLength(1);
      expect(body.held[0]).toMatchObject({
        depth: 1,
        holder: researcher.id,
        revoked: false,
        intent: INTENT.id,
      });
    });

    it("answers 404 for an agent it knows nothing about", async () => {
      const res = await t.app.inject({ method: "GET", url: `/v1/agents/${encodeURIComponent(mallory.id)}` });
      expectProblem(res, 404, "agent_not_found");
    });
  });
});

describe("operations routes", () => {
  let t: AppHarness;
  beforeEach(async () => {
    t = await openApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it("GET /healthz answers while the process is up", async () => {
    const res = await t.app.inject({ method: "GET", url: "/healthz" });
    expect(res.json()).toEqual({ ok: true });
  });

  it("GET /readyz is 200 when the store answers and the revocation state is fresh", async () => {
    const res = await t.app.inject({ method: "GET", url: "/readyz" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, store: { ok: true }, revocation: { stale: false } });
  });

  it("GET /readyz is a 503 problem when the store does not answer", async () => {
    t.store.listRevocations = async () => {
      throw new Error("connection refused");
    };
    const res = await t.app.inject({ method: "GET", url: "/readyz" });
    const p = expectProblem(res, 503, "not_ready");
    expect(p.detail).toBe("the store does not answer");
  });

  it("GET /metrics exposes decisions, verify time, feed lag and store errors", async () => {
    await t.app.inject({ method: "POST", url: "/v1/verify", payload: verifyBody(delegation(2)) });
    t.store.listAudit = async () => {
      throw new Error("disk gone");
    };
    expectProblem(await t.app.inject({ method: "GET", url: "/v1/audit" }), 503, "store_unavailable");
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.body).toContain('baton_decisions_total{code="permitted"} 1');
    expect(res.body).toContain("baton_verify_seconds_count 1");
    expect(res.body).toMatch(/baton_revocation_feed_lag_seconds \d/);
    expect(res.body).toContain('baton_store_errors_total{operation="listAudit"} 1');
  });

  it("maps a store failure to 503 store_unavailable", async () => {
    t.trust.checkAudit = async () => {
      throw new StoreUnavailableError("checkAudit", new Error("boom"));
    };
    expectProblem(await t.app.inject({ method: "GET", url: "/v1/audit/check" }), 503, "store_unavailable");
  });
});
