/**
 * The SDK tests' world: the fixed personas as SDK `Agent`s, a principal `Issuer`, and one grant
 * principal → orchestrator → researcher, using the real clock (the SDK's default).
 */
import { approvalGate } from "../../src/core/approval/approval.ts";
import { Agent } from "../../src/sdk/agent.ts";
import { Issuer } from "../../src/sdk/issuer.ts";
import { LocalVerifier } from "../../src/sdk/verifier.ts";
import * as personas from "../approval/personas.ts";

export const AUD = personas.AUD;
export const principal = new Issuer({ key: personas.principal, issuer: personas.ISSUER });
export const orchestrator = new Agent(personas.orchestrator);
export const researcher = new Agent(personas.researcher);
export const mallory = new Agent(personas.mallory);
export const alice = new Agent(personas.alice);

/** orchestrator may write under /repo and deploy (with approval); researcher may only write. */
export function chains() {
  const root = principal.grant({
    to: orchestrator,
    intent: { id: "release-2027-01", purpose: "ship the January release" },
    tools: {
      write_file: {
        path: { constraint_type: "path_containment", root: "/repo" },
        content: { constraint_type: "wildcard" },
      },
      deploy: {},
      count_things: {},
      search_web: {},
      normalise: {},
    },
    ttl: "15m",
    maxDepth: 3,
    approve: ["deploy"],
  });
  const child = orchestrator.derive(root, {
    to: researcher,
    tools: {
      write_file: {
        path: { constraint_type: "path_containment", root: "/repo/docs" },
        content: { constraint_type: "wildcard" },
      },
      search_web: {},
    },
    ttl: "10m",
  });
  return { root, child };
}

export function localVerifier(): LocalVerifier {
  return new LocalVerifier({
    trustAnchors: [principal.anchor],
    audience: AUD,
    approvals: approvalGate({ approvers: [alice.publicJwk] }),
  });
}
