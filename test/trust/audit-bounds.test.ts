/**
 * Issue 9 items 1 and 15: what an unauthenticated caller can make the permanent audit log keep,
 * and to whom a call is attributed. A token that did not verify is kept as a hash plus a short
 * escaped hint; a call is attributed to the leaf's agent only once its PoP verified.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { derive, grant, type Presentation } from "../../src/core/chain/issue.ts";
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
 * Nine AATs of about 64 KB each whose jtis are attacker-chosen (escape sequences, a newline, then
 * 47 KB of filler), each re-signed by the key that signed the original: they decode, and none
 * verifies (the jti is over the 256-character bound, and the par_hash links no longer match).
 */
function fakeChain(): string[] {
  const keys = Array.from({ length: 9 }, (_, i) => AgentKey.fromSeed(new Uint8Array(32).fill(0x60 + i)));
  const jti = (i: number) => `fake-${i}\u001b[2J\n`.padEnd(47_000, "J");
  const g = grant({
    key: mallory,
    issuer: ISSUER,
    to: keys[0] as AgentKey,
    tools: TOOLS,
    ttl: 3600,
    maxDepth: 8,
    now: NOW,
    aud: AUDIENCE,
  });
  if (!g.ok) throw new Error(g.message);
  let chain = g.value;
  for (let i = 1; i < 9; i++) {
    const d = derive(chain, {
      key: keys[i - 1] as AgentKey,
      to: keys[i] as AgentKey,
      tools: TOOLS,
      ttl: 3000,
      now: NOW,
    });
    if (!d.ok) throw new Error(d.message);
    chain = d.value;
  }
  return chain.map((compact, i) => {
    const [h, p] = compact.split(".");
    const header = JSON.parse(Buffer.from(h as string, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    const payload = JSON.parse(Buffer.from(p as string, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    return signCompact(header, { ...payload, jti: jti(i) }, i === 0 ? mallory : (keys[i - 1] as AgentKey));
  });
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
    // Not attributed: no jtis, no agent; the tokens only as hashes of their signing inputs. A chain
    // that did not verify leaves no claimed jti or agent at all (the facade describes only what the
    // verifier verified).
    expect(data.jtis).toEqual([]);
    expect(events.at(-1)?.agent).toBeUndefined();
    expect(data.chain_hashes).toHaveLength(9);
    expect(data.claimed_jtis).toBeUndefined();
    expect(data.claimed_agent).toBeUndefined();
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
      expect(e.data.jtis).toEqual([]);
      expect(e.data.claimed_agent).toBe(leafAgent);
      expect(e.data.claimed_jtis).toEqual(idsOf(chain).map((x) => x.jti));
    }

    const graph = await loadIntentGraph(t.store, INTENT.id, { now: NOW });
    expect(graph).not.toBeNull();
    expect(graph?.findings.filter((f) => f.id === "F-REPEATED-DENIALS")).toEqual([]);
    const leaf = graph?.nodes.find((n) => n.jti === idsOf(chain)[2]?.jti);
    expect(leaf?.usage).toMatchObject({ permitted: 1, denied: 0 });
    expect(graph?.summary.unattributed).toBe(6);
  });

  it("the holder's own denials still count toward its findings", async () => {
    const chain = delegation(3);
    for (let i = 0; i < 3; i++) {
      const d = await t.trust.verify({
        presentation: present(chain, { tool: "delete_repo" }),
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

describe("boundText", () => {
  it("escapes controls, bidi and line separators, and cuts to the bound", () => {
    expect(escapeText("a\nb\u202ec\\")).toBe("a\\u000ab\\u202ec\\\\");
    const s = boundText("y".repeat(10_000), 512);
    expect(s.length).toBeLessThanOrEqual(512);
    expect(s).toMatch(/…\[\+\d+\]$/);
    expect(boundText("short", 512)).toBe("short");
  });
});
