/**
 * TrustClient against the real Baton service (buildApp over the Trust facade and a MemoryStore),
 * listening on 127.0.0.1:0; and LocalVerifier over the same facade. Both must give the same
 * decisions for the same calls.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import { approvalGate } from "../../src/core/approval/approval.ts";
import { PendingApprovals } from "../../src/policy/pending.ts";
import { TrustClient } from "../../src/sdk/trust-client.ts";
import { LocalVerifier } from "../../src/sdk/verifier.ts";
import { buildApp } from "../../src/service/app.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";
import { AUD, alice, chains, orchestrator, principal, researcher } from "./world.ts";

let trust: Trust;
let app: FastifyInstance;
let client: TrustClient;

beforeAll(async () => {
  const store = new MemoryStore();
  const revocations = await RevocationState.open(store);
  const config = parseConfig({
    audience: AUD,
    trustAnchors: [principal.anchor],
    approverKeys: [alice.publicJwk],
  });
  trust = new Trust(config, {
    store,
    revocations,
    approvals: approvalGate({ approvers: config.approverKeys }),
  });
  app = await buildApp(trust, { logger: false, rateLimit: false });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  client = new TrustClient({ url: `http://127.0.0.1:${addr.port}`, audience: AUD });
});

afterAll(async () => {
  await app.close();
  await trust.close();
});

describe("TrustClient (HTTP) and LocalVerifier (facade)", () => {
  it("gets the service's permit and denial decisions as data", async () => {
    const { child } = chains();
    const args = { q: "baton" };
    const ok = await client.verify({
      presentation: researcher.prove(child, { tool: "search_web", args, aud: AUD }),
      tool: "search_web",
      args,
    });
    expect(ok).toMatchObject({
      allow: true,
      code: "permitted",
      holder: researcher.id,
      intent: "release-2027-01",
    });
    const denied = await client.verify({
      presentation: researcher.prove(child, { tool: "deploy", args: {}, aud: AUD }),
      tool: "deploy",
      args: {},
    });
    expect(denied).toMatchObject({ allow: false, code: "tool_not_granted", step: "6b", token: 1 });
  });

  it("carries an approval to the service", async () => {
    const { root } = chains();
    const presentation = orchestrator.prove(root, { tool: "deploy", args: { env: "prod" }, aud: AUD });
    const first = await client.verify({ presentation, tool: "deploy", args: { env: "prod" } });
    expect(first.code).toBe("approval_required");
    const popHash = first.detail?.pop_hash as string;
    const approval = alice.approve({ popHash, tool: "deploy", args: { env: "prod" } });
    expect(
      (await client.verify({ presentation, tool: "deploy", args: { env: "prod" }, approval })).code,
    ).toBe("permitted");
  });

  it("LocalVerifier over the facade decides the same, and feeds the pending registry", async () => {
    const pending = new PendingApprovals();
    const local = new LocalVerifier({ trust, pending });
    const { root } = chains();
    const presentation = orchestrator.prove(root, { tool: "deploy", args: {}, aud: AUD });
    const d = await local.verify({ presentation, tool: "deploy", args: {} });
    expect(d.code).toBe("approval_required");
    expect(pending.list().map((e) => e.pop_hash)).toEqual([d.detail?.pop_hash]);
    const approval = alice.approve({ popHash: d.detail?.pop_hash as string, tool: "deploy", args: {} });
    expect((await local.verify({ presentation, tool: "deploy", args: {}, approval })).code).toBe("permitted");
    expect(pending.list()).toEqual([]);
  });

  it("fails closed: malformed presentation, unreachable service, unexpected answer", async () => {
    expect((await client.verify({ presentation: { aat_chain: "x" }, tool: "t", args: {} })).code).toBe(
      "malformed_presentation",
    );
    const dead = new TrustClient({ url: "http://127.0.0.1:9", timeoutMs: 1000 });
    const { child } = chains();
    const presentation = researcher.prove(child, { tool: "search_web", args: {}, aud: AUD });
    expect(await dead.verify({ presentation, tool: "search_web", args: {} })).toMatchObject({
      allow: false,
      code: "verification_unavailable",
    });
    const liar = new TrustClient({
      url: "http://baton.invalid",
      fetch: (async () =>
        new Response(JSON.stringify({ allow: true, code: "tool_not_granted", message: "" }), {
          status: 200,
        })) as typeof fetch,
    });
    expect((await liar.verify({ presentation, tool: "search_web", args: {} })).code).toBe(
      "verification_unavailable",
    );
  });
});

/** A token's jti, read straight from its payload (display only; nothing is verified here). */
function jtiOf(compact: string | undefined): string {
  const payload = JSON.parse(Buffer.from(String(compact).split(".")[1] ?? "", "base64url").toString("utf8"));
  return String(payload.jti);
}

describe("TrustClient: the rest of the service (record, revoke, approvals)", () => {
  it("records a chain and reports what the service stored", async () => {
    const { child } = chains();
    const first = await client.record(child);
    expect(first).toMatchObject({ ok: true, recorded: 2 });
    if (!first.ok) throw new Error(first.message);
    expect(first.tokens.map((t) => [t.depth, t.holder, t.created])).toEqual([
      [0, orchestrator.id, true],
      [1, researcher.id, true],
    ]);
    expect(await client.record(child)).toMatchObject({ ok: true, recorded: 0 });
  });

  it("refuses to record a chain that does not verify, as data with the decision code", async () => {
    const { child } = chains();
    const r = await client.record([child[1] as string]);
    expect(r).toMatchObject({ ok: false, status: 422 });
    if (r.ok) throw new Error("recorded");
    expect(r.code).not.toBe("bad_answer");
  });

  it("signs and sends a revocation, after which the revoked token's calls are denied", async () => {
    const { child } = chains();
    const jti = jtiOf(child[1]);
    const r = await client.revoke({
      key: orchestrator,
      target: { kind: "token", id: jti },
      chain: child,
      reason: "done",
    });
    expect(r).toMatchObject({
      ok: true,
      created: true,
      revocation: { target: { kind: "token" }, reason: "done" },
    });
    expect(
      await client.revoke({ key: orchestrator.key, target: { kind: "token", id: jti }, chain: child }),
    ).toMatchObject({
      ok: true,
      created: false,
    });
    const args = { q: "after" };
    const d = await client.verify({
      presentation: researcher.prove(child, { tool: "search_web", args, aud: AUD }),
      tool: "search_web",
      args,
    });
    expect(d).toMatchObject({ allow: false, code: "revoked" });
  });

  it("answers a refused revocation (a signer with no authority over the target) as data", async () => {
    const { child } = chains();
    const r = await client.revoke({
      key: researcher,
      target: { kind: "token", id: jtiOf(child[0]) },
      chain: child.slice(0, 1),
    });
    expect(r).toMatchObject({ ok: false, status: 403 });
  });

  it("lists the calls waiting for an approval", async () => {
    const { root } = chains();
    const args = { env: "staging" };
    const d = await client.verify({
      presentation: orchestrator.prove(root, { tool: "deploy", args, aud: AUD }),
      tool: "deploy",
      args,
    });
    expect(d.code).toBe("approval_required");
    const r = await client.approvals();
    expect(r.ok).toBe(true);
    if (!r.ok) throw new Error(r.message);
    expect(r.approvals.map((a) => a.pop_hash)).toContain(d.detail?.pop_hash);
  });

  it("fails closed as data: no service, or an answer of the wrong shape", async () => {
    const { child } = chains();
    const dead = new TrustClient({ url: "http://127.0.0.1:9", timeoutMs: 1000 });
    expect(await dead.record(child)).toMatchObject({ ok: false, status: 0, code: "unreachable" });
    expect(await dead.approvals()).toMatchObject({ ok: false, status: 0, code: "unreachable" });
    const liar = new TrustClient({
      url: "http://baton.invalid",
      fetch: (async () => new Response(JSON.stringify({ seq: "1" }), { status: 201 })) as typeof fetch,
    });
    expect(
      await liar.revoke({ key: orchestrator, target: { kind: "intent", id: "x" }, chain: child }),
    ).toMatchObject({ ok: false, status: 201, code: "bad_answer" });
  });
});
