import { describe, expect, it } from "vitest";
import { CHECKPOINT_TYP, signCheckpoint, verifyCheckpoint } from "../../src/core/audit/checkpoint.ts";
import { b64urlEncode, jcs } from "../../src/core/encoding.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { ALG, signCompact } from "../../src/core/token/jws.ts";

const node = AgentKey.fromSeed(new Uint8Array(32).fill(1));
const other = AgentKey.fromSeed(new Uint8Array(32).fill(2));
const hash = "cd".repeat(32);

describe("audit checkpoint format", () => {
  it("signs {iss, seq, hash, at} under a self-certifying header and verifies it", () => {
    const cp = signCheckpoint(node, { seq: 9, hash, at: 1234 });
    const [h] = cp.jws.split(".");
    expect(JSON.parse(Buffer.from(h as string, "base64url").toString())).toEqual({
      alg: "Ed25519",
      typ: CHECKPOINT_TYP,
      jwk: node.publicJwk,
    });
    expect(verifyCheckpoint(cp.jws)).toEqual({ ok: true, checkpoint: cp });
    expect(verifyCheckpoint(cp.jws, { trustedNodes: new Set([node.id]) }).ok).toBe(true);
    expect(verifyCheckpoint(cp.jws, { trustedNodes: new Set([other.id]) })).toMatchObject({
      ok: false,
      message: expect.stringContaining("not a trusted node"),
    });
  });

  it("refuses a checkpoint whose iss is not its key, another typ, extra members, or a bad signature", () => {
    const header = { alg: ALG, typ: CHECKPOINT_TYP, jwk: node.publicJwk };
    const payload = { iss: node.id, seq: 1, hash, at: 1 };
    // Signed by another key under node's jwk and iss: the signature does not verify.
    expect(verifyCheckpoint(signCompact(header, payload, other)).ok).toBe(false);
    // Another node's key claiming node's id.
    const claim = signCompact({ ...header, jwk: other.publicJwk }, payload, other);
    expect(verifyCheckpoint(claim)).toMatchObject({
      ok: false,
      message: expect.stringContaining("thumbprint"),
    });
    expect(verifyCheckpoint(signCompact({ ...header, typ: "aat+jwt" }, payload, node)).ok).toBe(false);
    expect(verifyCheckpoint(signCompact({ ...header, kid: "x" }, payload, node)).ok).toBe(false);
    expect(verifyCheckpoint(signCompact(header, { ...payload, extra: 1 }, node)).ok).toBe(false);
    expect(verifyCheckpoint(signCompact(header, { ...payload, seq: 0 }, node)).ok).toBe(false);
    expect(verifyCheckpoint(signCompact(header, { ...payload, hash: "AB" }, node)).ok).toBe(false);
    const unsigned = `${b64urlEncode(jcs(header))}.${b64urlEncode(jcs(payload))}.`;
    expect(verifyCheckpoint(unsigned).ok).toBe(false);
    expect(verifyCheckpoint(42).ok).toBe(false);
    expect(verifyCheckpoint("x".repeat(3000))).toMatchObject({
      ok: false,
      message: expect.stringContaining("longer"),
    });
  });
});
