/**
 * The verifier's rules, one sentence each: the verified-token cache.
 * Real tokens from `grant` / `derive` / `prove`, or hand-signed where a rule needs a token those
 * functions refuse to mint. Each test asserts the decision code, the failing token and the message.
 */
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../src/core/constraints/index.ts";
import {
  AUD,
  callAs,
  denial,
  fixer,
  flipSignature,
  forgeChild,
  ListRevocation,
  NOW,
  nextJti,
  orchestrator,
  Q3,
  READER,
  researcher,
  root,
  threeTokens,
  verifier,
} from "./fixtures.ts";

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
