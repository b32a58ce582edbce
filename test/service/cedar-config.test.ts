import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { Agent } from "../../src/sdk/agent.ts";
import { Issuer } from "../../src/sdk/issuer.ts";
import { buildApp } from "../../src/service/app.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";

const AUD = "https://tools.example";
// Mid-day UTC, so the working-hours policy of examples/policies does not interfere.
const NOON = Date.UTC(2026, 10, 25, 12, 0, 0);

function world(cedar: { policies: string; catalog?: string }) {
  const alice = new Issuer({ key: Agent.generate("alice").key, issuer: "https://alice.example" });
  const config = parseConfig({ audience: AUD, trustAnchors: [alice.anchor], cedar });
  const trust = new Trust(config, {
    store: new MemoryStore(),
    revocations: new RevocationState(),
    clock: () => NOON,
  });
  return { alice, trust };
}

describe("Cedar request-time policy from the service config", () => {
  it("permits what the chain and Cedar permit, and denies a Cedar forbid with policy_denied naming the policy", async () => {
    const { alice, trust } = world({ policies: "examples/policies", catalog: "examples/catalog.json" });
    const app = await buildApp(trust, { logger: false });
    try {
      // mallory (seed 0x04) may hold a write token, but the mallory-read-only policy forbids writes.
      const mallory = new Agent(AgentKey.fromSeed(new Uint8Array(32).fill(0x04), "mallory"));
      const worker = Agent.generate("worker");
      const tools = {
        write_file: { path: { constraint_type: "wildcard" } },
        search_issues: { q: { constraint_type: "wildcard" } },
      };
      const now = Math.floor(NOON / 1000);
      for (const [agent, tool, args, expected] of [
        [worker, "write_file", { path: "/a" }, { allow: true, code: "permitted" }],
        [mallory, "search_issues", { q: "x" }, { allow: true, code: "permitted" }],
        [mallory, "write_file", { path: "/a" }, { allow: false, code: "policy_denied" }],
      ] as const) {
        const chain = alice.grant({ to: agent, tools, ttl: "5m", maxDepth: 1, now });
        const p = agent.prove(chain, { tool, args, aud: AUD, now });
        const r = await app.inject({ method: "POST", url: "/v1/verify", payload: { ...p, tool, args } });
        expect(r.json(), `${agent.name} ${tool}`).toMatchObject(expected);
        if (!expected.allow) expect(r.json().message).toContain("mallory-read-only");
      }
    } finally {
      await app.close();
      await trust.close();
    }
  });

  it("refuses to start on a malformed policy file, naming the file and line", () => {
    const dir = mkdtempSync(join(tmpdir(), "baton-cedar-"));
    const file = join(dir, "bad.cedar");
    writeFileSync(file, "permit(principal, action, resource\n");
    expect(() => world({ policies: file })).toThrowError(/bad\.cedar: line 1/);
  });
});
