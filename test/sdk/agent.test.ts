import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeToken } from "../../src/core/token/decode.ts";
import { Agent } from "../../src/sdk/agent.ts";
import { ttlSeconds } from "../../src/sdk/duration.ts";
import { BatonDenied } from "../../src/sdk/errors.ts";
import { AUD, chains, localVerifier, mallory, orchestrator, principal, researcher } from "./world.ts";

function thrown(fn: () => unknown): BatonDenied {
  try {
    fn();
  } catch (e) {
    if (e instanceof BatonDenied) return e;
    throw e;
  }
  throw new Error("did not throw");
}

describe("SDK Agent and Issuer", () => {
  it("grants, derives and proves a chain that a LocalVerifier permits", async () => {
    const { child } = chains();
    const leaf = decodeToken(child[1] as string, 1);
    if (!leaf.ok) throw new Error(leaf.message);
    expect(leaf.value.token.claims.holder.id).toBe(researcher.id);
    expect(leaf.value.token.claims.baton.intent?.id).toBe("release-2027-01");
    expect(leaf.value.token.claims.baton.approve).toEqual(["deploy"]);
    const args = { q: "baton" };
    const presentation = researcher.prove(child, { tool: "search_web", args, aud: AUD });
    const d = await localVerifier().verify({ presentation, tool: "search_web", args });
    expect(d).toMatchObject({
      allow: true,
      code: "permitted",
      holder: researcher.id,
      intent: "release-2027-01",
    });
  });

  it("throws BatonDenied with code, step and token when a derivation would widen authority", () => {
    const { child } = chains();
    const widened = thrown(() => researcher.derive(child, { to: mallory, tools: ["deploy"], ttl: "1m" }));
    expect(widened).toMatchObject({ name: "BatonDenied", code: "scope_widened", token: 2 });
    const outlives = thrown(() =>
      researcher.derive(child, { to: mallory, tools: ["search_web"], ttl: "2h" }),
    );
    expect(outlives).toMatchObject({ code: "ttl_widened", step: "4h" });
    const notHolder = thrown(() => mallory.derive(child, { to: mallory, tools: ["search_web"], ttl: 60 }));
    expect(notHolder.code).toBe("issuer_mismatch");
    const wrongProver = thrown(() => mallory.prove(child, { tool: "search_web", args: {}, aud: AUD }));
    expect(wrongProver.code).toBe("bad_signature");
  });

  it("prove always sets aud: a call without it is refused before any PoP is made", () => {
    const { child } = chains();
    expect(() =>
      researcher.prove(child, { tool: "search_web", args: {} } as unknown as Parameters<Agent["prove"]>[1]),
    ).toThrow(expect.objectContaining({ name: "BatonError", code: "invalid_argument" }));
    const p = researcher.prove(child, { tool: "search_web", args: {}, aud: AUD });
    const payload = JSON.parse(Buffer.from(p.aat_pop.split(".")[1] as string, "base64url").toString());
    expect(payload.aat_aud).toBe(AUD);
  });

  it("verifyOrThrow throws BatonDenied carrying the decision", async () => {
    const { child } = chains();
    const presentation = researcher.prove(child, { tool: "deploy", args: {}, aud: AUD });
    const verifier = localVerifier();
    const e = await verifier
      .verifyOrThrow({ presentation, tool: "deploy", args: {} })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BatonDenied);
    expect((e as BatonDenied).decision?.code).toBe("tool_not_granted");
  });

  it("loads an agent from a private JWK file and exposes only the public key", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-sdk-"));
    const file = join(dir, "orchestrator.key");
    writeFileSync(file, JSON.stringify(orchestrator.key.toPrivateJwk()), { mode: 0o600 });
    const loaded = Agent.fromFile(file);
    expect(loaded.id).toBe(orchestrator.id);
    expect(loaded.publicJwk).toEqual({ kty: "OKP", crv: "Ed25519", x: orchestrator.publicJwk.x });
    expect(loaded.name).toBe("orchestrator");
    expect(() => Agent.fromFile(join(dir, "missing.key"))).toThrow(/key file/);
    const fresh = Agent.generate("scratch");
    expect(fresh.id).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:/);
    expect(principal.anchor).toEqual({ issuer: "https://principal.example", jwk: principal.key.publicJwk });
  });

  it("reads lifetimes as seconds or s/m/h/d strings", () => {
    expect(ttlSeconds(90)).toBe(90);
    expect(ttlSeconds("15m")).toBe(900);
    expect(ttlSeconds("2h")).toBe(7200);
    expect(ttlSeconds("1d")).toBe(86_400);
    for (const bad of [0, -5, 1.5, "15", "0m", "1w", "m"])
      expect(() => ttlSeconds(bad as never)).toThrow(/ttl/);
  });
});
