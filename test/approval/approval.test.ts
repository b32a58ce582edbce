import { describe, expect, it } from "vitest";
import { approvalGate, createApproval, MAX_APPROVAL_TTL } from "../../src/core/approval/approval.ts";
import type { Decision, VerifyOptions } from "../../src/core/chain/options.ts";
import { Verifier } from "../../src/core/chain/verify.ts";
import { b64urlEncode, jcs, sha256b64u } from "../../src/core/encoding.ts";
import { BatonError } from "../../src/core/errors.ts";
import type { AgentKey } from "../../src/core/keys/agent-key.ts";
import {
  AUD,
  alice,
  anchors,
  bob,
  carol,
  chainTo,
  mallory,
  NOON,
  orchestrator,
  present,
  researcher,
} from "./personas.ts";

const ARGS = { env: "prod", version: "1.4.2" };

function setup(o: { threshold?: number; approvers?: AgentKey[] } = {}) {
  const options: VerifyOptions = {
    trustAnchors: anchors,
    audience: AUD,
    approvals: approvalGate({
      approvers: (o.approvers ?? [alice, bob, carol]).map((k) => k.publicJwk),
      ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
    }),
  };
  const verifier = new Verifier(options);
  const chain = chainTo([orchestrator, researcher], { now: NOON, approve: ["deploy*"] });
  const presentation = present(chain, researcher, "deploy", ARGS, NOON);
  const call = (approval?: string, args: Record<string, string> = ARGS, pres = presentation, now = NOON) =>
    verifier.verify({
      presentation: pres,
      tool: "deploy",
      args,
      now,
      ...(approval !== undefined ? { approval } : {}),
    });
  const popHash = sha256b64u(presentation.aat_pop);
  const approve = (key: AgentKey, over: Partial<Parameters<typeof createApproval>[0]> = {}) =>
    createApproval({ key, popHash, tool: "deploy", args: ARGS, now: NOON, ...over });
  return { call, popHash, approve, chain };
}

function expectRequired(d: Decision, fragment: string | RegExp) {
  expect(d.allow).toBe(false);
  expect(d.code).toBe("approval_required");
  expect(d.step).toBe("B6");
  expect(d.message).toMatch(fragment);
}

describe("step-up approval tokens", () => {
  it("asks for an approval bound to the PoP hash when none is presented", async () => {
    const { call, popHash } = setup();
    const d = await call();
    expectRequired(d, /no approval was presented/);
    expect(d.detail).toEqual({ pop_hash: popHash });
  });

  it("permits a call approved by a configured approver, exactly once", async () => {
    const { call, approve } = setup();
    const approval = approve(alice);
    const first = await call(approval);
    expect(first.code).toBe("permitted");
    const again = await call(approval);
    expectRequired(again, /already used; approvals are accepted once/);
  });

  it("refuses an approval bound to other arguments", async () => {
    const { call, approve } = setup();
    const d = await call(approve(alice, { args: { env: "staging", version: "1.4.2" } }));
    expectRequired(d, /bound to another invocation \(its args_hash differs/);
  });

  it("refuses an approval bound to another PoP of the same call", async () => {
    const { call, approve, chain } = setup();
    const approval = approve(alice);
    const otherPop = present(chain, researcher, "deploy", ARGS, NOON, "another-pop");
    const d = await call(approval, ARGS, otherPop);
    expectRequired(d, /bound to another invocation \(pop_hash differs/);
  });

  it("refuses an approval for another tool", async () => {
    const { call, approve } = setup();
    const d = await call(approve(alice, { tool: "deploy_prod" }));
    expectRequired(d, /tool "deploy_prod", not "deploy"/);
  });

  it("refuses an expired approval", async () => {
    const { call, approve } = setup();
    const d = await call(approve(alice, { now: NOON - 200, ttl: 120 }));
    expectRequired(d, /expired at/);
  });

  it("refuses an approval issued in the future", async () => {
    const { call, approve } = setup();
    const d = await call(approve(alice, { now: NOON + 300 }));
    expectRequired(d, /more than 30 s after now/);
  });

  it("refuses self-approval: an agent can never approve its own call", async () => {
    const { call, approve } = setup({ approvers: [alice, researcher, orchestrator] });
    expectRequired(await call(approve(researcher)), /can never approve its own call/);
    // Any holder of the chain, not only the leaf: the orchestrator delegated this call.
    expectRequired(await call(approve(orchestrator)), /holder in this chain/);
  });

  it("refuses an approval signed by an unknown approver", async () => {
    const { call, approve } = setup();
    expectRequired(await call(approve(mallory)), /not signed by a configured approver \(unknown approver\)/);
  });

  it("needs two distinct approvers for 2-of-3", async () => {
    const { call, approve } = setup({ threshold: 2 });
    expectRequired(await call(approve(alice)), /by 2 distinct approvers and 1 approved/);
    const twiceAlice = JSON.stringify([approve(alice, { jti: "a1" }), approve(alice, { jti: "a2" })]);
    expectRequired(await call(twiceAlice), /by 2 distinct approvers and 1 approved/);
    const d = await call(JSON.stringify([approve(alice, { jti: "a3" }), approve(bob)]));
    expect(d.code).toBe("permitted");
  });

  it("refuses a whole m-of-n array when one of its approvals is bad, naming it", async () => {
    const { call, approve } = setup({ threshold: 2 });
    const d = await call(JSON.stringify([approve(alice), approve(mallory)]));
    expectRequired(d, /approval 2 of 2 is not signed by a configured approver/);
  });

  it("accepts only the exact header: alg Ed25519, typ baton-approval+jwt, nothing else", async () => {
    const { call, popHash } = setup();
    const payload = {
      jti: "x",
      iss: alice.id,
      iat: NOON,
      exp: NOON + 60,
      pop_hash: popHash,
      tool: "deploy",
      args_hash: sha256b64u(jcs(ARGS)),
    };
    const sign = (header: Record<string, unknown>) => {
      const input = `${b64urlEncode(jcs(header))}.${b64urlEncode(jcs(payload))}`;
      return `${input}.${b64urlEncode(alice.sign(input))}`;
    };
    expectRequired(await call(sign({ alg: "EdDSA", typ: "baton-approval+jwt" })), /alg "EdDSA"/);
    expectRequired(await call(sign({ alg: "Ed25519", typ: "JWT" })), /typ "JWT"/);
    expectRequired(
      await call(sign({ alg: "Ed25519", typ: "baton-approval+jwt", jwk: mallory.publicJwk })),
      /header member "jwk"/,
    );
    expect((await call(sign({ alg: "Ed25519", typ: "baton-approval+jwt" }))).code).toBe("permitted");
  });

  it("refuses a payload with a duplicate member or a fractional time", async () => {
    const { call, popHash } = setup();
    const sign = (payloadText: string) => {
      const input = `${b64urlEncode(jcs({ alg: "Ed25519", typ: "baton-approval+jwt" }))}.${b64urlEncode(payloadText)}`;
      return `${input}.${b64urlEncode(alice.sign(input))}`;
    };
    const base = `"iss":"${alice.id}","pop_hash":"${popHash}","tool":"deploy","args_hash":"${sha256b64u(jcs(ARGS))}"`;
    expectRequired(
      await call(sign(`{"jti":"a","jti":"b",${base},"iat":${NOON},"exp":${NOON + 60}}`)),
      /duplicate/i,
    );
    expectRequired(
      await call(sign(`{"jti":"a",${base},"iat":${NOON}.0,"exp":${NOON + 60}}`)),
      /integer NumericDates/,
    );
  });

  it("refuses an approval that lives longer than 600 s", async () => {
    const { call, popHash } = setup();
    const payload = {
      jti: "x",
      iss: alice.id,
      iat: NOON,
      exp: NOON + 601,
      pop_hash: popHash,
      tool: "deploy",
      args_hash: sha256b64u(jcs(ARGS)),
    };
    const input = `${b64urlEncode(jcs({ alg: "Ed25519", typ: "baton-approval+jwt" }))}.${b64urlEncode(jcs(payload))}`;
    expectRequired(await call(`${input}.${b64urlEncode(alice.sign(input))}`), /lives 601 s/);
  });

  it("refuses text that is neither a compact approval nor an array of them", async () => {
    const { call } = setup();
    expectRequired(await call("not-a-jws"), /the approval is not a compact JWS/);
    expectRequired(await call("[1,2]"), /array must hold one or more compact approval strings/);
  });

  it("does not consult the gate for tools no approval pattern matches", async () => {
    const verifier = new Verifier({
      trustAnchors: anchors,
      audience: AUD,
      approvals: approvalGate({ approvers: [alice.publicJwk] }),
    });
    const chain = chainTo([orchestrator], { now: NOON, approve: ["deploy*"] });
    const pres = present(chain, orchestrator, "search_web", { q: "x" }, NOON);
    const d = await verifier.verify({ presentation: pres, tool: "search_web", args: { q: "x" }, now: NOON });
    expect(d.code).toBe("permitted");
  });

  it("refuses bad configuration and bad ttl at creation", () => {
    expect(() => approvalGate({ approvers: [] })).toThrow(BatonError);
    expect(() => approvalGate({ approvers: [alice.publicJwk], threshold: 2 })).toThrow(/threshold/);
    expect(() =>
      createApproval({ key: alice, popHash: "h", tool: "t", args: {}, now: NOON, ttl: MAX_APPROVAL_TTL + 1 }),
    ).toThrow(/ttl/);
  });
});
