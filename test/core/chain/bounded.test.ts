/**
 * Bounded work and bounded, escaped output (issue 9, items 1, 4 and 10, and the smaller messages):
 * string claims have AAT-sized limits, constraint maps have size limits, no decision message embeds
 * an outside string raw or unbounded, and a PoP names its audience unless the chain does.
 */
import { describe, expect, it } from "vitest";
import { derive, grant, prove } from "../../../src/core/chain/issue.ts";
import { Verifier } from "../../../src/core/chain/verify.ts";
import type { JsonValue, ToolsMap } from "../../../src/core/constraints/index.ts";
import { sha256b64u } from "../../../src/core/encoding.ts";
import type { RevocationCheck } from "../../../src/core/ports.ts";
import { signCompact } from "../../../src/core/token/jws.ts";
import {
  AUD,
  anchors,
  call,
  callAs,
  denial,
  fixer,
  forgeChild,
  ISSUER,
  NOW,
  nextJti,
  ok,
  orchestrator,
  principal,
  Q3,
  READER,
  researcher,
  root,
  threeTokens,
  verifier,
} from "./fixtures.ts";

/** Printable, one line, bounded: what every decision message must be. */
function expectSafe(message: string, max = 400): void {
  expect(message.length).toBeLessThanOrEqual(max);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them.
  expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
}

const EVIL = "\u001b]52;c;ZXZpbA==\u0007\n2026-12-01 PERMIT read_file\u202e";

/** A root signed by hand with claim overrides, for what grant() refuses to mint. */
function forgeRoot(claims: Record<string, unknown>, tools: ToolsMap = READER): string[] {
  const payload = {
    jti: nextJti(),
    iss: ISSUER,
    iat: NOW - 60,
    exp: NOW + 600,
    del_depth: 0,
    del_max_depth: 3,
    cnf: { jwk: orchestrator.publicJwk },
    authorization_details: [{ type: "attenuating_agent_token", tools }],
    ...claims,
  };
  return [signCompact({ alg: "Ed25519", typ: "aat+jwt" }, payload, principal)];
}

/** A PoP signed by hand for a leaf prove() refuses to decode. */
function rawCall(v: Verifier, chain: string[], key = orchestrator) {
  const leaf = chain[chain.length - 1] as string;
  const [h, p] = leaf.split(".") as [string, string];
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { jti: string };
  const pop = signCompact(
    { alg: "Ed25519", typ: "aat-pop+jwt" },
    {
      jti: nextJti(),
      iat: NOW,
      aat_id: claims.jti,
      aat_hash: sha256b64u(`${h}.${p}`),
      aat_tool: "read_file",
      hta: Q3,
      aat_aud: AUD,
    },
    key,
  );
  return call(v, { aat_chain: chain, aat_pop: pop }, "read_file", Q3);
}

describe("string claims have AAT-sized limits (item 1)", () => {
  it("refuses a jti over 256 characters at 2c, before any signature work, without echoing it", async () => {
    const chain = forgeRoot({ jti: `${"j".repeat(300)}${EVIL}` });
    const d = await rawCall(verifier(), chain);
    expect(denial(d)).toEqual({ allow: false, code: "malformed_claims", step: "2c", token: 0 });
    expect(d.message).toContain("over the 256 limit");
    expect(d.message).not.toContain("jjjjjjjjjj");
    expectSafe(d.message);
  });

  it("accepts a jti of exactly 256 characters", async () => {
    const chain = forgeRoot({ jti: "j".repeat(256) });
    expect((await callAs(verifier(), chain, orchestrator, "read_file", Q3)).code).toBe("permitted");
  });

  it("says duplicate_jti without echoing the jti verbatim: escaped and cut", async () => {
    const jti = `${"d".repeat(100)}${EVIL}`;
    const r = forgeRoot({ jti });
    const chain = forgeChild(r, { signer: orchestrator, to: researcher, tools: READER, claims: { jti } });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "duplicate_jti", step: "2c", token: 1 });
    expect(d.message).not.toContain(jti);
    expect(d.message).toContain("…");
    expectSafe(d.message, 120);
  });

  it("refuses an iss, aud or intent over its limit", async () => {
    for (const claims of [
      { iss: `https://x.example/${"i".repeat(2048)}` },
      { aud: "a".repeat(2049) },
      { aud: Array.from({ length: 33 }, (_, i) => `https://ep${i}.example`) },
    ]) {
      const d = await rawCall(verifier(), forgeRoot(claims));
      expect(d.code, JSON.stringify(claims).slice(0, 40)).toBe("malformed_claims");
      expectSafe(d.message);
    }
    const intent = { baton_intent: { id: "i".repeat(257), purpose: "p" } };
    const d = await rawCall(verifier(), forgeRoot(intent));
    expect(d.code).toBe("intent_mismatch");
  });

  it("refuses an invoked tool name over 256 characters without echoing it", async () => {
    const tool = `${"t".repeat(300)}${EVIL}`;
    const d = await call(
      verifier(),
      ok(prove(root(), { key: orchestrator, tool, args: {}, now: NOW, aud: AUD })),
      tool,
      {},
    );
    expect(d.code).toBe("tool_not_granted");
    expectSafe(d.message);
  });
});

describe("decision messages are bounded and escaped (item 1)", () => {
  it("escapes and cuts a tool name in tool_mismatch", async () => {
    const tool = `${"t".repeat(200)}${EVIL}`;
    const tools: ToolsMap = { [tool]: {}, read_file: {} };
    const chain = forgeRoot({}, tools);
    const p = ok(prove(chain, { key: orchestrator, tool, args: {}, now: NOW, aud: AUD }));
    const d = await call(verifier(), p, "read_file", {});
    expect(d.code).toBe("tool_mismatch");
    expectSafe(d.message, 200);
    const granted = await call(verifier(), p, tool, {});
    expect(granted.code).toBe("permitted");
    expectSafe(granted.message, 200);
  });

  it("escapes an issuer in issuer_mismatch", async () => {
    const d = await callAs(
      verifier(),
      forgeRoot({ iss: `https://evil.example/${EVIL}` }),
      orchestrator,
      "read_file",
      Q3,
    );
    expect(d.code).toBe("issuer_mismatch");
    expectSafe(d.message);
  });

  it("escapes a revocation reason and a store's error message", async () => {
    const revocation: RevocationCheck = {
      check: () => ({ index: 0, target: { kind: "token", id: EVIL }, reason: `${EVIL}${"r".repeat(500)}` }),
    };
    const d = await callAs(verifier({ revocation }), threeTokens(), fixer, "read_file", Q3);
    expect(d.code).toBe("revoked");
    expectSafe(d.message);
    const broken: RevocationCheck = {
      check: () => {
        throw new Error(`${EVIL}${"e".repeat(1000)}`);
      },
    };
    const u = await callAs(verifier({ revocation: broken }), threeTokens(), fixer, "read_file", Q3);
    expect(u.code).toBe("verification_unavailable");
    expectSafe(u.message);
  });

  it("escapes argument names in args_rejected", async () => {
    const arg = `${"a".repeat(100)}${EVIL}`;
    const d = await callAs(verifier(), root(), orchestrator, "read_file", { ...Q3, [arg]: 1 } as Record<
      string,
      JsonValue
    >);
    expect(d.code).toBe("args_rejected");
    expectSafe(d.message);
  });
});

describe("constraint maps have size limits, and cheap link checks come first (item 4)", () => {
  const wilds = (n: number) => Array.from({ length: n }, () => ({ constraint_type: "wildcard" }));
  it("grant refuses an any of 33 clauses with constraint_too_large", () => {
    const r = grant({
      key: principal,
      issuer: ISSUER,
      to: orchestrator,
      tools: { search: { q: { constraint_type: "any", constraints: wilds(33) } } },
      ttl: 60,
      maxDepth: 1,
      now: NOW,
    });
    expect(r).toMatchObject({ ok: false, code: "constraint_too_large" });
  });

  it("the verifier refuses an over-limit root at 3n and child at 4o", async () => {
    const big = { read_file: { path: { constraint_type: "all", constraints: wilds(33) } } } as ToolsMap;
    const d0 = await callAs(verifier(), forgeRoot({}, big), orchestrator, "read_file", Q3);
    expect(denial(d0)).toEqual({ allow: false, code: "constraint_too_large", step: "3n", token: 0 });
    const child = forgeChild(root(), { signer: orchestrator, to: researcher, tools: big });
    const d1 = await callAs(verifier(), child, researcher, "read_file", Q3);
    expect(denial(d1)).toEqual({ allow: false, code: "constraint_too_large", step: "4o", token: 1 });
  });

  it("limits are verifier options", async () => {
    const tools = { read_file: { path: { constraint_type: "all", constraints: wilds(33) } } } as ToolsMap;
    const v = verifier({ limits: { maxCompositeClauses: 40 } });
    expect((await callAs(v, forgeRoot({}, tools), orchestrator, "read_file", Q3)).code).toBe("permitted");
  });

  it("checks par_hash (4q) before narrowing: a spliced child that also widens is par_hash_mismatch", async () => {
    const chain = forgeChild(root(), {
      signer: orchestrator,
      to: researcher,
      tools: { read_file: { path: { constraint_type: "wildcard" } } },
      claims: { par_hash: "A".repeat(43) },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "par_hash_mismatch", step: "4q", token: 1 });
  });
});

describe("audience binding is on by default (item 10)", () => {
  const noAud = (chain: string[], key = fixer) =>
    ok(prove(chain, { key, tool: "read_file", args: Q3, now: NOW, jti: nextJti() }));

  it("denies a PoP without aat_aud under a chain that names no aud", async () => {
    const d = await call(verifier(), noAud(threeTokens()), "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "audience_mismatch", step: "7d", token: null });
    expect(d.message).toContain("prove again with aud");
  });

  it("accepts it when the deployment opts out with requirePopAud: false", async () => {
    const v = verifier({ policy: { requirePopAud: false } });
    expect((await call(v, noAud(threeTokens()), "read_file", Q3)).code).toBe("permitted");
  });

  it("does not require aat_aud when a chain token names this enforcement point, unless configured", async () => {
    const chain = root({ aud: AUD });
    const p = noAud(chain, orchestrator);
    expect((await call(verifier(), p, "read_file", Q3)).code).toBe("permitted");
    const strict = verifier({ policy: { requirePopAud: true } });
    expect((await call(strict, p, "read_file", Q3)).code).toBe("audience_mismatch");
  });
});

describe("messages a new user reads", () => {
  it("derive from an expired parent says the parent has expired, not ttl_widened", () => {
    const chain = root();
    const r = derive(chain, { key: orchestrator, to: researcher, tools: READER, ttl: 60, now: NOW + 4000 });
    expect(r).toMatchObject({ ok: false, code: "expired", token: 0 });
    expect(r.ok ? "" : r.message).toContain("expired");
  });

  it("pop_stale tells the caller to prove again", async () => {
    const v = new Verifier({ trustAnchors: anchors, audience: AUD });
    const p = ok(prove(root(), { key: orchestrator, tool: "read_file", args: Q3, now: NOW - 120, aud: AUD }));
    const d = await call(v, p, "read_file", Q3);
    expect(d.code).toBe("pop_stale");
    expect(d.message).toContain("prove again");
  });
});
