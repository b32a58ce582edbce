/**
 * Issue 9 item 15 (review finding 2): a denial names the leaf's holder only once the PoP is shown
 * to be that holder's for THIS call — signed by its key (7b), bound to this leaf, audience, tool,
 * arguments and time (7c–7g), with an accepted nonce (7h). Anyone who received one real
 * presentation can resend it with another tool or other arguments, or as it is: none of that is
 * the holder's doing, so those denials carry `holder: null`.
 */
import { describe, expect, it } from "vitest";
import {
  call,
  callAs,
  denial,
  fixer,
  NOW,
  orchestrator,
  present,
  Q3,
  root,
  threeTokens,
  verifier,
} from "./fixtures.ts";

describe("who a denial is attributed to", () => {
  it("a replayed presentation sent with another tool is refused at 6b and names no holder", async () => {
    const v = verifier();
    const p = present(threeTokens(), fixer, "read_file", Q3);
    expect((await call(v, p, "read_file", Q3)).allow).toBe(true);
    const d = await call(v, p, "search", { query: "q3", limit: 5 });
    expect(denial(d)).toEqual({ allow: false, code: "tool_not_granted", step: "6b", token: 2 });
    expect(d.holder).toBeNull();
  });

  it("a replayed presentation sent with arguments the leaf refuses names no holder", async () => {
    const v = verifier();
    const p = present(threeTokens(), fixer, "read_file", Q3);
    const d = await call(v, p, "read_file", { path: "/data/../etc/passwd" });
    expect(denial(d)).toMatchObject({ code: "args_rejected", step: "6b" });
    expect(d.holder).toBeNull();
  });

  it("a replayed presentation sent with other admissible arguments is refused at 7f and names no holder", async () => {
    const v = verifier();
    const p = present(threeTokens(), fixer, "read_file", Q3);
    const d = await call(v, p, "read_file", { path: "/data/reports/q4.pdf" });
    expect(denial(d)).toMatchObject({ code: "args_mismatch", step: "7f" });
    expect(d.holder).toBeNull();
  });

  it("a stale PoP (7g) names no holder", async () => {
    const v = verifier();
    const p = present(threeTokens(), fixer, "read_file", Q3, NOW - 120);
    const d = await call(v, p, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "pop_stale", step: "7g" });
    expect(d.holder).toBeNull();
  });

  it("a PoP whose nonce is not accepted (7h) names no holder, also when 6b refuses the call", async () => {
    const v = verifier({ policy: { nonces: { accepts: () => false } } });
    const d = await callAs(v, threeTokens(), fixer, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "nonce_invalid", step: "7h" });
    expect(d.holder).toBeNull();
    const out = await callAs(v, threeTokens(), fixer, "search", { query: "q3", limit: 5 });
    expect(denial(out)).toMatchObject({ code: "tool_not_granted", step: "6b" });
    expect(out.holder).toBeNull();
  });

  it("the same call sent twice is `replayed` and names no holder", async () => {
    const v = verifier();
    const p = present(threeTokens(), fixer, "read_file", Q3);
    expect((await call(v, p, "read_file", Q3)).holder).toBe(fixer.id);
    const d = await call(v, p, "read_file", Q3);
    expect(denial(d)).toMatchObject({ code: "replayed", step: "7i" });
    expect(d.holder).toBeNull();
  });

  it("the holder's own PoP for a tool its leaf lacks is refused at 6b and names the holder", async () => {
    const d = await callAs(verifier(), threeTokens(), fixer, "search", { query: "q3", limit: 5 });
    expect(denial(d)).toEqual({ allow: false, code: "tool_not_granted", step: "6b", token: 2 });
    expect(d.holder).toBe(fixer.id);
  });

  it("usage_exceeded names the holder only when a ledger tracked the PoP's jti", async () => {
    const chain = root({ maxUses: 1 });
    const tracked = verifier();
    expect((await callAs(tracked, chain, orchestrator, "read_file", Q3)).allow).toBe(true);
    const fresh = await callAs(tracked, chain, orchestrator, "read_file", Q3);
    expect(denial(fresh)).toMatchObject({ code: "usage_exceeded", step: "B8" });
    expect(fresh.holder).toBe(orchestrator.id);

    // Untracked, a replay of the permitted PoP is refused for usage, not as a replay: no holder.
    const untracked = verifier({ policy: { trackReplay: () => false } });
    const p = present(chain, orchestrator, "read_file", Q3);
    expect((await call(untracked, p, "read_file", Q3)).allow).toBe(true);
    const again = await call(untracked, p, "read_file", Q3);
    expect(denial(again)).toMatchObject({ code: "usage_exceeded", step: "B8" });
    expect(again.holder).toBeNull();
  });
});
