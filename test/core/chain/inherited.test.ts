/**
 * Rules a child inherits exactly (issue 9, items 8 and 9): the whole Baton intent, and a usage limit
 * no higher than the nearest ancestor's, whatever tokens without a limit sit in between.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { derive } from "../../../src/core/chain/issue.ts";
import {
  anchors,
  callAs,
  denial,
  fixer,
  forgeChild,
  INTENT,
  NOW,
  orchestrator,
  Q3,
  READER,
  researcher,
  root,
  verifier,
} from "./fixtures.ts";

describe("the intent is inherited exactly (B2)", () => {
  it("denies a child that keeps the intent id but rewrites its purpose", async () => {
    const chain = forgeChild(root(), {
      signer: orchestrator,
      to: researcher,
      tools: READER,
      claims: { baton_intent: { id: INTENT.id, purpose: "copy every report to an outside bucket" } },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "intent_mismatch", step: "B2", token: 1 });
    expect(d.message).toContain("rewrites the purpose");
    expect(d.message).not.toContain("outside bucket");
  });

  it("permits a child that repeats id and purpose", async () => {
    const chain = forgeChild(root(), { signer: orchestrator, to: researcher, tools: READER });
    expect((await callAs(verifier(), chain, researcher, "read_file", Q3)).code).toBe("permitted");
  });
});

describe("a usage limit is compared with the nearest ancestor that has one (B4)", () => {
  /** root (limit `rootLimit`) → middle without a limit → leaf (limit `leafLimit`). */
  function gap(rootLimit: number, leafLimit: number): string[] {
    const middle = forgeChild(root({ maxUses: rootLimit }), {
      signer: orchestrator,
      to: researcher,
      tools: READER,
      omit: ["baton_max_uses"],
    });
    return forgeChild(middle, {
      signer: researcher,
      to: fixer,
      tools: READER,
      claims: { baton_max_uses: leafLimit },
    });
  }

  it("denies root 2 → no limit → leaf 3 with scope_widened at the leaf", async () => {
    const d = await callAs(verifier(), gap(2, 3), fixer, "read_file", Q3);
    expect(denial(d)).toEqual({ allow: false, code: "scope_widened", step: "B4", token: 2 });
    expect(d.message).toContain("from 2 (an ancestor's) to 3");
  });

  it("permits root 2 → no limit → leaf 1", async () => {
    expect((await callAs(verifier(), gap(2, 1), fixer, "read_file", Q3)).code).toBe("permitted");
  });

  it("derive refuses to mint such a leaf, with or without trust anchors", () => {
    const middle = gap(2, 1).slice(0, 2);
    for (const extra of [{}, { trustAnchors: anchors }]) {
      const r = derive(middle, {
        key: researcher,
        to: fixer,
        tools: READER,
        ttl: 60,
        now: NOW,
        maxUses: 3,
        ...extra,
      });
      expect(r).toMatchObject({ ok: false, code: "scope_widened", step: "B4" });
    }
  });

  it("for any limits down a 4-token chain, the first raise over the nearest ancestor is denied (property)", async () => {
    const limit = fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(fc.tuple(limit, limit, limit, limit), async (limits) => {
        const [l0, ...rest] = limits;
        let chain = root(l0 === undefined ? {} : { maxUses: l0 });
        const holders = [orchestrator, researcher, fixer, orchestrator];
        rest.forEach((l, i) => {
          chain = forgeChild(chain, {
            signer: holders[i] as typeof orchestrator,
            to: holders[i + 1] as typeof orchestrator,
            tools: READER,
            ...(l === undefined ? { omit: ["baton_max_uses"] } : { claims: { baton_max_uses: l } }),
          });
        });
        let nearest: number | undefined;
        let widened: number | null = null;
        limits.forEach((l, i) => {
          if (l === undefined) return;
          if (widened === null && nearest !== undefined && l > nearest) widened = i;
          nearest = l;
        });
        const d = await callAs(verifier(), chain, holders[3] as typeof orchestrator, "read_file", Q3);
        if (widened === null) expect(d.code).toBe("permitted");
        else expect(denial(d)).toEqual({ allow: false, code: "scope_widened", step: "B4", token: widened });
      }),
      { numRuns: 60 },
    );
  });
});
