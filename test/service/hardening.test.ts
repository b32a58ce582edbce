import { afterEach, describe, expect, it } from "vitest";
import { ARGS, delegation, present, principal } from "../trust/fixtures.ts";
import { type AppHarness, expectProblem, openApp } from "./helpers.ts";

const json = { "content-type": "application/json" };

describe("HTTP hardening", () => {
  let t: AppHarness;
  afterEach(async () => {
    await t.close();
  });

  describe("strict JSON bodies", () => {
    it.each([
      ["a duplicate member", '{"tool":"a","tool":"b"}'],
      ["a duplicate member deep in args", '{"args":{"a":{"x":1,"x":2}}}'],
      ["an inadmissible number (2^53+1)", '{"args":{"n":9007199254740993}}'],
      ["a number that is not finite", '{"args":{"n":1e400}}'],
      ["a __proto__ member", '{"args":{"__proto__":{"admin":true}}}'],
      ["a constructor member", '{"aat_chain":[],"constructor":1}'],
      ["a prototype member deep in an array", '{"args":{"list":[{"prototype":1}]}}'],
      ["a body that is not JSON", "{nope"],
      ["an empty body", ""],
    ])("refuses %s with 400 malformed_json", async (_what, payload) => {
      t = await openApp();
      const res = await t.app.inject({ method: "POST", url: "/v1/verify", payload, headers: json });
      expectProblem(res, 400, "malformed_json");
    });

    it("refuses a body that is not application/json with 415", async () => {
      t = await openApp();
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: "tool=search",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expectProblem(res, 415, "unsupported_media_type");
    });

    it("refuses a body over the limit with 413", async () => {
      t = await openApp({ options: { bodyLimit: 4096 } });
      const res = await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: JSON.stringify({ args: { pad: "x".repeat(5000) } }),
        headers: json,
      });
      expectProblem(res, 413, "payload_too_large");
    });
  });

  describe("errors", () => {
    it("answers an unknown route with a 404 problem", async () => {
      t = await openApp();
      expectProblem(await t.app.inject({ method: "GET", url: "/v2/nothing" }), 404, "not_found");
      expectProblem(await t.app.inject({ method: "DELETE", url: "/v1/verify" }), 404, "not_found");
    });

    it("answers a malformed URL with a 400 bad_request problem", async () => {
      t = await openApp();
      expectProblem(await t.app.inject({ method: "GET", url: "/v1/agents/%E0%A4%A" }), 400, "bad_request");
    });

    it("hides an unexpected error behind a logged 500", async () => {
      t = await openApp({ captureLogs: true });
      t.trust.checkAudit = async () => {
        throw new Error("secret detail at /srv/baton/internal.ts:42");
      };
      const res = await t.app.inject({ method: "GET", url: "/v1/audit/check" });
      const p = expectProblem(res, 500, "internal_error");
      expect(JSON.stringify(p)).not.toContain("secret");
      expect(t.logs.some((l) => l.includes("secret detail") && l.includes('"level":50'))).toBe(true);
    });
  });

  describe("rate limit", () => {
    it("limits the mutating routes but never /v1/verify", async () => {
      t = await openApp({ options: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
      const chain = delegation(2);
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        codes.push(
          (await t.app.inject({ method: "POST", url: "/v1/tokens", payload: { aat_chain: chain } }))
            .statusCode,
        );
      }
      expect(codes).toEqual([200, 200, 429]);
      const limited = await t.app.inject({
        method: "POST",
        url: "/v1/tokens",
        payload: { aat_chain: chain },
      });
      expectProblem(limited, 429, "rate_limited");
      expect(limited.headers["retry-after"]).toBeDefined();
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({
          method: "POST",
          url: "/v1/verify",
          payload: { ...present(chain), tool: "search", args: ARGS },
        });
        expect(res.statusCode).toBe(200);
      }
      const revoke = await t.app.inject({
        method: "POST",
        url: "/v1/revocations",
        payload: { request: "x" },
      });
      expect(revoke.statusCode).toBe(403);
    });
  });

  describe("headers and logs", () => {
    it("sends security headers", async () => {
      t = await openApp();
      const res = await t.app.inject({ method: "GET", url: "/healthz" });
      expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["x-frame-options"]).toBeDefined();
    });

    it("logs requests without bodies, query strings, arguments or keys", async () => {
      t = await openApp({ captureLogs: true });
      const chain = delegation(2);
      const secretArgs = { query: "TOP-SECRET-ARGUMENT", limit: 5 };
      await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: { ...present(chain, { args: secretArgs }), tool: "search", args: secretArgs },
      });
      await t.app.inject({ method: "GET", url: "/v1/audit?intent=QUERY-VALUE" });
      await t.app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: `{"args":{"d":"${principal.toPrivateJwk().d}","d":1}}`,
        headers: json,
      });
      const text = t.logs.join("");
      expect(t.logs.length).toBeGreaterThan(0);
      expect(text).toContain('"path":"/v1/verify"');
      expect(text).not.toContain("TOP-SECRET-ARGUMENT");
      expect(text).not.toContain("QUERY-VALUE");
      expect(text).not.toContain(chain[0]!.slice(0, 40));
      expect(text).not.toContain(principal.toPrivateJwk().d);
    });
  });
});
