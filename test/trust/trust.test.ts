import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApproval } from "../../src/core/approval/index.ts";
import { grant, prove } from "../../src/core/chain/issue.ts";
import { jcs, sha256hex } from "../../src/core/encoding.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { createRevocationRequest } from "../../src/core/revocation/request.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";
import {
  ARGS,
  AUDIENCE,
  admin,
  delegation,
  type Harness,
  INTENT,
  ISSUER,
  idsOf,
  mallory,
  NOW,
  openTrust,
  orchestrator,
  present,
  principal,
  researcher,
  STORE_KINDS,
  summarizer,
  testConfig,
  writer,
} from "./fixtures.ts";

describe.each(STORE_KINDS)("Trust facade on the %s store", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openTrust(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  describe("verify", () => {
    it("permits a valid call and audits it with the args hash, never the args", async () => {
      const chain = delegation(3);
      const d = await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS });
      expect(d).toMatchObject({ allow: true, code: "permitted", intent: INTENT.id, holder: summarizer.id });

      const { events } = await h.trust.audit({ type: "decision" });
      expect(events).toHaveLength(1);
      const e = events[0]!;
      expect(e).toMatchObject({ type: "decision", intent: INTENT.id, agent: summarizer.id });
      expect(e.data).toMatchObject({
        allow: true,
        code: "permitted",
        tool: "search",
        jtis: idsOf(chain).map((t) => t.jti),
        args_sha256: sha256hex(jcs(ARGS)),
      });
      expect(JSON.stringify(e)).not.toContain("quarterly revenue");
      expect(e.data).not.toHaveProperty("args");
    });

    it("audits a denial with its code, step and token index", async () => {
      const chain = delegation(2);
      const args = { query: "x", limit: 1000 };
      const d = await h.trust.verify({ presentation: present(chain, { args }), tool: "search", args });
      expect(d).toMatchObject({ allow: false, code: "args_rejected", token: 1 });

      const { events } = await h.trust.audit({ type: "decision" });
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({
        allow: false,
        code: "args_rejected",
        step: "6b",
        token_index: 1,
        tool: "search",
        args_sha256: sha256hex(jcs(args)),
      });
    });

    it("records the chain's tokens in the registry on permit, once", async () => {
      const chain = delegation(3);
      await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS });
      await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS });
      const tokens = await h.store.findTokens({ intent: INTENT.id });
      expect(tokens.map((t) => t.hash).sort()).toEqual(
        idsOf(chain)
          .map((t) => t.hash)
          .sort(),
      );
      expect((await h.trust.audit({ type: "token_recorded" })).events).toHaveLength(3);
    });

    it("does not record the tokens of a denied call", async () => {
      const chain = delegation(2);
      const p = present(chain, { tool: "read_file", args: { path: "/etc/passwd" } });
      const d = await h.trust.verify({ presentation: p, tool: "search", args: ARGS });
      expect(d.allow).toBe(false);
      expect(await h.store.findTokens({})).toHaveLength(0);
    });

    it("denies a replayed PoP with replayed", async () => {
      const chain = delegation(2);
      const p = present(chain, { jti: "pop-once" });
      expect((await h.trust.verify({ presentation: p, tool: "search", args: ARGS })).allow).toBe(true);
      const again = await h.trust.verify({ presentation: p, tool: "search", args: ARGS });
      expect(again).toMatchObject({ allow: false, code: "replayed", step: "7i" });
    });
  });

  describe("recordChain", () => {
    it("records each token with hash, parent hash and claims, and is idempotent", async () => {
      const chain = delegation(3);
      const first = await h.trust.recordChain(chain);
      expect(first).toMatchObject({ ok: true, recorded: 3 });
      const second = await h.trust.recordChain(chain);
      expect(second).toMatchObject({ ok: true, recorded: 0 });

      const ids = idsOf(chain);
      const leaf = await h.store.getToken(ids[2]!.hash);
      expect(leaf).toMatchObject({
        jti: ids[2]!.jti,
        parentHash: ids[1]!.hash,
        issuer: researcher.id,
        holder: summarizer.id,
        intent: INTENT.id,
        depth: 2,
        token: chain[2],
      });
      expect((await h.trust.audit({ type: "token_recorded" })).events).toHaveLength(3);
    });

    it("refuses an invalid chain with the verifier's code and records nothing", async () => {
      const chain = delegation(3);
      const r = await h.trust.recordChain([chain[0]!, chain[2]!]);
      expect(r).toMatchObject({ ok: false, code: "bad_signature", token: 1 });
      expect(await h.store.findTokens({})).toHaveLength(0);
    });
  });

  describe("revoke", () => {
    it("accepts a revocation by an upstream holder; the chain is then denied revoked, naming the token", async () => {
      const chain = delegation(3);
      const ids = idsOf(chain);
      const request = createRevocationRequest({
        audience: AUDIENCE,
        key: orchestrator,
        target: { kind: "token", id: ids[2]!.jti },
        chain,
        reason: "summarizer misbehaves",
        now: NOW,
      });
      const r = await h.trust.revoke(request);
      expect(r).toMatchObject({ ok: true, created: true });
      if (!r.ok) return;
      // Stored by hash, not by the (issuer-chosen) jti.
      expect(r.record).toMatchObject({ target: { kind: "token", id: ids[2]!.hash }, actor: orchestrator.id });

      const d = await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS });
      expect(d).toMatchObject({ allow: false, code: "revoked", token: 2 });
      expect(d.message).toContain(ids[2]!.hash);
      expect((await h.trust.audit({ type: "revocation" })).events).toHaveLength(1);
    });

    it("cascades: revoking the middle of a 5-token chain denies the leaf's call, descendants never recorded", async () => {
      const chain = delegation(5);
      expect(await h.store.findTokens({})).toHaveLength(0);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: researcher, // holder of token 1, issuer of token 2
          target: { kind: "token", id: idsOf(chain)[2]!.hash },
          chain: chain.slice(0, 3),
          now: NOW,
        }),
      );
      expect(r.ok).toBe(true);
      const d = await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS });
      expect(d).toMatchObject({ allow: false, code: "revoked", token: 2, holder: writer.id });
      expect(await h.store.findTokens({})).toHaveLength(0);
    });

    it("is idempotent per target: a second request for the same token returns the first record", async () => {
      const chain = delegation(3);
      const target = { kind: "token" as const, id: idsOf(chain)[2]!.hash };
      const a = await h.trust.revoke(
        createRevocationRequest({ audience: AUDIENCE, key: orchestrator, target, chain, now: NOW }),
      );
      const b = await h.trust.revoke(
        createRevocationRequest({ audience: AUDIENCE, key: researcher, target, chain, now: NOW }),
      );
      expect(a).toMatchObject({ ok: true, created: true });
      expect(b).toMatchObject({ ok: true, created: false });
      if (a.ok && b.ok) expect(b.record.seq).toBe(a.record.seq);
    });

    it("revokes an agent everywhere when the agent itself asks (kill switch)", async () => {
      const chain = delegation(4);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: summarizer,
          target: { kind: "agent", id: summarizer.id },
          chain,
          now: NOW,
        }),
      );
      expect(r).toMatchObject({ ok: true, record: { target: { kind: "agent", id: summarizer.id } } });
      // Token 2 is held by the summarizer, token 3 is issued by it: the first hit is token 2.
      const d = await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS });
      expect(d).toMatchObject({ allow: false, code: "revoked", token: 2 });
      const other = await h.trust.verify({
        presentation: present(delegation(2)),
        tool: "search",
        args: ARGS,
      });
      expect(other.allow).toBe(true);
    });

    it("revokes an agent when an admin asks, without a chain", async () => {
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: admin,
          target: { kind: "agent", id: researcher.id },
          chain: [],
          now: NOW,
        }),
      );
      expect(r).toMatchObject({ ok: true });
      const d = await h.trust.verify({ presentation: present(delegation(3)), tool: "search", args: ARGS });
      expect(d).toMatchObject({ allow: false, code: "revoked", token: 1 });
    });

    it("revokes the task owner's whole tree when the root holder revokes its intent", async () => {
      const tree = delegation(4);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: { kind: "intent", id: INTENT.id },
          chain: tree.slice(0, 1),
          now: NOW,
        }),
      );
      // Narrowed to the owner's root token: it cascades to the whole tree, and only to that tree.
      expect(r).toMatchObject({ ok: true, record: { target: { kind: "token" } } });
      const d = await h.trust.verify({ presentation: present(tree), tool: "search", args: ARGS });
      expect(d).toMatchObject({ allow: false, code: "revoked", token: 0 });
      // Another root bound to the same intent id is not the owner's to revoke.
      const other = await h.trust.verify({
        presentation: present(delegation(2)),
        tool: "search",
        args: ARGS,
      });
      expect(other.allow).toBe(true);
    });

    it("refuses a sibling agent that is not in the chain, and audits the refusal", async () => {
      const chain = delegation(3);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: mallory,
          target: { kind: "token", id: idsOf(chain)[2]!.hash },
          chain,
          now: NOW,
        }),
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
      expect((await h.trust.audit({ type: "revocation_refused" })).events[0]?.data).toMatchObject({
        code: "revocation_unauthorized",
      });
      expect((await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS })).allow).toBe(
        true,
      );
    });

    it("refuses the target token's own holder (revocation is the upstream's decision)", async () => {
      const chain = delegation(3);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: summarizer,
          target: { kind: "token", id: idsOf(chain)[2]!.hash },
          chain,
          now: NOW,
        }),
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
      if (!r.ok) expect(r.message).toContain("holds the target token");
    });

    it("refuses an upstream holder revoking an agent everywhere (anyone can delegate to any key)", async () => {
      const chain = delegation(3);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: { kind: "agent", id: summarizer.id },
          chain,
          now: NOW,
        }),
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    });

    it("refuses a replayed request jti", async () => {
      const chain = delegation(3);
      const request = createRevocationRequest({
        audience: AUDIENCE,
        key: orchestrator,
        target: { kind: "token", id: idsOf(chain)[2]!.hash },
        chain,
        now: NOW,
        jti: "rq-1",
      });
      expect((await h.trust.revoke(request)).ok).toBe(true);
      expect(await h.trust.revoke(request)).toMatchObject({ ok: false, code: "revocation_replayed" });
    });

    it("refuses a stale request", async () => {
      const chain = delegation(3);
      const r = await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: { kind: "token", id: idsOf(chain)[2]!.hash },
          chain,
          now: NOW - 301,
        }),
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_stale" });
    });
  });

  describe("inspection", () => {
    it("describes an agent: tokens issued and held, revocation status, name", async () => {
      const chain = delegation(3);
      await h.trust.recordChain(chain);
      await h.store.setAgentName(researcher.id, "researcher");
      const view = await h.trust.agent(researcher.id);
      expect(view).toMatchObject({ id: researcher.id, name: "researcher", revoked: null });
      expect(view?.held.map((t) => t.depth)).toEqual([1]);
      expect(view?.issued.map((t) => t.depth)).toEqual([2]);
      expect(await h.trust.agent(mallory.id)).toBeNull();

      await h.trust.revoke(
        createRevocationRequest({
          audience: AUDIENCE,
          key: admin,
          target: { kind: "agent", id: researcher.id },
          chain: [],
          now: NOW,
        }),
      );
      const after = await h.trust.agent(researcher.id);
      expect(after?.revoked).toMatchObject({ target: { kind: "agent", id: researcher.id } });
      expect(after?.held[0]?.revoked).toBe(true);
    });

    it("pages the audit log and checks its hash chain", async () => {
      for (let i = 0; i < 5; i++) {
        await h.trust.verify({ presentation: present(delegation(1)), tool: "search", args: ARGS });
      }
      const first = await h.trust.audit({ type: "decision", limit: 2 });
      expect(first.events).toHaveLength(2);
      expect(first.next).toBe(first.events[1]!.id);
      const rest = await h.trust.audit({ type: "decision", after: first.next!, limit: 10 });
      expect(rest.events).toHaveLength(3);
      expect(rest.next).toBeNull();
      expect(await h.trust.checkAudit()).toMatchObject({ ok: true });
      const lines: string[] = [];
      for await (const line of h.trust.exportAudit({ type: "decision" })) lines.push(line);
      expect(lines).toHaveLength(5);
      expect(JSON.parse(lines[0]!)).toMatchObject({ type: "decision" });
    });

    it("serves the revocation feed in order", async () => {
      const chain = delegation(4);
      const ids = idsOf(chain);
      for (const [i, key] of [orchestrator, researcher].entries()) {
        await h.trust.revoke(
          createRevocationRequest({
            audience: AUDIENCE,
            key,
            target: { kind: "token", id: ids[i + 2]!.hash },
            chain,
            now: NOW,
          }),
        );
      }
      const all = await h.trust.revocations(0);
      expect(all.revocations.map((r) => r.target.id)).toEqual([ids[2]!.hash, ids[3]!.hash]);
      const after = await h.trust.revocations(all.revocations[0]!.seq);
      expect(after.revocations).toHaveLength(1);
      expect(after.lastSeq).toBe(all.lastSeq);
    });
  });
});

describe("Trust facade configuration", () => {
  it("denies every call with a clear message when no trust anchor is configured", async () => {
    const store = new MemoryStore();
    const trust = new Trust(testConfig({ trustAnchors: [] }), {
      store,
      revocations: await RevocationState.open(store),
      clock: () => NOW * 1000,
    });
    const d = await trust.verify({ presentation: present(delegation(2)), tool: "search", args: ARGS });
    expect(d).toMatchObject({ allow: false, code: "bad_signature", token: 0 });
    expect(d.message).toContain("no trust anchors configured");
    await trust.close();
  });

  it("fails closed when the decision cannot be audited", async () => {
    const store = new MemoryStore();
    const trust = new Trust(testConfig(), {
      store,
      revocations: await RevocationState.open(store),
      clock: () => NOW * 1000,
    });
    const failures: string[] = [];
    trust.onStoreError((op) => failures.push(op));
    store.appendAudit = async () => {
      throw new Error("disk full");
    };
    const d = await trust.verify({ presentation: present(delegation(2)), tool: "search", args: ARGS });
    expect(d).toMatchObject({ allow: false, code: "verification_unavailable" });
    expect(failures).toContain("appendAudit");
    await trust.close();
  });

  it("tracks replay only for the configured tools", async () => {
    const store = new MemoryStore();
    const trust = new Trust(testConfig({ policy: { trackReplay: ["read_*"] } }), {
      store,
      revocations: await RevocationState.open(store),
      clock: () => NOW * 1000,
    });
    const p = present(delegation(2), { jti: "same" });
    expect((await trust.verify({ presentation: p, tool: "search", args: ARGS })).allow).toBe(true);
    expect((await trust.verify({ presentation: p, tool: "search", args: ARGS })).allow).toBe(true);
    await trust.close();
  });

  it("checks step-up approvals with the configured approver keys, each approval once", async () => {
    const approver = AgentKey.fromSeed(new Uint8Array(32).fill(0x41), "approver");
    const store = new MemoryStore();
    const seen: string[] = [];
    const trust = new Trust(testConfig({ approverKeys: [approver.publicJwk] }), {
      store,
      revocations: await RevocationState.open(store),
      clock: () => NOW * 1000,
      onDecision: (_input, d) => seen.push(d.code),
    });
    const g = grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: { deploy: { env: { constraint_type: "wildcard" } } },
      ttl: 600,
      maxDepth: 2,
      now: NOW,
      approve: ["deploy"],
    });
    if (!g.ok) throw new Error(g.message);
    const args = { env: "prod" };
    const p = prove(g.value, { key: orchestrator, tool: "deploy", args, now: NOW, aud: AUDIENCE });
    if (!p.ok) throw new Error(p.message);
    const first = await trust.verify({ presentation: p.value, tool: "deploy", args });
    expect(first).toMatchObject({ allow: false, code: "approval_required" });
    const popHash = first.detail?.pop_hash as string;
    const approval = createApproval({ key: approver, popHash, tool: "deploy", args, now: NOW });
    const second = await trust.verify({ presentation: p.value, tool: "deploy", args, approval });
    expect(second).toMatchObject({ allow: true });
    expect(seen).toEqual(["approval_required", "permitted"]);
    await trust.close();
  });

  it("opens its own store from the config", async () => {
    const trust = await Trust.open(testConfig({ store: { url: "memory:" } }));
    expect(trust.backend).toBe("memory");
    expect(await trust.ready()).toMatchObject({ ok: true, store: { ok: true } });
    await trust.close();
  });
});
