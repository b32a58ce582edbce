/**
 * `@baton-trust/tools/mcp`: the MCP adapter for the official `@modelcontextprotocol/sdk` (a peer
 * dependency). `guardMcpServer` verifies every `tools/call` before the tool runs (the presentation
 * rides in `_meta["baton/presentation"]`); `callToolWithBaton` is the client side.
 *
 * @example
 * import { guardMcpServer } from "@baton-trust/tools/mcp";
 * guardMcpServer(server, { verifier });
 * const result = await callToolWithBaton(client, { name: "write_file", arguments: args, presentation });
 *
 * @packageDocumentation
 */

export {
  APPROVAL_META,
  type BatonToolCall,
  callToolWithBaton,
  DECISION_META,
  decisionOf,
  deniedResult,
  type GuardMcpOptions,
  guardMcpServer,
  PRESENTATION_META,
} from "./sdk/mcp.ts";
