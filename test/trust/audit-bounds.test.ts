/**
 * Issue 9 items 1 and 15: what an unauthenticated caller can make the permanent audit log keep,
 * and to whom a call is attributed. A token that did not verify is kept as a hash plus a short
 * escaped hint; a call is attributed to the leaf's agent only once its PoP verified.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { derive, type Presentation } from "../../src/core/chain/issue.ts";
import type { JsonValue } from "../../src/core/constraints/index.ts";
import { b64urlEncode } from "../../src/core/encoding.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { REVOKE_TYP } from "../../src/core/revocation/request.ts";
import { signCompact } from "../../src/core/token/jws.ts";
import { loadIntentGraph } from "../../src/graph/load.ts";
import { boundText, escapeText } from "../../src/trust/bounded.ts";
import { type AppHarness, openApp } from "../service/helpers.ts";
import {
  ARGS,
  AUDIENCE,
  delegation,
  HOLDERS,
  INTENT,
  ISSUER,
  idsOf,
  mallory,
  NOW,
  orchestrator,
  present,
  TOOLS,
} from "./fixtures.ts";

/** Bytes of the audit rows added since `after` (their JCS export lines). */
async function auditBytesAfter(t: AppHarness, after: number): Promise<number> {
  let bytes = 0;
  for await (const line of t.trust.exportAudit({})) {
    const id = (JSON.parse(line) as { id: number }).id;
    if (id > after) bytes += Buffer.byteLength(line, "utf8");
  }
  return bytes;
}

async function lastAuditId(t: AppHarness): Promise<number> {
  let last = 0;
  for await (const line of t.trust.exportAudit({})) last = (JSON.parse(line) as { id: number }).id;
  return last;
}

/**
 * Nine AAT-shaped tokens of about 64 KB each, signed by mallory (no trust anchor), whose jtis are
 * attacker-chosen (escape sequences, a newline) and whose bulk is an extra claim: they parse as
 * JWS, and none verifies.
 */
function fakeChain(): string[] {
  const keys = Array.from({ length: 9 }, (_, i) => AgentKey.fromSeed(new Uint8Array(32).fill(0x60 + i)));
  const chain: string[] = [];
  for (let i = 0; i < 9; i++) {
    const payload = {
      jti: `fake-${i}\u001b[2J\n`.padEnd(256, "J"),
      iss: i === 0 ? ISSUER : (keys[i - 1] as AgentKey).id,
      iat: NOW,
      exp: NOW + 3600,
      del_depth: i,
      del_max_depth: 8,
      cnf: { jwk: (keys[i] as AgentKey).publicJwk },
      authorization_details: [{ type: "attenuating_agent_token", tools: TOOLS }],
      filler: "F".repeat(47_000),
    };
    chain.push(
      signCompact({ alg: "Ed25519", typ: "aat+jwt" }, payload, i === 0 ? mallory : (keys[i - 1] as AgentKey)),
    );
  }
  return chain;
}

/** A PoP for `chain` signed by `key` instead of the leaf's holder: what a thief of the chain can make. */
function forgedPop(chain: string[], key: AgentKey, tool: string): Presentation {
  const real = present(chain, { tool });
  const [h, p] = real.aat_pop.split(".");
  return { ...real, aat_pop: `${h}.${p}.${b64urlEncode(key.sign(`${h}.${p}`))}` };
}

describe("the audit log keeps little from what did not verify", () => {
  let t: AppHarness;
  beforeEach(async () => {
    t = await openApp({ kind: "sqlite" });
  });
  afterEach(async () => {
    await t.close();
  });

  it("an unsigned POST /v1/verify carrying nine 64 KB fake tokens adds under 4 KB to the store", async () => {
    const chain = fakeChain();
    expect(chain.every((c) => c.length > 60_000 && c.length <= 65_536)).toBe(true);
    const before = await lastAuditId(t);
    const res = await t.app.inject({
      method: "POST",
      url: "/v1/verify",
      payload: {
        aat_chain: chain,
        aat_pop: forgedPop(delegation(1), mallory, "search").aat_pop,
        tool: "search",
        args: { query: "x" },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ allow: false });
    const bytes = await auditBytesAfter(t, before);
    if (process.env.BATON_REPORT) console.log(`audit bytes added by one unsigned 9×64 KB request: ${bytes}`);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(4096);

    const { events } = await t.trust.audit({ type: "decision" });
    const data = events.at(-1)?.data as Record<string, unknown>;
    // Not attributed: no jtis, no agent, no intent; the tokens only as hashes (nothing of a chain
    // that did not verify is decoded, so not even a hint of its jtis).
    expect(data.jtis).toEqual([]);
    expect(events.at(-1)?.agent).toBeUndefined();
    expect(events.at(-1)?.intent).toBeUndefined();
    expect(data.chain_hashes).toHaveLength(9);
    for (const h of data.chain_hashes as string[]) expect(h).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(data)).not.toContain("fake-");
    expect(String(data.message).length).toBeLessThanOrEqual(512);
  });

  it("bounds the tool name and the message of a decision", async () => {
    const chain = delegation(2);
    const before = await lastAuditId(t);
    await t.trust.verify({
      presentation: present(chain),
      tool: `x${"\u001b".repeat(10)}${"t".repeat(100_000)}`,
      args: {},
    });
    expect(await auditBytesAfter(t, before)).toBeLessThan(4096);
    const data = (await t.trust.audit({ type: "decision" })).events.at(-1)?.data as Record<string, unknown>;
    expect(String(data.tool).length).toBeLessThanOrEqual(256);
    expect(String(data.tool)).toMatch(/^x\\u001b/);
  });

  it("a refused revocation request does not echo an unknown member name into a huge message", async () => {
    const name = `m${"x".repeat(250_000)}`;
    const request = signCompact(
      { alg: "Ed25519", typ: REVOKE_TYP },
      {
        [name]: 1,
        jti: "r-1",
        iat: NOW,
        aud: AUDIENCE,
        target: { kind: "agent", id: mallory.id },
        chain: [],
      },
      mallory,
    );
    const before = await lastAuditId(t);
    const res = await t.app.inject({ method: "POST", url: "/v1/revocations", payload: { request } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe("revocation_malformed");
    expect(res.json().detail.length).toBeLessThanOrEqual(512);
    const bytes = await auditBytesAfter(t, before);
    expect(bytes).toBeLessThan(2048);
    const data = (await t.trust.audit({ type: "revocation_refused" })).events.at(-1)?.data as Record<
      string,
      unknown
    >;
    expect(String(data.message).length).toBeLessThanOrEqual(512);
    expect(String(data.request_hash)).toMatch(/^sha256:/);
  });
});

describe("a call is attributed to the leaf's agent only once its PoP verified", () => {
  let t: AppHarness;
  beforeEach(async () => {
    t = await openApp({ kind: "sqlite" });
  });
  afterEach(async () => {
    await t.close();
  });

  it("forged calls under a copied chain raise no finding against the innocent leaf agent", async () => {
    const chain = delegation(3);
    const leafAgent = (HOLDERS[2] as { id: string }).id;
    // The real holder makes one permitted call, so the chain is in the registry.
    expect((await t.trust.verify({ presentation: present(chain), tool: "search", args: ARGS })).allow).toBe(
      true,
    );
    // Anyone holding a copy of the chain signs PoPs with another key, and tries tools it lacks.
    for (let i = 0; i < 6; i++) {
      const forged = forgedPop(chain, mallory, i % 2 ? "delete_repo" : "search");
      const d = await t.trust.verify({
        presentation: forged,
        tool: i % 2 ? "delete_repo" : "search",
        args: {},
      });
      expect(d).toMatchObject({ allow: false, code: "bad_signature", step: "7b", holder: null });
    }
    const decisions = (await t.trust.audit({ type: "decision" })).events;
    const forged = decisions.filter((e) => e.data.code === "bad_signature");
    expect(forged).toHaveLength(6);
    for (const e of forged) {
      expect(e.agent).toBeUndefined();
      // The intent is a claim too: kept as a short hint, not indexed, so the intent's graph never
      // reads these rows.
      expect(e.intent).toBeUndefined();
      expect(e.data.claimed_intent).toBe(INTENT.id);
      expect(e.data.hashes).toBeUndefined();
      expect(e.data.jtis).toEqual([]);
      expect(e.data.claimed_agent).toBe(leafAgent);
      expect(e.data.claimed_jtis).toEqual(idsOf(chain).map((x) => x.jti));
    }

    const graph = await loadIntentGraph(t.store, INTENT.id, { now: NOW });
    expect(graph).not.toBeNull();
    expect(graph?.findings.filter((f) => f.id === "F-REPEATED-DENIALS")).toEqual([]);
    const leaf = graph?.nodes.find((n) => n.jti === idsOf(chain)[2]?.jti);
    expect(leaf?.usage).toMatchObject({ permitted: 1, denied: 0 });
    expect(graph?.summary).toMatchObject({ permitted: 1, denied: 0, unattributed: 0 });
  });

  it("the holder's own denials still count toward its findings", async () => {
    const chain = delegation(3);
    for (let i = 0; i < 3; i++) {
      const d = await t.trust.verify({
        presentation: present(chain, { tool: "delete_repo", args: {} }),
        tool: "delete_repo",
        args: {},
      });
      expect(d).toMatchObject({ allow: false, code: "tool_not_granted" });
      expect(d.holder).toBe((HOLDERS[2] as { id: string }).id);
    }
    await t.trust.recordChain(chain);
    const graph = await loadIntentGraph(t.store, INTENT.id, { now: NOW });
    expect(graph?.findings.some((f) => f.id === "F-REPEATED-DENIALS")).toBe(true);
  });
});

describe("review findings 1 and 2: a call is the holder's only when proven, found by token hash", () => {
  let t: AppHarness;
  beforeEach(async () => {
    t = await openApp({ kind: "sqlite" });
  });
  afterEach(async () => {
    await t.close();
  });

  it("replaying a real presentation with another tool, other arguments or as it is raises nothing against its holder", async () => {
    const chain = delegation(3);
    const p = present(chain); // one real presentation, as a tool server that received it holds it
    expect((await t.trust.verify({ presentation: p, tool: "search", args: ARGS })).allow).toBe(true);
    const replays: { tool: string; args: Record<string, JsonValue>; code: string }[] = [
      { tool: "delete_repo", args: {}, code: "tool_not_granted" },
      { tool: "search", args: { query: "other", limit: 5 }, code: "args_mismatch" },
      { tool: "search", args: ARGS, code: "replayed" },
    ];
    for (let i = 0; i < 6; i++) {
      const r = replays[i % 3] as (typeof replays)[number];
      const d = await t.trust.verify({ presentation: p, tool: r.tool, args: r.args });
      expect(d).toMatchObject({ allow: false, code: r.code, holder: null });
    }
    const decisions = (await t.trust.audit({ type: "decision" })).events;
    expect(decisions).toHaveLength(7);
    for (const e of decisions.slice(1)) {
      expect(e.agent).toBeUndefined();
      expect(e.intent).toBeUndefined();
      expect(e.data.jtis).toEqual([]);
    }
    const graph = await loadIntentGraph(t.store, INTENT.id, { now: NOW });
    expect(graph?.findings.filter((f) => f.id === "F-REPEATED-DENIALS")).toEqual([]);
    const leaf = graph?.nodes.find((n) => n.hash === idsOf(chain)[2]?.hash);
    expect(leaf?.usage).toMatchObject({ permitted: 1, denied: 0 });
  });

  it("an attributed decision names the chain's token hashes and its PoP's hash", async () => {
    const chain = delegation(3);
    const p = present(chain);
    await t.trust.verify({ presentation: p, tool: "search", args: ARGS });
    const e = (await t.trust.audit({ type: "decision" })).events.at(-1);
    expect(e?.agent).toBe((HOLDERS[2] as { id: string }).id);
    expect(e?.data.hashes).toEqual(idsOf(chain).map((x) => x.hash));
    expect(e?.data.jtis).toEqual(idsOf(chain).map((x) => x.jti));
    expect(String(e?.data.pop_hash)).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
  });

  it("a token given the victim leaf's jti by another agent draws no finding or usage onto the victim", async () => {
    const victimChain = delegation(3);
    const victim = HOLDERS[2] as AgentKey;
    const victimLeaf = idsOf(victimChain)[2] as { jti: string; hash: string };
    expect(
      (await t.trust.verify({ presentation: present(victimChain), tool: "search", args: ARGS })).allow,
    ).toBe(true);
    // mallory, a legitimate delegate of the orchestrator in the same intent, derives a token to a
    // second key of her own and gives it the victim leaf's jti; its calls are mallory's.
    const m1 = derive(victimChain.slice(0, 1), {
      key: orchestrator,
      to: mallory,
      tools: TOOLS,
      ttl: 2000,
      now: NOW,
    });
    if (!m1.ok) throw new Error(m1.message);
    const mallory2 = AgentKey.fromSeed(new Uint8Array(32).fill(0x77), "mallory2");
    const m2 = derive(m1.value, {
      key: mallory,
      to: mallory2,
      tools: TOOLS,
      ttl: 1500,
      now: NOW,
      jti: victimLeaf.jti,
    });
    if (!m2.ok) throw new Error(m2.message);
    expect(await t.trust.recordChain(m2.value)).toMatchObject({ ok: true });
    for (let i = 0; i < 6; i++) {
      const p = present(m2.value, { holder: mallory2, tool: "delete_repo", args: {} });
      const d = await t.trust.verify({ presentation: p, tool: "delete_repo", args: {} });
      expect(d).toMatchObject({ allow: false, code: "tool_not_granted", holder: mallory2.id });
    }
    const graph = await loadIntentGraph(t.store, INTENT.id, { now: NOW });
    const repeated = graph?.findings.filter((f) => f.id === "F-REPEATED-DENIALS") ?? [];
    expect(repeated.map((f) => f.agent)).toEqual([mallory2.id]);
    const leaf = graph?.nodes.find((n) => n.hash === victimLeaf.hash);
    expect(leaf?.usage).toMatchObject({ permitted: 1, denied: 0 });
    expect(leaf?.findings).not.toContain("F-REPEATED-DENIALS");
    const hers = graph?.nodes.find((n) => n.holder.id === mallory2.id);
    expect(hers?.jti).toBe(victimLeaf.jti);
    expect(hers?.usage).toMatchObject({ permitted: 0, denied: 6 });
    // The victim's agent view shows none of it.
    const view = await t.trust.agentGraph(victim.id);
    expect(view?.agent?.denied).toBe(0);
    expect(view?.findings.filter((f) => f.id === "F-REPEATED-DENIALS")).toEqual([]);
  });
});

describe("boundText", () => {
  it("escapes controls, bidi and line separators, and cuts to the bound", () => {
    expect(escapeText("a\nb\u202ec\\")).toBe("a\\u000ab\\u202ec\\\\");
    const s = boundText("y".repeat(10_000), 512);
    expect(s.length).toBeLessThanOrEqual(512);
    expect(s).toMatch(/…\[\+\d+\]$/);
    expect(boundText("short", 512)).toBe("short");
  });
});
