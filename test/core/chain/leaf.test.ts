/**
 * The verifier's rules, one sentence each: step 6 (the leaf grants the call).
 * Real tokens from `grant` / `derive` / `prove`, or hand-signed where a rule needs a token those
 * functions refuse to mint. Each test asserts the decision code, the failing token and the message.
 */
import { describe, expect, it } from "vitest";
import { callAs, denial, fixer, Q3, threeTokens, verifier } from "./fixtures.ts";

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
