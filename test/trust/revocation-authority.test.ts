/**
 * Issue 9 items 5, 6 and 7: a revoked key loses every role (anchor, approver, admin); a trust
 * anchor revokes only inside the trees it rooted, global revocation belongs to admin keys; and a
 * revocation request names the one service it is for (`aud`).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApproval } from "../../src/core/approval/index.ts";
import { grant, prove } from "../../src/core/chain/issue.ts";
import type { ToolsMap } from "../../src/core/constraints/index.ts";
import { BatonError } from "../../src/core/errors.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import type { RevocationTarget } from "../../src/core/ports.ts";
import {
  createRevocationRequest,
  REVOKE_TYP,
  verifyRevocationRequest,
} from "../../src/core/revocation/request.ts";
import { signCompact } from "../../src/core/token/jws.ts";
import { createMemoryStoreState, MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";
import { type AppHarness, openApp } from "../service/helpers.ts";
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
  summarizer,
  TOOLS,
  testConfig,
} from "./fixtures.ts";

const seed = (b: number) => new Uint8Array(32).fill(b);
const bob = AgentKey.fromSeed(seed(0x51), "bob");
const bobsAgent = AgentKey.fromSeed(seed(0x52), "bob's agent");
const admin2 = AgentKey.fromSeed(seed(0x53), "second admin");
const approver = AgentKey.fromSeed(seed(0x54), "approver");
const BOB = "https://bob.baton.test";
const BOB_INTENT = { id: "intent-bob", purpose: "bob's task" };

/** A root granted by bob's anchor to bob's agent (the same token every time). */
function bobsChain(): string[] {
  const g = grant({
    key: bob,
    issuer: BOB,
    to: bobsAgent,
    tools: TOOLS,
    ttl: 3600,
    maxDepth: 8,
    now: NOW,
    aud: AUDIENCE,
    intent: BOB_INTENT,
    jti: "bob-root",
  });
  if (!g.ok) throw new Error(g.message);
  return g.value;
}

/** Two anchors (principal = "alice", bob), two admin keys, one approver. */
function config() {
  return testConfig({
    trustAnchors: [
      { issuer: ISSUER, jwk: principal.publicJwk },
      { issuer: BOB, jwk: bob.publicJwk },
    ],
    adminKeys: [admin.publicJwk, admin2.publicJwk],
    approverKeys: [approver.publicJwk],
  });
}

async function openFacade(): Promise<Trust> {
  const store = new MemoryStore();
  return new Trust(config(), {
    store,
    revocations: await RevocationState.open(store),
    clock: () => NOW * 1000,
  });
}

const request = (key: AgentKey, target: RevocationTarget, chain: string[] = [], audience = AUDIENCE) =>
  createRevocationRequest({ key, audience, target, chain, now: NOW });

describe("a revoked key loses every role (item 5)", () => {
  let trust: Trust;
  beforeEach(async () => {
    trust = await openFacade();
  });
  afterEach(async () => {
    await trust.close();
  });

  it("roots signed by a revoked trust-anchor key no longer verify, even newly minted ones", async () => {
    expect(
      (await trust.verify({ presentation: present(delegation(2)), tool: "search", args: ARGS })).allow,
    ).toBe(true);
    const r = await trust.revoke(request(admin, { kind: "agent", id: principal.id }));
    expect(r).toMatchObject({ ok: true, created: true });
    // A root minted after the revocation, by the same anchor key.
    const fresh = delegation(2, { tag: "after" });
    const d = await trust.verify({ presentation: present(fresh), tool: "search", args: ARGS });
    expect(d).toMatchObject({ allow: false, code: "revoked", token: 0 });
    expect(d.message).toContain(principal.id);
    // The agent view says so too: the orchestrator's root is revoked through its anchor's key.
    const view = await trust.agent(orchestrator.id);
    expect(view?.held.filter((t) => t.depth === 0).map((t) => t.revoked)).toEqual([true]);
    // bob's anchor is untouched.
    const b = bobsChain();
    const p = prove(b, {
      key: bobsAgent,
      tool: "search",
      args: ARGS,
      now: NOW,
      aud: AUDIENCE,
      jti: "bob-pop",
    });
    if (!p.ok) throw new Error(p.message);
    expect((await trust.verify({ presentation: p.value, tool: "search", args: ARGS })).allow).toBe(true);
  });

  it("a revoked approver's approval does not count", async () => {
    const tools: ToolsMap = { deploy: { env: { constraint_type: "wildcard" } } };
    const g = grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools,
      ttl: 600,
      maxDepth: 2,
      now: NOW,
      approve: ["deploy"],
    });
    if (!g.ok) throw new Error(g.message);
    const args = { env: "prod" };
    const pop = (jti: string) => {
      const p = prove(g.value, { key: orchestrator, tool: "deploy", args, now: NOW, aud: AUDIENCE, jti });
      if (!p.ok) throw new Error(p.message);
      return p.value;
    };
    const first = await trust.verify({ presentation: pop("a1"), tool: "deploy", args });
    expect(first).toMatchObject({ allow: false, code: "approval_required" });
    expect((await trust.revoke(request(admin, { kind: "agent", id: approver.id }))).ok).toBe(true);
    const p2 = pop("a2");
    const pending = await trust.verify({ presentation: p2, tool: "deploy", args });
    const approval = createApproval({
      key: approver,
      popHash: pending.detail?.pop_hash as string,
      tool: "deploy",
      args,
      now: NOW,
    });
    const d = await trust.verify({ presentation: p2, tool: "deploy", args, approval });
    expect(d).toMatchObject({ allow: false, code: "approval_required", step: "B6" });
    expect(d.message).toContain("whose key is revoked");
  });

  it("a revoked admin key can no longer revoke", async () => {
    expect((await trust.revoke(request(admin2, { kind: "agent", id: admin.id }))).ok).toBe(true);
    const r = await trust.revoke(request(admin, { kind: "agent", id: mallory.id }));
    expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    expect(r.ok ? "" : r.message).toMatch(/an admin key .* whose key is revoked/);
    expect(await trust.revocation({ kind: "agent", id: mallory.id })).toBeNull();
  });

  it("a revoked anchor key can no longer revoke inside its own trees", async () => {
    const chain = delegation(3);
    expect((await trust.revoke(request(admin, { kind: "agent", id: principal.id }))).ok).toBe(true);
    const ids = idsOf(chain);
    const r = await trust.revoke(request(principal, { kind: "token", id: ids[1]?.hash as string }, chain));
    expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    expect(r.ok ? "" : r.message).toMatch(/the trust anchor of .* whose key is revoked/);
  });
});

describe("a trust anchor revokes only inside the trees it rooted (item 6)", () => {
  const aliceChain = delegation(3);
  const aliceIds = idsOf(aliceChain);
  const options = {
    trustAnchors: config().trustAnchors,
    adminKeys: config().adminKeys,
    audience: AUDIENCE,
    now: NOW,
  };
  const verify = (r: string) => verifyRevocationRequest(r, options);
  const bobIds = idsOf(bobsChain());

  it("alice cannot revoke bob's token, by chain or by id alone", () => {
    const byChain = verify(request(principal, { kind: "token", id: bobIds[0]?.hash as string }, bobsChain()));
    expect(byChain).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    expect(byChain.ok ? "" : byChain.message).toContain(`rooted at "${BOB}"`);
    const byJti = verify(request(principal, { kind: "token", id: bobIds[0]?.jti as string }));
    expect(byJti).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    expect(byJti.ok ? "" : byJti.message).toContain("needs an admin key");
  });

  it("alice cannot revoke bob's intent", () => {
    expect(verify(request(principal, { kind: "intent", id: BOB_INTENT.id }))).toMatchObject({
      ok: false,
      code: "revocation_unauthorized",
    });
    expect(verify(request(principal, { kind: "intent", id: BOB_INTENT.id }, bobsChain()))).toMatchObject({
      ok: false,
      code: "revocation_unauthorized",
    });
  });

  it("alice cannot revoke bob's agent", () => {
    expect(verify(request(principal, { kind: "agent", id: bobsAgent.id }))).toMatchObject({
      ok: false,
      code: "revocation_unauthorized",
    });
    expect(verify(request(principal, { kind: "agent", id: bobsAgent.id }, bobsChain()))).toMatchObject({
      ok: false,
      code: "revocation_unauthorized",
    });
  });

  it("an admin revokes bob's token, intent and agent globally, with no chain", () => {
    for (const target of [
      { kind: "token", id: bobIds[0]?.jti as string },
      { kind: "intent", id: BOB_INTENT.id },
      { kind: "agent", id: bobsAgent.id },
    ] as RevocationTarget[]) {
      expect(verify(request(admin, target))).toMatchObject({ ok: true, authority: "admin", target });
    }
  });

  it("alice revokes in her own tree: a token as named, an intent narrowed to the root, an agent to its branch", () => {
    expect(
      verify(request(principal, { kind: "token", id: aliceIds[1]?.jti as string }, aliceChain)),
    ).toMatchObject({ ok: true, authority: "anchor", target: { kind: "token", id: aliceIds[1]?.hash } });
    expect(verify(request(principal, { kind: "intent", id: INTENT.id }, aliceChain))).toMatchObject({
      ok: true,
      authority: "anchor",
      target: { kind: "token", id: aliceIds[0]?.hash },
    });
    expect(verify(request(principal, { kind: "agent", id: summarizer.id }, aliceChain))).toMatchObject({
      ok: true,
      authority: "anchor",
      target: { kind: "token", id: aliceIds[2]?.hash },
    });
  });

  it("through the facade, alice's refused attempt leaves bob's tree working; the admin's stops it", async () => {
    const trust = await openFacade();
    const b = bobsChain();
    const call = (jti: string) => {
      const p = prove(b, { key: bobsAgent, tool: "search", args: ARGS, now: NOW, aud: AUDIENCE, jti });
      if (!p.ok) throw new Error(p.message);
      return trust.verify({ presentation: p.value, tool: "search", args: ARGS });
    };
    for (const target of [
      { kind: "intent", id: BOB_INTENT.id },
      { kind: "agent", id: bobsAgent.id },
      { kind: "token", id: bobIds[0]?.jti as string },
    ] as RevocationTarget[]) {
      expect(await trust.revoke(request(principal, target))).toMatchObject({
        ok: false,
        code: "revocation_unauthorized",
      });
    }
    expect((await call("b1")).allow).toBe(true);
    expect((await trust.revoke(request(admin, { kind: "intent", id: BOB_INTENT.id }))).ok).toBe(true);
    expect(await call("b2")).toMatchObject({ allow: false, code: "revoked" });
    await trust.close();
  });
});

describe("a revocation request names the service it is for (item 7)", () => {
  const target: RevocationTarget = { kind: "agent", id: mallory.id };
  const options = {
    trustAnchors: config().trustAnchors,
    adminKeys: [admin.publicJwk],
    audience: AUDIENCE,
    now: NOW,
  };

  it("refuses a request without aud, naming this service's id", () => {
    const unsigned = signCompact(
      { alg: "Ed25519", typ: REVOKE_TYP },
      { jti: "no-aud", iat: NOW, target, chain: [] },
      admin,
    );
    const r = verifyRevocationRequest(unsigned, options);
    expect(r).toMatchObject({ ok: false, code: "revocation_wrong_audience" });
    expect(r.ok ? "" : r.message).toContain(`aud "${AUDIENCE}"`);
  });

  it("refuses a request for another service (staging's request at production)", () => {
    const r = verifyRevocationRequest(request(admin, target, [], "https://staging.baton.test"), options);
    expect(r).toMatchObject({ ok: false, code: "revocation_wrong_audience" });
    expect(r.ok ? "" : r.message).toBe(
      `the request is for aud "https://staging.baton.test", not this service ("${AUDIENCE}")`,
    );
  });

  it("accepts any one of the service's configured ids", () => {
    const r = verifyRevocationRequest(request(admin, target, [], "https://alias.baton.test"), {
      ...options,
      audience: [AUDIENCE, "https://alias.baton.test"],
    });
    expect(r).toMatchObject({ ok: true });
  });

  it("will not build a request without an audience", () => {
    expect(() => createRevocationRequest({ key: admin, audience: "", target, chain: [], now: NOW })).toThrow(
      BatonError,
    );
  });

  describe("over HTTP", () => {
    let t: AppHarness;
    beforeEach(async () => {
      t = await openApp();
    });
    afterEach(async () => {
      await t.close();
    });

    it("POST /v1/revocations answers 403 revocation_wrong_audience for another service's request", async () => {
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/revocations",
        payload: { request: request(admin, target, [], "https://staging.baton.test") },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: "revocation_wrong_audience" });
      const ok = await t.app.inject({
        method: "POST",
        url: "/v1/revocations",
        payload: { request: request(admin, target) },
      });
      expect(ok.statusCode).toBe(201);
    });
  });
});

describe("review: a revoked key cannot revoke through a node whose revocation set is stale (finding 3)", () => {
  it("node B's feed is gone; the revoked second admin's request there is refused from the store", async () => {
    const state = createMemoryStoreState();
    const clock = () => NOW * 1000;
    const storeA = new MemoryStore({ state });
    const storeB = new MemoryStore({ state });
    const A = new Trust(config(), {
      store: storeA,
      revocations: await RevocationState.open(storeA, { clock }),
      clock,
    });
    const revB = await RevocationState.open(storeB, { clock });
    const B = new Trust(config(), { store: storeB, revocations: revB, clock });
    try {
      await revB.close(); // B stops following the feed: its in-memory set no longer changes
      const r1 = await A.revoke(
        createRevocationRequest({
          key: admin,
          audience: AUDIENCE,
          target: { kind: "agent", id: admin2.id },
          chain: [],
          now: NOW,
          jti: "r1",
        }),
      );
      expect(r1).toMatchObject({ ok: true });
      expect(revB.isAgentRevoked(admin2.id)).toBe(false); // B's own set has not heard of it
      const r3 = await B.revoke(
        createRevocationRequest({
          key: admin2,
          audience: AUDIENCE,
          target: { kind: "agent", id: admin.id },
          chain: [],
          now: NOW,
          jti: "r3",
        }),
      );
      expect(r3).toMatchObject({ ok: false, code: "revocation_unauthorized" });
      expect(r3.ok ? "" : r3.message).toContain("whose key is revoked");
      expect(await storeB.getRevocation({ kind: "agent", id: admin.id })).toBeNull();
    } finally {
      await A.close();
      await B.close();
    }
  });
});

describe("review: the once-only key of a revocation request is its signer and jti (low)", () => {
  it("a jti learned from a refused request cannot be burnt first by another signer", async () => {
    const trust = await openFacade();
    try {
      // mallory's self-revocation uses the jti of the admin's pending request first.
      const own = await trust.revoke(
        createRevocationRequest({
          key: admin2,
          audience: AUDIENCE,
          target: { kind: "intent", id: "noise" },
          chain: [],
          now: NOW,
          jti: "pending-1",
        }),
      );
      expect(own).toMatchObject({ ok: true });
      const real = await trust.revoke(
        createRevocationRequest({
          key: admin,
          audience: AUDIENCE,
          target: { kind: "agent", id: mallory.id },
          chain: [],
          now: NOW,
          jti: "pending-1",
        }),
      );
      expect(real).toMatchObject({ ok: true, created: true });
      // The same signer and jti again is still a replay.
      const again = await trust.revoke(
        createRevocationRequest({
          key: admin,
          audience: AUDIENCE,
          target: { kind: "agent", id: mallory.id },
          chain: [],
          now: NOW,
          jti: "pending-1",
        }),
      );
      expect(again).toMatchObject({ ok: false, code: "revocation_replayed" });
    } finally {
      await trust.close();
    }
  });
});
