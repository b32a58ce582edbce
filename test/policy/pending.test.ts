import Fastify from "fastify";
import { serializerCompiler, validatorCompiler } from "fastify-type-provider-zod";
import { describe, expect, it } from "vitest";
import { approvalArgsHash } from "../../src/core/approval/approval.ts";
import type { Decision } from "../../src/core/chain/options.ts";
import { sha256b64u } from "../../src/core/encoding.ts";
import { PendingApprovals } from "../../src/policy/pending.ts";
import { approvalsRoutes } from "../../src/service/routes/approvals.ts";

const pop = "eyJhbGciOiJFZDI1NTE5In0.e30.c2ln";
const call = { presentation: { aat_chain: [], aat_pop: pop }, tool: "deploy", args: { env: "prod" } };
const required: Decision = {
  allow: false,
  code: "approval_required",
  step: "B6",
  token: null,
  message: 'tool "deploy" requires step-up approval',
  intent: "release",
  holder: "urn:agent:r",
  detail: { pop_hash: sha256b64u(pop) },
};
const permitted: Decision = { ...required, allow: true, code: "permitted", step: "8", message: "ok" };
delete permitted.detail;

describe("pending approvals", () => {
  it("records an approval_required call and removes it once the call is permitted", () => {
    const pending = new PendingApprovals();
    const entry = pending.observe(call, required, 1000);
    expect(entry).toEqual({
      pop_hash: sha256b64u(pop),
      tool: "deploy",
      args_hash: approvalArgsHash({ env: "prod" }),
      intent: "release",
      holder: "urn:agent:r",
      reason: required.message,
      at: 1000,
      expires_at: 1060,
    });
    expect(pending.list(1001)).toEqual([entry]);
    pending.observe(call, permitted, 1002);
    expect(pending.list(1003)).toEqual([]);
  });

  it("drops entries once their PoP can no longer be presented, and bounds its size", () => {
    const pending = new PendingApprovals({ ttl: 10, max: 2 });
    pending.observe(call, required, 1000);
    expect(pending.list(1011)).toEqual([]);
    for (const p of ["a", "b", "c"])
      pending.record({ ...required, pop_hash: p, tool: "t", args_hash: "h", reason: "r", at: 2000 });
    expect(pending.list(2001).map((e) => e.pop_hash)).toEqual(["b", "c"]);
    expect(pending.remove("b")).toBe(true);
    expect(pending.size).toBe(1);
  });

  it("serves GET /v1/approvals without the arguments", async () => {
    const pending = new PendingApprovals();
    pending.observe(call, required, 1000);
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(approvalsRoutes, { pending, now: () => 1001 });
    const res = await app.inject({ method: "GET", url: "/v1/approvals" });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { approvals: Record<string, unknown>[] };
    expect(body.approvals).toHaveLength(1);
    expect(body.approvals[0]).toMatchObject({ pop_hash: sha256b64u(pop), tool: "deploy", at: 1000 });
    expect(JSON.stringify(body)).not.toContain("prod");
    await app.close();
  });
});
