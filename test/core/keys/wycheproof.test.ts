import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import { b64urlEncode } from "../../../src/core/encoding.ts";
import { importPublicJwk } from "../../../src/core/keys/public-key.ts";

interface WycheproofFile {
  numberOfTests: number;
  testGroups: {
    publicKey: { pk: string };
    tests: { tcId: number; msg: string; sig: string; result: "valid" | "invalid"; comment: string }[];
  }[];
}

const path = fileURLToPath(new URL("../../vectors/wycheproof/ed25519_test.json", import.meta.url));
const file = JSON.parse(readFileSync(path, "utf8")) as WycheproofFile;

/** The project's own signature check: key acceptance (import) and strict RFC 8032 verification. */
function projectVerify(pkHex: string, msgHex: string, sigHex: string): boolean {
  const key = importPublicJwk({ kty: "OKP", crv: "Ed25519", x: b64urlEncode(Buffer.from(pkHex, "hex")) });
  if (!key.ok) return false;
  return key.key.verify(Buffer.from(msgHex, "hex"), Buffer.from(sigHex, "hex"));
}

describe("Wycheproof Ed25519 vectors through the project's signature check", () => {
  const cases = file.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));

  it("covers all 151 tests", () => {
    expect(cases).toHaveLength(151);
    expect(file.numberOfTests).toBe(151);
  });

  for (const t of cases) {
    it(`tcId ${t.tcId} is ${t.result}${t.comment ? ` (${t.comment})` : ""}`, () => {
      expect(projectVerify(t.pk, t.msg, t.sig)).toBe(t.result === "valid");
    });
  }
});

describe("small-order public keys", () => {
  // The identity point (y = 1) encodes as 0x01 followed by 31 zero bytes.
  const identity = Buffer.alloc(32);
  identity[0] = 1;
  // With A = identity, R = identity and S = 0 satisfy [S]B = R + [k]A for every message:
  // a universal forgery that node:crypto and ZIP-215 verifiers accept.
  const forgedSig = Buffer.concat([identity, Buffer.alloc(32)]);

  it("is a real forgery risk: node:crypto alone accepts the trivial signature on Node 20", async () => {
    const { createPublicKey, verify } = await import("node:crypto");
    const key = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: b64urlEncode(identity) },
      format: "jwk",
    });
    const accepted = verify(null, Buffer.from("anything"), key, forgedSig);
    // Node 20's OpenSSL (3.0) accepts it; Node 24's (3.5) refuses it. The project must not depend
    // on which runtime it gets, hence the key check below.
    if (Number(process.versions.node.split(".")[0]) === 20) expect(accepted).toBe(true);
    else expect(typeof accepted).toBe("boolean");
  });

  it("is refused as a key, so the forgery never verifies", () => {
    const r = importPublicJwk({ kty: "OKP", crv: "Ed25519", x: b64urlEncode(identity) });
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(/small-order/);
    expect(projectVerify(identity.toString("hex"), "616e797468696e67", forgedSig.toString("hex"))).toBe(
      false,
    );
  });

  it("refuses every small-order point of Ed25519", () => {
    // The eight torsion points, from noble's own table of small-order encodings.
    const torsion = [
      "0100000000000000000000000000000000000000000000000000000000000000",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0000000000000000000000000000000000000000000000000000000000000080",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    ];
    for (const hex of torsion) {
      const bytes = Buffer.from(hex, "hex");
      let small = true;
      try {
        small = ed.Point.fromBytes(bytes, false).isSmallOrder();
      } catch {
        small = true; // not even decodable under RFC 8032: refused either way
      }
      expect(small).toBe(true);
      expect(importPublicJwk({ kty: "OKP", crv: "Ed25519", x: b64urlEncode(bytes) }).ok).toBe(false);
    }
  });

  it("refuses private members, other curves and non-canonical base64url", () => {
    const good = importPublicJwk({
      kty: "OKP",
      crv: "Ed25519",
      x: "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q",
    });
    expect(good.ok).toBe(true);
    expect(
      importPublicJwk({
        kty: "OKP",
        crv: "Ed25519",
        x: "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q",
        d: "AAAA",
      }).ok,
    ).toBe(false);
    expect(
      importPublicJwk({ kty: "OKP", crv: "X25519", x: "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q" }).ok,
    ).toBe(false);
    expect(
      importPublicJwk({ kty: "OKP", crv: "Ed25519", x: "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5R" }).ok,
    ).toBe(false);
    expect(
      importPublicJwk({ kty: "OKP", crv: "Ed25519", x: "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q=" }).ok,
    ).toBe(false);
  });
});
