import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import { Agent } from "../../src/sdk/agent.ts";
import { Issuer } from "../../src/sdk/issuer.ts";
import { buildApp } from "../../src/service/app.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { Trust } from "../../src/trust/index.ts";

describe("GET /v1/approvals", () => {
  it("lists a call denied approval_required until an approved resubmission permits it", async () => {
    const alice = new Issuer({ key: Agent.generate("alice").key, issuer: "https://alice.example" });
    const worker = Agent.generate("worker");
    const approver = Agent.generate("approver");
    const config = parseConfig({
      audience: "https://tools.example",
      trustAnchors: [alice.anchor],
      approverKeys: [approver.publicJwk],
    });
    const trust = new Trust(config, { store: new MemoryStore(), revocations: new RevocationState() });
    const app = await buildApp(trust, { logger: false });
    try {
      const chain = alice.grant({
        to: worker,
        tools: { deploy: { env: { constraint_type: "wildcard" } } },
        ttl: "5m",
        maxDepth: 1,
        approve: ["deploy"],
      });
      const args = { env: "staging" };
      const presentation = worker.prove(chain, { tool: "deploy", args, aud: "https://tools.example" });
      const first = await app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: { ...presentation, tool: "deploy", args },
      });
      expect(first.json()).toMatchObject({ allow: false, code: "approval_required" });
      const popHash = first.json().detail.pop_hash as string;

      const listed = await app.inject({ method: "GET", url: "/v1/approvals" });
      expect(listed.statusCode).toBe(200);
      const entries = listed.json().approvals as {
        pop_hash: string;
        tool: string;
        holder: string;
        args_hash: string;
      }[];
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ pop_hash: popHash, tool: "deploy", holder: worker.id });
      expect(JSON.stringify(entries)).not.toContain("staging"); // only a hash of the args

      const approval = approver.approve({ popHash, tool: "deploy", args });
      const second = await app.inject({
        method: "POST",
        url: "/v1/verify",
        payload: { ...presentation, tool: "deploy", args, approval },
      });
      expect(second.json()).toMatchObject({ allow: true, code: "permitted" });
      expect((await app.inject({ method: "GET", url: "/v1/approvals" })).json().approvals).toHaveLength(0);
    } finally {
      await app.close();
      await trust.close();
    }
  });
});
