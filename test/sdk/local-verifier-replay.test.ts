import { describe, expect, it } from "vitest";
import { Agent } from "../../src/sdk/agent.ts";
import { Issuer } from "../../src/sdk/issuer.ts";
import { LocalVerifier } from "../../src/sdk/verifier.ts";

describe("LocalVerifier without a store", () => {
  it("tracks PoP jtis in memory: the same presentation is permitted once, then replayed", async () => {
    const issuer = new Issuer({ key: Agent.generate("alice").key, issuer: "https://alice.example" });
    const worker = Agent.generate("worker");
    const chain = issuer.grant({
      to: worker,
      tools: { delete_repo: { name: { constraint_type: "wildcard" } } },
      ttl: "5m",
      maxDepth: 0,
    });
    const verifier = new LocalVerifier({ trustAnchors: [issuer.anchor], audience: "https://tools.example" });
    const args = { name: "acme/old" };
    const presentation = worker.prove(chain, { tool: "delete_repo", args, aud: "https://tools.example" });
    const first = await verifier.verify({ presentation, tool: "delete_repo", args });
    const second = await verifier.verify({ presentation, tool: "delete_repo", args });
    expect(first).toMatchObject({ allow: true, code: "permitted" });
    expect(second).toMatchObject({ allow: false, code: "replayed", step: "7i" });
  });
});
