/**
 * `POST /v1/verify` takes `approval` as one compact approval or a JSON array of them (m-of-n, as
 * specs/baton-profile.md promises), and the threshold comes from the service configuration
 * (`approvalThreshold`, `BATON_APPROVAL_THRESHOLD`).
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError, type ConfigInput, parseConfig } from "../../src/config/schema.ts";
import { Agent } from "../../src/sdk/agent.ts";
import { Issuer } from "../../src/sdk/issuer.ts";
import { buildApp } from "../../src/service/app.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";

const AUD = "https://tools.example";
const principal = new Issuer({ key: Agent.generate("principal").key, issuer: "https://principal.example" });
const worker = Agent.generate("worker");
const alice = Agent.generate("alice");
const bob = Agent.generate("bob");
const carol = Agent.generate("carol");

async function service(extra: Partial<ConfigInput>) {
  const config = parseConfig({
    audience: AUD,
    trustAnchors: [principal.anchor],
    approverKeys: [alice.publicJwk, bob.publicJwk, carol.publicJwk],
    ...extra,
  });
  const trust = new Trust(config, { store: new MemoryStore(), revocations: new RevocationState() });
  const app = await buildApp(trust, { logger: false, rateLimit: false });
  const chain = principal.grant({
    to: worker,
    tools: { deploy: { env: { constraint_type: "wildcard" } } },
    ttl: "5m",
    maxDepth: 1,
    approve: ["deploy"],
  });
  const args = { env: "prod" };
  const call = async (approval?: unknown) => {
    const presentation = worker.prove(chain, { tool: "deploy", args, aud: AUD });
    const first = await app.inject({
      method: "POST",
      url: "/v1/verify",
      payload: { ...presentation, tool: "deploy", args },
    });
    const popHash = first.json().detail.pop_hash as string;
    const sign = (who: Agent) => who.approve({ popHash, tool: "deploy", args });
    const body = typeof approval === "function" ? (approval as (s: typeof sign) => unknown)(sign) : approval;
    return app.inject({
      method: "POST",
      url: "/v1/verify",
      payload: { ...presentation, tool: "deploy", args, ...(body !== undefined ? { approval: body } : {}) },
    });
  };
  return {
    call,
    async close() {
      await app.close();
      await trust.close();
    },
  };
}

describe("approvals on POST /v1/verify", () => {
  it("accepts a JSON array of approvals and applies the configured threshold (2 of 3)", async () => {
    const s = await service({ approvalThreshold: 2 });
    try {
      const one = await s.call((sign: (a: Agent) => string) => [sign(alice)]);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({ allow: false, code: "approval_required" });
      expect(one.json().message).toMatch(/by 2 distinct approvers and 1 approved/);
      // A single string is one approval: below the threshold too.
      const str = await s.call((sign: (a: Agent) => string) => sign(alice));
      expect(str.json()).toMatchObject({ code: "approval_required" });
      const two = await s.call((sign: (a: Agent) => string) => [sign(alice), sign(bob)]);
      expect(two.json()).toMatchObject({ allow: true, code: "permitted" });
    } finally {
      await s.close();
    }
  });

  it("keeps 1 of n by default, for a string and for an array", async () => {
    const s = await service({});
    try {
      expect((await s.call((sign: (a: Agent) => string) => sign(carol))).json().code).toBe("permitted");
      expect((await s.call((sign: (a: Agent) => string) => [sign(bob)])).json().code).toBe("permitted");
    } finally {
      await s.close();
    }
  });

  it("refuses an empty array, a non-string member and more than 16 approvals as invalid_request", async () => {
    const s = await service({});
    try {
      for (const bad of [[], [1], Array.from({ length: 17 }, () => "a.b.c")]) {
        const res = await s.call(bad);
        expect(res.statusCode, JSON.stringify(bad).slice(0, 40)).toBe(400);
        expect(res.json().code).toBe("invalid_request");
      }
    } finally {
      await s.close();
    }
  });
});

describe("approvalThreshold configuration", () => {
  it("reads the config key and BATON_APPROVAL_THRESHOLD (the variable overrides the file)", () => {
    const keys = [alice.publicJwk, bob.publicJwk, carol.publicJwk];
    const file = JSON.stringify({ approverKeys: keys, approvalThreshold: 2 });
    const read = () => file;
    expect(loadConfig({ env: { BATON_CONFIG: "c.json" }, readFile: read }).approvalThreshold).toBe(2);
    expect(
      loadConfig({ env: { BATON_CONFIG: "c.json", BATON_APPROVAL_THRESHOLD: "3" }, readFile: read })
        .approvalThreshold,
    ).toBe(3);
    expect(loadConfig({ env: {} }).approvalThreshold).toBe(1);
  });

  it("refuses a threshold above the number of approver keys, and a malformed variable", () => {
    expect(() => parseConfig({ approverKeys: [alice.publicJwk], approvalThreshold: 2 })).toThrow(
      /approvalThreshold: 2 approvers are required but only 1 approver key/,
    );
    expect(() => parseConfig({ approvalThreshold: 0 })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { BATON_APPROVAL_THRESHOLD: "two" } })).toThrow(
      /BATON_APPROVAL_THRESHOLD: "two" is not a whole number from 1 to 16/,
    );
  });
});
