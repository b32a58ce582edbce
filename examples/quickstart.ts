/**
 * The README's "In code" example, runnable: `node --import tsx examples/quickstart.ts`.
 */
import { Agent, Issuer } from "../src/agent.ts";
import { LocalVerifier } from "../src/tools.ts";

const alice = new Issuer({ key: Agent.generate("alice").key, issuer: "https://people.acme.example/alice" });
const orchestrator = Agent.generate("orchestrator");
const fixer = Agent.generate("fixer");

const root = alice.grant({
  to: orchestrator,
  intent: { id: "triage-acme-site", purpose: "triage issues" },
  tools: { write_file: { path: { constraint_type: "path_containment", root: "/repo/acme/site" } } },
  ttl: "15m",
  maxDepth: 2,
});
const chain = orchestrator.derive(root, {
  to: fixer,
  ttl: "5m",
  tools: { write_file: { path: { constraint_type: "path_containment", root: "/repo/acme/site/docs" } } },
});
const args = { path: "/repo/acme/site/docs/a.md" };
const presentation = fixer.prove(chain, { tool: "write_file", args, aud: "https://tools.acme.example" });

const verifier = new LocalVerifier({ trustAnchors: [alice.anchor], audience: "https://tools.acme.example" });
const decision = await verifier.verify({ presentation, tool: "write_file", args });
console.log(decision.allow ? "PERMIT" : "DENY", decision.code, "—", decision.message);

const outside = { path: "/repo/acme/site/.github/ci.yml" };
const denied = await verifier.verify({
  presentation: fixer.prove(chain, { tool: "write_file", args: outside, aud: "https://tools.acme.example" }),
  tool: "write_file",
  args: outside,
});
console.log(denied.allow ? "PERMIT" : "DENY", denied.code, "—", denied.message);
