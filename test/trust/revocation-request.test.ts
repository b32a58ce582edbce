import { describe, expect, it } from "vitest";
import { b64urlEncode } from "../../src/core/encoding.ts";
import { REVOCATION_CODES } from "../../src/core/revocation/codes.ts";
import {
  createRevocationRequest,
  REVOKE_TYP,
  type VerifyRevocationOptions,
  verifyRevocationRequest,
} from "../../src/core/revocation/request.ts";
import { signCompact } from "../../src/core/token/jws.ts";
import {
  AUDIENCE,
  admin,
  delegation,
  fetcher,
  INTENT,
  ISSUER,
  idsOf,
  mallory,
  NOW,
  orchestrator,
  principal,
  researcher,
  summarizer,
} from "./fixtures.ts";

const options: VerifyRevocationOptions = {
  trustAnchors: [{ issuer: ISSUER, jwk: principal.publicJwk }],
  adminKeys: [admin.publicJwk],
  audience: AUDIENCE,
  now: NOW,
};

const chain4 = delegation(4);
const ids = idsOf(chain4);
const tokenTarget = (i: number) => ({ kind: "token" as const, id: ids[i]!.hash });

describe("verifyRevocationRequest", () => {
  describe("token targets", () => {
    it("accepts the issuer of the target (holder of the token above it)", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: researcher,
          target: tokenTarget(2),
          chain: chain4.slice(0, 3),
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({
        ok: true,
        actor: researcher.id,
        authority: "delegator",
        target: tokenTarget(2),
      });
    });

    it("accepts any upstream holder, with a chain that goes on below the target", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: tokenTarget(2),
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: true, authority: "delegator" });
    });

    it("names a target given by jti by its hash, and returns its exp", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: { kind: "token", id: ids[2]!.jti },
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: true, target: tokenTarget(2), tokenExp: NOW + 2800 });
    });

    it("refuses the target's own holder and any agent below it", () => {
      for (const key of [summarizer, fetcher]) {
        const r = verifyRevocationRequest(
          createRevocationRequest({
            audience: AUDIENCE,
            key,
            target: tokenTarget(2),
            chain: chain4,
            now: NOW,
          }),
          options,
        );
        expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
      }
    });

    it("refuses an agent outside the chain", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: mallory,
          target: tokenTarget(1),
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    });

    it("refuses a delegator that carries no chain", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: tokenTarget(2),
          chain: [],
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
      if (!r.ok) expect(r.message).toContain("carry the chain");
    });

    it("refuses a chain that does not hold the target", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: tokenTarget(3),
          chain: chain4.slice(0, 3),
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_target_not_in_chain" });
    });

    it("refuses a chain that does not verify", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: tokenTarget(2),
          chain: [chain4[0]!, chain4[2]!],
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_chain_invalid" });
    });
  });

  describe("service-wide authorities", () => {
    it("accepts a trust anchor inside its own tree, and an admin key with or without a chain", () => {
      const byAnchor = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: principal,
          target: tokenTarget(1),
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(byAnchor).toMatchObject({ ok: true, authority: "anchor", actor: principal.id });
      const byAdmin = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: admin,
          target: { kind: "agent", id: mallory.id },
          chain: [],
          now: NOW,
        }),
        options,
      );
      expect(byAdmin).toMatchObject({
        ok: true,
        authority: "admin",
        target: { kind: "agent", id: mallory.id },
      });
    });
  });

  describe("intent targets", () => {
    it("accepts the root holder (the task owner), narrowed to its own root token", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: { kind: "intent", id: INTENT.id },
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: true, authority: "owner", target: { kind: "token" } });
      // Another issuer's tree with the same intent id is not the owner's to revoke.
      expect(r.ok && r.target.id.startsWith("sha256:")).toBe(true);
    });

    it("refuses a deeper delegate", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: researcher,
          target: { kind: "intent", id: INTENT.id },
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_unauthorized" });
    });

    it("refuses a chain bound to another intent", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: { kind: "intent", id: "other" },
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_target_not_in_chain" });
    });
  });

  describe("agent targets", () => {
    it("accepts the agent itself", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: summarizer,
          target: { kind: "agent", id: summarizer.id },
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: true, authority: "self" });
    });

    it("refuses an upstream holder unless delegatorsMayRevokeAgents is set", () => {
      const request = createRevocationRequest({
        audience: AUDIENCE,
        key: orchestrator,
        target: { kind: "agent", id: summarizer.id },
        chain: chain4,
        now: NOW,
      });
      expect(verifyRevocationRequest(request, options)).toMatchObject({
        ok: false,
        code: "revocation_unauthorized",
      });
      expect(verifyRevocationRequest(request, { ...options, delegatorsMayRevokeAgents: true })).toMatchObject(
        {
          ok: true,
          authority: "delegator",
        },
      );
    });

    it("refuses a chain in which the agent holds no token", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: admin,
          target: { kind: "agent", id: mallory.id },
          chain: chain4,
          now: NOW,
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, code: "revocation_target_not_in_chain" });
    });
  });

  describe("form and freshness", () => {
    const payload = { jti: "rq", iat: NOW, target: tokenTarget(1), chain: chain4.slice(0, 2) };

    it("refuses a wrong typ and a wrong alg", () => {
      expect(
        verifyRevocationRequest(signCompact({ alg: "Ed25519", typ: "JWT" }, payload, orchestrator), options),
      ).toMatchObject({ ok: false, code: "revocation_wrong_typ" });
      expect(
        verifyRevocationRequest(
          signCompact({ alg: "EdDSA", typ: REVOKE_TYP }, payload, orchestrator),
          options,
        ),
      ).toMatchObject({ ok: false, code: "revocation_unsupported_alg" });
      expect(
        verifyRevocationRequest(
          signCompact({ alg: "Ed25519", typ: REVOKE_TYP, crit: ["x"], x: 1 }, payload, orchestrator),
          options,
        ),
      ).toMatchObject({ ok: false, code: "revocation_unsupported_alg" });
    });

    it("refuses a payload with a duplicate member, an unknown member or a fractional iat", () => {
      const header = b64urlEncode(JSON.stringify({ alg: "Ed25519", typ: REVOKE_TYP }));
      const sign = (text: string) => {
        const input = `${header}.${b64urlEncode(text)}`;
        return `${input}.${b64urlEncode(orchestrator.sign(input))}`;
      };
      const body = JSON.stringify(payload);
      for (const text of [
        body.replace('"jti":"rq"', '"jti":"rq","jti":"rq2"'),
        body.replace('"jti":"rq"', '"jti":"rq","extra":1'),
        body.replace(`"iat":${NOW}`, `"iat":${NOW}.5`),
      ]) {
        expect(verifyRevocationRequest(sign(text), options)).toMatchObject({
          ok: false,
          code: "revocation_malformed",
        });
      }
      expect(verifyRevocationRequest("not.a.jws", options)).toMatchObject({
        ok: false,
        code: "revocation_malformed",
      });
      expect(verifyRevocationRequest(42, options)).toMatchObject({ ok: false, code: "revocation_malformed" });
    });

    it("refuses a request from the future and a stale one", () => {
      const make = (now: number) =>
        createRevocationRequest({
          audience: AUDIENCE,
          key: orchestrator,
          target: tokenTarget(1),
          chain: chain4,
          now,
        });
      expect(verifyRevocationRequest(make(NOW + 31), options)).toMatchObject({
        ok: false,
        code: "revocation_issued_in_future",
      });
      expect(verifyRevocationRequest(make(NOW - 301), options)).toMatchObject({
        ok: false,
        code: "revocation_stale",
      });
      expect(verifyRevocationRequest(make(NOW - 299), { ...options, maxAge: 600 })).toMatchObject({
        ok: true,
      });
    });

    it("returns the request jti with a refusal, so it can be audited", () => {
      const r = verifyRevocationRequest(
        createRevocationRequest({
          audience: AUDIENCE,
          key: mallory,
          target: tokenTarget(1),
          chain: chain4,
          now: NOW,
          jti: "rq-m",
        }),
        options,
      );
      expect(r).toMatchObject({ ok: false, jti: "rq-m" });
    });
  });

  it("uses only codes of the catalog", () => {
    expect(Object.keys(REVOCATION_CODES).every((c) => c.startsWith("revocation_"))).toBe(true);
  });
});
