/**
 * The verifier's rules, one sentence each: the Baton profile rules and gates (B1–B8).
 * Real tokens from `grant` / `derive` / `prove`, or hand-signed where a rule needs a token those
 * functions refuse to mint. Each test asserts the decision code, the failing token and the message.
 */
import { describe, expect, it } from "vitest";
import { grant } from "../../../src/core/chain/issue.ts";
import { Verifier } from "../../../src/core/chain/verify.ts";
import { sha256b64u } from "../../../src/core/encoding.ts";
import type { RevocationCheck } from "../../../src/core/ports.ts";
import { decodeToken } from "../../../src/core/token/decode.ts";
import {
  AUD,
  anchors,
  call,
  callAs,
  denial,
  fixer,
  forgeChild,
  INTENT,
  ISSUER,
  ListRevocation,
  MemoryLedger,
  NOW,
  ok,
  orchestrator,
  present,
  principal,
  Q3,
  READER,
  researcher,
  root,
  threeTokens,
  verifier,
} from "./fixtures.ts";

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
