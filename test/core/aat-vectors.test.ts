import { describe, expect, it } from "vitest";
import { Verifier } from "../../src/core/chain/verify.ts";
import { anchorsOf, limitsOf, loadAatVectors, policyOf } from "../fixtures/aat-vectors.ts";

const file = loadAatVectors();

describe("AAT -02 JWS vectors (test/vectors/aat)", () => {
  it("holds the 79 vectors of the pinned revision", () => {
    expect(file.vectors).toHaveLength(79);
  });

  for (const v of file.vectors) {
    it(`${v.id} ${v.title} → ${v.expected.verdict}${v.expected.step ? ` (${v.expected.step})` : ""}`, async () => {
      const verifier = new Verifier({
        trustAnchors: anchorsOf(file),
        audience: file.params.audience,
        limits: limitsOf(file),
        policy: policyOf(v),
      });
      const d = await verifier.verify({
        presentation: { aat_chain: v.chain_compact, aat_pop: v.pop.compact },
        tool: v.tool,
        args: v.args,
        now: v.now,
      });
      // Conformance is the verdict; the step is advisory (draft App. E).
      expect({ verdict: d.allow ? "PERMIT" : "DENY", why: d.message }).toMatchObject({
        verdict: v.expected.verdict,
      });
      // A verified-token cache must give the same verdict a second time.
      const again = await verifier.verify({
        presentation: { aat_chain: v.chain_compact, aat_pop: v.pop.compact },
        tool: v.tool,
        args: v.args,
        now: v.now,
      });
      expect(again.allow).toBe(d.allow);
      expect(again.code).toBe(d.code);
    });
  }
});
