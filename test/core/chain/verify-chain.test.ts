/**
 * The verifier's rules, one sentence each: steps 1–5 and the PoP (§8 3–5, 7): presentation, links, attenuation, holder binding, time, strict JSON.
 * Real tokens from `grant` / `derive` / `prove`, or hand-signed where a rule needs a token those
 * functions refuse to mint. Each test asserts the decision code, the failing token and the message.
 */
import { describe, expect, it } from "vitest";
import { derive, type Presentation, prove } from "../../../src/core/chain/issue.ts";
import { b64urlDecode, b64urlEncode } from "../../../src/core/encoding.ts";
import {
  AUD,
  call,
  callAs,
  denial,
  fixer,
  forgeChild,
  INTENT,
  mallory,
  NOW,
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
} from "./fixtures.ts";

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
