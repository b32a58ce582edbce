import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Decision } from "../../src/core/chain/options.ts";
import { BatonError } from "../../src/core/errors.ts";
import { callToolWithBaton, decisionOf, guardMcpServer } from "../../src/sdk/mcp.ts";
import { AUD, alice, chains, localVerifier, orchestrator, researcher } from "./world.ts";

let client: Client;
let server: McpServer;
const ran: string[] = [];
const decisions: Decision[] = [];

beforeAll(async () => {
  server = new McpServer({ name: "baton-test-tools", version: "1.0.0" });
  guardMcpServer(server, { verifier: localVerifier(), onDecision: (d) => decisions.push(d) });
  server.registerTool("search_web", { inputSchema: { q: z.string() } }, async ({ q }) => {
    ran.push(`search_web ${q}`);
    return { content: [{ type: "text", text: `results for ${q}` }] };
  });
  // A schema that rewrites its input: " PROD " would reach the handler as "prod".
  server.registerTool(
    "normalise",
    { inputSchema: { env: z.string().trim().toLowerCase() } },
    async ({ env }) => {
      ran.push(`normalise ${env}`);
      return { content: [{ type: "text", text: env }] };
    },
  );
  server.registerTool("deploy", { inputSchema: { env: z.string() } }, async ({ env }) => {
    ran.push(`deploy ${env}`);
    return { content: [{ type: "text", text: `deployed ${env}` }] };
  });
  client = new Client({ name: "agent", version: "1.0.0" });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
});

afterAll(async () => {
  await client.close();
  await server.close();
});

type Result = Awaited<ReturnType<typeof callToolWithBaton>>;

function text(r: Result): string {
  const c = (r.content as { type: string; text?: string }[])[0];
  return c?.text ?? "";
}

function expectDenied(r: Result, code: string): Decision {
  expect(r.isError).toBe(true);
  expect(text(r)).toMatch(new RegExp(`^denied \\(${code}\\): `));
  const d = decisionOf(r);
  expect(d).toMatchObject({ allow: false, code });
  return d as Decision;
}

describe("MCP adapter (official SDK, in-memory transport)", () => {
  it("runs a tool whose call carries a valid presentation", async () => {
    const { child } = chains();
    const args = { q: "attenuation" };
    const presentation = researcher.prove(child, { tool: "search_web", args, aud: AUD });
    const r = await callToolWithBaton(client, { name: "search_web", arguments: args, presentation });
    expect(r.isError).toBeFalsy();
    expect(text(r)).toBe("results for attenuation");
    expect(ran.at(-1)).toBe("search_web attenuation");
    expect(decisions.at(-1)?.code).toBe("permitted");
  });

  it("refuses a tool the chain does not grant, with the code, before the handler runs", async () => {
    const { child } = chains();
    const before = ran.length;
    const presentation = researcher.prove(child, { tool: "deploy", args: { env: "prod" }, aud: AUD });
    const r = await callToolWithBaton(client, { name: "deploy", arguments: { env: "prod" }, presentation });
    const d = expectDenied(r, "tool_not_granted");
    expect(d.token).toBe(1);
    expect(ran.length).toBe(before);
  });

  it("refuses a call without a presentation", async () => {
    const r = (await client.callTool({ name: "search_web", arguments: { q: "x" } })) as Result;
    const d = expectDenied(r, "malformed_presentation");
    expect(d.message).toMatch(/_meta\["baton\/presentation"\]/);
  });

  it("refuses arguments that differ from the PoP's hta", async () => {
    const { child } = chains();
    const presentation = researcher.prove(child, { tool: "search_web", args: { q: "harmless" }, aud: AUD });
    const r = await callToolWithBaton(client, {
      name: "search_web",
      arguments: { q: "exfiltrate" },
      presentation,
    });
    expectDenied(r, "args_mismatch");
    expect(ran).not.toContain("search_web exfiltrate");
  });

  it("refuses arguments the tool's input schema would rewrite before the handler runs", async () => {
    const { root } = chains();
    const args = { env: " PROD " };
    const presentation = orchestrator.prove(root, { tool: "normalise", args, aud: AUD });
    const d = expectDenied(
      await callToolWithBaton(client, { name: "normalise", arguments: args, presentation }),
      "args_mismatch",
    );
    expect(d.message).toMatch(/input schema/);
    expect(ran).not.toContain("normalise prod");
    // Arguments already in the form the tool uses pass.
    const clean = { env: "staging" };
    const ok = await callToolWithBaton(client, {
      name: "normalise",
      arguments: clean,
      presentation: orchestrator.prove(root, { tool: "normalise", args: clean, aud: AUD }),
    });
    expect(ok.isError).toBeFalsy();
  });

  it("refuses a presentation proved for another tool", async () => {
    const { root } = chains();
    const presentation = orchestrator.prove(root, { tool: "search_web", args: { env: "prod" }, aud: AUD });
    const d = expectDenied(
      await callToolWithBaton(client, { name: "deploy", arguments: { env: "prod" }, presentation }),
      "tool_mismatch",
    );
    expect(d.step).toBe("7e");
  });

  it('carries a step-up approval in _meta["baton/approval"]', async () => {
    const { root } = chains();
    const args = { env: "prod" };
    const presentation = orchestrator.prove(root, { tool: "deploy", args, aud: AUD });
    const first = expectDenied(
      await callToolWithBaton(client, { name: "deploy", arguments: args, presentation }),
      "approval_required",
    );
    const popHash = first.detail?.pop_hash as string;
    const approval = alice.approve({ popHash, tool: "deploy", args });
    const r = await callToolWithBaton(client, { name: "deploy", arguments: args, presentation, approval });
    expect(text(r)).toBe("deployed prod");
  });

  it("must guard a server before its first tool is registered", () => {
    const late = new McpServer({ name: "late", version: "1.0.0" });
    late.registerTool("t", {}, async () => ({ content: [] }));
    expect(() => guardMcpServer(late, { verifier: localVerifier() })).toThrow(BatonError);
    expect(() => guardMcpServer(server, { verifier: localVerifier() })).toThrow(/already guarded/);
  });

  it("refuses arguments JSON cannot represent as they are (-0) before verifying (issue 9 item 13)", async () => {
    const { child } = chains();
    const before = ran.length;
    // Proved over {q, n: 0}: JSON would turn the -0 sent into 0 and hide the difference.
    const presentation = researcher.prove(child, { tool: "search_web", args: { q: "x", n: 0 }, aud: AUD });
    const r = await callToolWithBaton(client, {
      name: "search_web",
      arguments: { q: "x", n: -0 },
      presentation,
    });
    const d = expectDenied(r, "args_rejected");
    expect(d.message).toMatch(/argument n is negative zero/);
    expect(ran.length).toBe(before);
  });
});
