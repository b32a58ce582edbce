import { describe, expect, it } from "vitest";
import { deny, permit, unavailable } from "../../../src/core/decision/decision.ts";
import { decisionFromJSON, decisionToJSON } from "../../../src/core/decision/json.ts";
import {
  callAs,
  forgeChild,
  orchestrator,
  Q3,
  READER,
  researcher,
  root,
  verifier,
} from "../chain/fixtures.ts";

describe("Decision: constructors, one JSON form, evidence as data", () => {
  it("deny fills the catalogue sentence and nulls; permit is step 8", () => {
    expect(deny({ code: "chain_empty", step: "1" })).toEqual({
      allow: false,
      code: "chain_empty",
      step: "1",
      token: null,
      message: "The chain has no tokens.",
      intent: null,
      holder: null,
    });
    expect(permit("ok", { intent: "i", holder: "h" })).toMatchObject({
      allow: true,
      code: "permitted",
      step: "8",
    });
    expect(unavailable(new Error("db\ndown")).message).toBe("verification could not complete: db\\ndown");
  });

  it("round-trips through JSON, members in the contract's order", () => {
    const d = deny(
      {
        code: "scope_widened",
        step: "4p4",
        token: 1,
        evidence: { kind: "narrowing", step: "4p4", tool: "t", arg: "a" },
      },
      { intent: "i", holder: "h" },
    );
    const json = decisionToJSON(d);
    expect(Object.keys(json)).toEqual([
      "allow",
      "code",
      "step",
      "token",
      "message",
      "intent",
      "holder",
      "evidence",
    ]);
    expect(decisionFromJSON(JSON.parse(JSON.stringify(json)))).toEqual({ ok: true, decision: d });
  });

  it("refuses what is not a decision: unknown code, allow inconsistent with code, bad evidence", () => {
    const base = decisionToJSON(deny({ code: "revoked", step: "B5" }));
    for (const bad of [
      { ...base, code: "totally_fine" },
      { ...base, allow: true },
      { ...base, evidence: { kind: "narrowing", tool: 1 } },
      { ...base, token: -1 },
      null,
    ]) {
      expect(decisionFromJSON(bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it("a narrowing denial carries the tool and argument that widened as fields", async () => {
    const chain = forgeChild(root(), {
      signer: orchestrator,
      to: researcher,
      tools: { read_file: { path: { constraint_type: "path_containment", root: "/" } } },
    });
    const d = await callAs(verifier(), chain, researcher, "read_file", Q3);
    expect(d).toMatchObject({
      code: "scope_widened",
      evidence: { kind: "narrowing", step: "4p4", tool: "read_file", arg: "path" },
    });
    const args = await callAs(
      verifier(),
      forgeChild(root(), { signer: orchestrator, to: researcher, tools: READER }),
      researcher,
      "read_file",
      { path: "/etc/passwd" },
    );
    expect(args).toMatchObject({
      code: "args_rejected",
      evidence: { kind: "arguments", tool: "read_file", arg: "path" },
    });
  });
});
