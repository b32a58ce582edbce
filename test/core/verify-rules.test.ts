/**
 * The verifier's rules, one sentence each: AAT -02 §8 and the Baton profile (B0–B8), exercised with
 * real tokens from `grant` / `derive` / `prove`, or hand-signed where a rule needs a token those
 * functions refuse to mint. Each test asserts the decision code, the failing token and the message.
 */
import { describe, expect, it } from "vitest";
import { derive, grant, type Presentation, prove } from "../../src/core/chain/issue.ts";
import { Verifier } from "../../src/core/chain/verify.ts";
import type { JsonValue } from "../../src/core/constraints/index.ts";
import { b64urlDecode, b64urlEncode, sha256b64u } from "../../src/core/encoding.ts";
import type { RevocationCheck } from "../../src/core/ports.ts";
import { decodeToken } from "../../src/core/token/decode.ts";
import {
  AUD,
  anchors,
  call,
  callAs,
  denial,
  fixer,
  flipSignature,
  forgeChild,
  INTENT,
  ISSUER,
  ListRevocation,
  MemoryLedger,
  mallory,
  NOW,
  nextJti,
  ok,
  orchestrator,
  pc,
  present,
  principal,
  Q3,
  READER,
  researcher,
  root,
  threeTokens,
  verifier,
} from "./chain/fixtures.ts";

describe("a valid chain", () => {
  it("is permitted, and the decision names the intent and the leaf holder", async () => {
    const d = await callAs(verifier(), threeTokens(), fixer, "read_file", Q3);
    expect(d).toMatchObject({
      allow: true,
      code: "permitted",
      step: "8",
      token: null,
      intent: INTENT.id,
      holder: fixer.id,
    });
    expect(d.message).toContain("3-token chain");
  });

  it("ignores unknown members of the presentation object", async () => {
    const chain = threeTokens();
    const p = present(chain, fixer, "read_file", Q3);
    const d = await call(verifier(), { ...p, transport: "mcp" } as Presentation, "read_file", Q3);
    expect(d.code).toBe("permitted");
  });
});

describe("the presentation (§7.4, step 1)", () => {
  it("rejects a presentation without aat_pop", async () => {
    const d = await verifier().verify({
      presentation: { aat_chain: threeTokens() },
      tool: "read_file",
      args: Q3,
      now: NOW,
    });
    expect(denial(d)).toEqual({ allow: false, code: "malformed_presentation", step: "1", token: null });
    expect(d.message).toContain("aat_pop");
  });

  it("rejects an empty chain", async () => {
    const p = present(threeTokens(), fixer, "read_file", Q3);
    const d = await call(verifier(), { ...p, aat_chain: [] }, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "chain_empty", step: "1" });
  });
});

describe("attenuation (I4, step 4p)", () => {
  it("rejects a child that drops a path constraint", async () => {
    const chain = forgeChild(root(), { signer: orchestrator, to: researcher, tools: { read_file: {} } });
    const d = await callAs(verifier(), chain, researcher, "read_file", { path: "/etc/passwd" });
    expect(denial(d)).toEqual({ allow: false, code: "scope_widened", step: "4p2", token: 1 });
    expect(d.message).toMatch(/^token 1 widens tool read_file: /);
  });

  it("refuses to derive such a child in the first place, with the verifier's own code", () => {
    const r = derive(root(), {
      key: orchestrator,
      to: researcher,
      tools: { read_file: {} },
      ttl: 600,
      now: NOW,
    });
    expect(r).toMatchObject({ ok: false, code: "scope_widened", step: "4p2", token: 1 });
  });

  it("rejects a child that adds a tool its parent does not grant, naming the tool", async () => {
    const chain = forgeChild(root({ tools: READER }), {
      signer: orchestrator,
      to: researcher,
      tools: { ...READER, shell: {} },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "scope_widened", step: "4p1", token: 1 });
    expect(d.message).toContain("shell");
  });

  it("rejects a child whose path root lies beside its parent's, naming the token, tool and argument", async () => {
    const parent = root({ tools: { read_file: { path: pc("/data/x") } } });
    const chain = forgeChild(parent, {
      signer: orchestrator,
      to: researcher,
      tools: { read_file: { path: pc("/data/xyz") } },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", { path: "/data/xyz/a" });
    expect(denial(d)).toMatchObject({ code: "scope_widened", step: "4p4", token: 1 });
    expect(d.message).toContain("token 1");
    expect(d.message).toContain("read_file");
    expect(d.message).toContain("argument path");
  });

  it("accepts a child that narrows a path root and then pins one file", async () => {
    const chain = ok(
      derive(threeTokens(), {
        key: fixer,
        to: mallory,
        tools: { read_file: { path: { constraint_type: "exact", value: Q3.path } } },
        ttl: 300,
        now: NOW,
      }),
    );
    expect((await callAs(verifier(), chain, mallory, "read_file", Q3)).code).toBe("permitted");
  });
});

describe("the leaf's argument checks (step 6b)", () => {
  it("names the failing token and argument in the message, never the value", async () => {
    const d = await callAs(verifier(), threeTokens(), fixer, "read_file", { path: "/data/../etc/passwd" });
    expect(denial(d)).toEqual({ allow: false, code: "args_rejected", step: "6b", token: 2 });
    expect(d.message).toBe(
      "token 2 (leaf): tool read_file: argument path does not satisfy its path_containment constraint",
    );
    expect(d.message).not.toContain("passwd");
  });

  it("refuses an argument the constraint map does not name", async () => {
    const d = await callAs(verifier(), threeTokens(), fixer, "read_file", { ...Q3, follow_symlinks: true });
    expect(denial(d)).toMatchObject({ code: "args_rejected", token: 2 });
    expect(d.message).toContain("follow_symlinks");
  });

  it("refuses a tool the leaf does not grant", async () => {
    const d = await callAs(verifier(), threeTokens(), fixer, "search", { query: "q3", limit: 5 });
    expect(denial(d)).toEqual({ allow: false, code: "tool_not_granted", step: "6b", token: 2 });
  });
});

describe("holder binding and linkage (I1, I5, I6)", () => {
  it("rejects a child signed by anyone but its parent's holder", async () => {
    const chain = forgeChild(root(), { signer: mallory, to: mallory, tools: READER });
    const d = await callAs(verifier(), chain, mallory, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "bad_signature", step: "4b", token: 1 });
  });

  it("refuses to let a key that does not hold the leaf derive from it", () => {
    const r = derive(root(), { key: mallory, to: mallory, tools: READER, ttl: 60, now: NOW });
    expect(r).toMatchObject({ ok: false, code: "issuer_mismatch" });
  });

  it("rejects a PoP signed by anyone but the leaf holder", async () => {
    const chain = threeTokens();
    const p = ok(prove(chain, { key: fixer, tool: "read_file", args: Q3, now: NOW, aud: AUD }));
    const forged = present(forgeChild(chain, { signer: fixer, to: mallory }), mallory, "read_file", Q3);
    const d = await call(verifier(), { aat_chain: chain, aat_pop: forged.aat_pop }, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "bad_signature", step: "7b", token: null });
    expect(d.message).toContain("holder of token 2");
    expect((await call(verifier(), p, "read_file", Q3)).code).toBe("permitted");
  });

  it("rejects a child spliced under another parent held by the same key", async () => {
    const narrow = root({ aud: AUD });
    const wide = root();
    const child = forgeChild(wide, { signer: orchestrator, to: researcher, tools: READER });
    const spliced = [narrow[0] as string, child[1] as string];
    const d = await callAs(verifier(), spliced, researcher, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "par_hash_mismatch", step: "4q", token: 1 });
  });
});

describe("time (I3, steps 3e/4i, 7g)", () => {
  it("denies a chain whose leaf has expired, naming the leaf", async () => {
    const chain = threeTokens();
    const later = NOW - 180 + 1200; // the leaf's exp
    const d = await callAs(verifier(), chain, fixer, "read_file", Q3, later);
    expect(denial(d)).toEqual({ allow: false, code: "expired", step: "4i", token: 2 });
  });

  it("denies a PoP made outside the freshness window", async () => {
    const chain = threeTokens();
    const d = await call(verifier(), present(chain, fixer, "read_file", Q3, NOW - 31), "read_file", Q3, NOW);
    expect(denial(d)).toMatchObject({ code: "pop_stale", step: "7g" });
  });
});

describe("strict JSON (steps 3b/4b/7b)", () => {
  it("rejects a token whose payload repeats a member, even with the same value", async () => {
    const [token] = root({ tools: READER });
    const [h, p] = (token as string).split(".") as [string, string];
    const text = (b64urlDecode(p) as Buffer)
      .toString("utf8")
      .replace('"del_depth":0', '"del_depth":0,"del_depth":0');
    const signingInput = `${h}.${b64urlEncode(text)}`;
    const forged = `${signingInput}.${b64urlEncode(principal.sign(signingInput))}`;
    // prove() refuses to decode the forged leaf, so the PoP is made for the genuine one.
    const genuine = present([token as string], orchestrator, "read_file", Q3);
    const d = await call(verifier(), { ...genuine, aat_chain: [forged] }, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "malformed_claims", token: 0 });
    expect(d.message).toContain('duplicate member "del_depth"');
  });
});

describe("the Baton profile", () => {
  it("rejects a child bound to another intent (B2)", async () => {
    const chain = forgeChild(root(), {
      signer: orchestrator,
      to: researcher,
      tools: READER,
      claims: { baton_intent: { id: "other-task", purpose: "x" } },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "intent_mismatch", step: "B2", token: 1 });
    expect(d.message).toContain('"triage-q3-reports"');
  });

  it("rejects a child that drops the profile marker of its parent (B1)", async () => {
    const chain = forgeChild(root(), {
      signer: orchestrator,
      to: researcher,
      tools: READER,
      omit: ["baton_intent"],
      header: { alg: "Ed25519", typ: "aat+jwt" },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "profile_unmarked", step: "B1", token: 1 });
  });

  it("refuses a chain without an intent when the enforcement point requires one (B2)", async () => {
    const plain = ok(
      grant({
        key: principal,
        issuer: ISSUER,
        to: orchestrator,
        tools: READER,
        ttl: 600,
        maxDepth: 1,
        now: NOW,
      }),
    );
    const d = await callAs(
      verifier({ policy: { requireIntent: true } }),
      plain,
      orchestrator,
      "read_file",
      Q3,
    );
    expect(denial(d)).toMatchObject({ code: "intent_required", step: "B2" });
  });

  it("rejects a child that drops an approval pattern (B3)", async () => {
    const chain = forgeChild(root({ approve: ["deploy*"] }), {
      signer: orchestrator,
      to: researcher,
      tools: READER,
      omit: ["baton_approve"],
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "approval_dropped", step: "B3", token: 1 });
    expect(d.message).toContain('"deploy*"');
  });

  it("requires an approval for a matching tool and gives the PoP hash it must bind to (B6)", async () => {
    const chain = root({ approve: ["deploy*"] });
    const args = { target: "web" };
    const p = present(chain, orchestrator, "deploy_prod", args);
    const d = await call(verifier(), p, "deploy_prod", args);
    expect(denial(d)).toMatchObject({ code: "approval_required", step: "B6" });
    expect(d.detail).toEqual({ pop_hash: sha256b64u(p.aat_pop) });
    expect(d.message).toContain('"deploy*"');
  });

  it("permits a matching tool when the approval gate approves, and asks it nothing otherwise", async () => {
    let asked = 0;
    const v = verifier({
      approvals: {
        check: (ctx) => {
          asked++;
          expect(ctx.approvalPatterns).toEqual(["deploy*"]);
          return null;
        },
      },
    });
    const chain = root({ approve: ["deploy*"] });
    expect((await callAs(v, chain, orchestrator, "deploy_prod", { target: "web" })).code).toBe("permitted");
    expect((await callAs(v, chain, orchestrator, "read_file", Q3)).code).toBe("permitted");
    expect(asked).toBe(1);
  });

  it("rejects a child that raises the usage limit (B4)", async () => {
    const chain = forgeChild(root({ maxUses: 2 }), {
      signer: orchestrator,
      to: researcher,
      tools: READER,
      claims: { baton_max_uses: 3 },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "scope_widened", step: "B4", token: 1 });
  });

  it("counts permitted calls against a usage limit and denies once it is spent (B8)", async () => {
    const v = verifier();
    const chain = root({ maxUses: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await callAs(v, chain, orchestrator, "read_file", Q3)).code);
    expect(codes).toEqual(["permitted", "permitted", "usage_exceeded"]);
    const d = await callAs(v, chain, orchestrator, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "usage_exceeded", step: "B8", token: 0 });
    expect(d.message).toBe("token 0 allows 2 call(s) and all are used");
  });

  it("denies a usage-limited chain when it has no ledger to count with", async () => {
    const v = new Verifier({ trustAnchors: anchors, audience: AUD });
    const d = await callAs(v, root({ maxUses: 5 }), orchestrator, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "usage_exceeded", step: "B8", token: null });
  });

  it("denies the second call with the same PoP (7i) and records nothing for denied calls", async () => {
    const ledger = new MemoryLedger();
    const v = verifier({ ledger });
    const chain = threeTokens();
    const p = present(chain, fixer, "read_file", Q3);
    expect((await call(v, p, "read_file", Q3)).code).toBe("permitted");
    const again = await call(v, p, "read_file", Q3);
    expect(denial(again)).toEqual({ allow: false, code: "replayed", step: "7i", token: null });
    const bad = { path: "/etc/passwd" };
    expect((await callAs(v, chain, fixer, "read_file", bad)).code).toBe("args_rejected");
    expect(ledger.commits).toBe(2);
    expect(ledger.replay.size).toBe(1);
  });

  it("applies request-time policy after the chain verifies (B7)", async () => {
    const v = verifier({
      rules: {
        evaluate: (ctx) =>
          ctx.tool === "deploy_prod"
            ? { code: "policy_denied", message: "policy forbids deploy_prod outside the change window" }
            : null,
      },
    });
    const d = await callAs(v, root(), orchestrator, "deploy_prod", { target: "web" });
    expect(denial(d)).toMatchObject({ code: "policy_denied", step: "B7" });
    expect((await callAs(v, root(), orchestrator, "read_file", Q3)).code).toBe("permitted");
  });
});

describe("revocation (B5)", () => {
  it("denies a chain whose intent is revoked, naming the token and target", async () => {
    const revocation = new ListRevocation();
    revocation.targets.push({ kind: "intent", id: INTENT.id });
    const d = await callAs(verifier({ revocation }), threeTokens(), fixer, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "revoked", step: "B5", token: 0 });
    expect(d.message).toContain(`intent "${INTENT.id}"`);
  });

  it("kills every descendant of a revoked token", async () => {
    const chain = threeTokens();
    const middle = decodeToken(chain[1] as string, 1);
    if (!middle.ok) throw new Error(middle.message);
    const revocation = new ListRevocation();
    revocation.targets.push({ kind: "token", id: middle.value.token.claims.jti });
    const d = await callAs(verifier({ revocation }), chain, fixer, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "revoked", token: 1 });
  });

  it("fails closed when the revocation state is stale", async () => {
    const revocation = new ListRevocation();
    revocation.stale = true;
    const d = await callAs(verifier({ revocation }), threeTokens(), fixer, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "revocation_state_stale", step: "B5" });
    expect(d.message).toBe("revocation state is 120000 ms old; refusing until it is fresh");
  });

  it("fails closed when the revocation check throws (B0)", async () => {
    const revocation: RevocationCheck = {
      check: () => {
        throw new Error("ledger offline");
      },
    };
    const d = await callAs(verifier({ revocation }), threeTokens(), fixer, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "verification_unavailable", step: "B0", token: null });
    expect(d.message).toBe("verification could not complete: ledger offline");
  });
});

describe("the verified-token cache", () => {
  it("gives a warm chain the same decisions as a cold one", async () => {
    const chain = threeTokens();
    const calls: [string, Record<string, JsonValue>][] = [
      ["read_file", Q3],
      ["read_file", { path: "/data/secrets.txt" }],
      ["search", { query: "x", limit: 1 }],
    ];
    const v = verifier();
    const cold = [];
    for (const [tool, args] of calls) cold.push(await callAs(v, chain, fixer, tool, args));
    const warm = [];
    for (const [tool, args] of calls) warm.push(await callAs(v, chain, fixer, tool, args));
    expect(warm.map(denial)).toEqual(cold.map(denial));
    expect(warm.map((d) => d.message)).toEqual(cold.map((d) => d.message));
    expect(cold.map((d) => d.code)).toEqual(["permitted", "args_rejected", "tool_not_granted"]);
  });

  it("denies an expired chain even when it is cached", async () => {
    const v = verifier();
    const chain = threeTokens();
    expect((await callAs(v, chain, fixer, "read_file", Q3)).code).toBe("permitted");
    const d = await callAs(v, chain, fixer, "read_file", Q3, NOW + 3600);
    expect(denial(d)).toMatchObject({ code: "expired", token: 0 });
  });

  it("denies a chain whose signature byte is flipped, even after the unflipped chain was cached", async () => {
    const v = verifier();
    const chain = threeTokens();
    expect((await callAs(v, chain, fixer, "read_file", Q3)).code).toBe("permitted");
    for (const [i, step] of [
      [0, "3b"],
      [1, "4b"],
      [2, "4b"],
    ] as const) {
      const flipped = chain.map((t, j) => (j === i ? flipSignature(t) : t));
      const d = await callAs(v, flipped, fixer, "read_file", Q3);
      expect(denial(d), `token ${i}`).toEqual({ allow: false, code: "bad_signature", step, token: i });
    }
    expect((await callAs(v, chain, fixer, "read_file", Q3)).code).toBe("permitted");
  });

  it("checks revocation on every call, even when the chain is cached", async () => {
    const revocation = new ListRevocation();
    const v = verifier({ revocation });
    const chain = threeTokens();
    expect((await callAs(v, chain, fixer, "read_file", Q3)).code).toBe("permitted");
    revocation.targets.push({ kind: "agent", id: researcher.id });
    const d = await callAs(v, chain, fixer, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "revoked", token: 1 });
    expect(d.message).toContain(researcher.id);
    expect(revocation.calls).toBe(2);
  });

  it("does not reuse a cached child under a different parent", async () => {
    const v = verifier();
    const wide = root();
    const child = forgeChild(wide, { signer: orchestrator, to: researcher, tools: READER });
    expect((await callAs(v, child, researcher, "read_file", Q3)).code).toBe("permitted");
    const other = root({ aud: AUD, jti: nextJti() });
    const d = await callAs(v, [other[0] as string, child[1] as string], researcher, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "par_hash_mismatch", token: 1 });
  });
});
