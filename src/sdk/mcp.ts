/**
 * Baton for the official MCP TypeScript SDK (binding: `specs/mcp-binding.md`).
 *
 * Server side, {@link guardMcpServer} puts a verifier in front of EVERY `tools/call` of an
 * `McpServer`: it wraps the server's one `tools/call` request handler (not each tool), so a tool
 * registered later, by any API, is guarded too. Each call must carry the presentation in the
 * request's `_meta["baton/presentation"]` (`{aat_chain, aat_pop}`) and may carry an approval in
 * `_meta["baton/approval"]`. The MCP tool name (through `toolIdOf`) and the `arguments` exactly as
 * sent are the `tool` and `args` verified; a refusal never reaches the tool and comes back as a
 * tool error result: `isError: true`, text `denied (<code>): <message>`, and the decision in
 * `_meta["baton/decision"]`.
 *
 * Client side, {@link callToolWithBaton} sends a call with its presentation.
 *
 * @example
 * const server = new McpServer({ name: "tools", version: "1.0.0" });
 * guardMcpServer(server, { verifier: new LocalVerifier({ trustAnchors, audience: "mcp://tools" }) });
 * server.registerTool("search_web", { inputSchema: { q: z.string() } }, async ({ q }) => search(q));
 *
 * const presentation = researcher.prove(chain, { tool: "search_web", args: { q: "baton" }, aud: "mcp://tools" });
 * const result = await callToolWithBaton(client, { name: "search_web", arguments: { q: "baton" }, presentation });
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { CallToolRequestSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { JsonValue } from "../core/constraints/index.ts";
import { type Decision, deny as denyDecision } from "../core/decision/decision.ts";
import { jcs } from "../core/encoding.ts";
import { BatonError } from "../core/errors.ts";
import { nonJsonArgument, nonJsonDenial } from "./json-args.ts";
import type { BatonVerifier } from "./verifier.ts";

/** `_meta` key of the presentation in a `tools/call` request. */
export const PRESENTATION_META = "baton/presentation";
/** `_meta` key of an optional step-up approval in a `tools/call` request. */
export const APPROVAL_META = "baton/approval";
/** `_meta` key of the decision in a denied call's result. */
export const DECISION_META = "baton/decision";

export interface GuardMcpOptions {
  verifier: BatonVerifier;
  /** Baton tool id of an MCP tool name; default the name itself. */
  toolIdOf?: (name: string) => string;
  /** Called with every decision (permits and denials), e.g. for logging. */
  onDecision?: (decision: Decision, call: { tool: string; args: Record<string, JsonValue> }) => void;
}

type Handler = (request: CallToolRequestLike, extra: unknown) => unknown;
interface CallToolRequestLike {
  method: string;
  params: {
    name: string;
    arguments?: Record<string, unknown>;
    _meta?: Record<string, unknown>;
    task?: unknown;
  };
}
interface LowLevelServer {
  setRequestHandler(schema: unknown, handler: Handler): void;
  assertCanSetRequestHandler(method: string): void;
}

const guarded = new WeakSet<object>();

/**
 * Guards every `tools/call` of `server`. Call it right after constructing the server, before the
 * first tool is registered (it throws `invalid_config` otherwise, since the handler it must wrap
 * would already be installed unguarded).
 */
export function guardMcpServer(server: McpServer, options: GuardMcpOptions): McpServer {
  const low = server.server as unknown as LowLevelServer;
  if (guarded.has(low)) throw new BatonError("invalid_config", "this MCP server is already guarded");
  try {
    low.assertCanSetRequestHandler(CallToolRequestSchema.shape.method.value);
  } catch {
    throw new BatonError(
      "invalid_config",
      "guardMcpServer must be called before any tool is registered: a tools/call handler is already installed",
    );
  }
  const original = low.setRequestHandler.bind(low);
  low.setRequestHandler = (schema, handler) => {
    const method = (schema as { shape?: { method?: { value?: unknown } } })?.shape?.method?.value;
    if (schema === CallToolRequestSchema || method === "tools/call") {
      return original(schema, guardHandler(handler, options, server));
    }
    return original(schema, handler);
  };
  guarded.add(low);
  return server;
}

/** The SDK's own input validation, as it will run before the tool's handler. */
interface InputValidator {
  _registeredTools?: Record<string, unknown>;
  validateToolInput?: (tool: unknown, args: unknown, name: string) => Promise<unknown>;
}

/**
 * What the tool's handler will receive: the SDK parses `arguments` with the tool's input schema,
 * and zod transforms (trim, toLowerCase, coerce, defaults) can change values. The guard must
 * verify exactly what runs, so a call whose arguments the schema would change is refused.
 * Returns null when the handler gets the arguments unchanged (or the SDK will reject them anyway).
 */
async function changedBySchema(
  server: McpServer,
  name: string,
  args: Record<string, JsonValue>,
): Promise<string | null> {
  const v = server as unknown as InputValidator;
  const tool = v._registeredTools?.[name];
  if (!tool || typeof v.validateToolInput !== "function") return null;
  let parsed: unknown;
  try {
    parsed = await v.validateToolInput.call(server, tool, args, name);
  } catch {
    return null; // invalid input: the SDK refuses it before the handler runs
  }
  if (parsed === undefined) return null; // no input schema: the handler sees no parsed args
  let same = false;
  try {
    same = jcs(parsed) === jcs(args);
  } catch {
    same = false;
  }
  return same
    ? null
    : `the input schema of tool "${name}" would change these arguments before the tool runs; send them exactly as the tool uses them`;
}

function guardHandler(handler: Handler, o: GuardMcpOptions, server: McpServer): Handler {
  return async (request, extra) => {
    const params = request.params;
    const meta = params._meta ?? {};
    const tool = o.toolIdOf ? o.toolIdOf(params.name) : params.name;
    const args = (params.arguments ?? {}) as Record<string, JsonValue>;
    const approval = meta[APPROVAL_META];
    let decision: Decision;
    const bad = nonJsonArgument(args);
    const changed =
      bad === null && Object.hasOwn(meta, PRESENTATION_META)
        ? await changedBySchema(server, params.name, args)
        : null;
    if (bad !== null) {
      decision = nonJsonDenial(bad, tool);
    } else if (changed !== null) {
      decision = deny("args_mismatch", "7f", changed);
    } else if (!Object.hasOwn(meta, PRESENTATION_META)) {
      decision = deny(
        "malformed_presentation",
        "1",
        `this server requires a Baton presentation in _meta["${PRESENTATION_META}"]: {"aat_chain": [...], "aat_pop": "..."}`,
      );
    } else {
      try {
        decision = await o.verifier.verify({
          presentation: meta[PRESENTATION_META],
          tool,
          args,
          ...(typeof approval === "string" ? { approval } : {}),
        });
      } catch (e) {
        decision = deny(
          "verification_unavailable",
          "B0",
          `verification could not complete: ${(e as Error).message}`,
        );
      }
    }
    o.onDecision?.(decision, { tool, args });
    if (decision.allow) return handler(request, extra);
    if (params.task !== undefined) {
      // A task-augmented call expects a CreateTaskResult; a refusal is a JSON-RPC error instead.
      throw new McpError(ErrorCode.InvalidRequest, deniedText(decision), { [DECISION_META]: decision });
    }
    return deniedResult(decision);
  };
}

function deny(code: Exclude<Decision["code"], "permitted">, step: string, message: string): Decision {
  return denyDecision({ code, step, message });
}

function deniedText(d: Decision): string {
  return `denied (${d.code}): ${d.message}`;
}

/** The tool result a refused call gets. */
export function deniedResult(d: Decision) {
  return {
    content: [{ type: "text" as const, text: deniedText(d) }],
    isError: true,
    _meta: { [DECISION_META]: d as unknown as Record<string, unknown> },
  };
}

/** The decision carried by a denied result, or null. */
export function decisionOf(result: { _meta?: Record<string, unknown> | undefined }): Decision | null {
  const d = result._meta?.[DECISION_META];
  return d !== null && typeof d === "object" ? (d as Decision) : null;
}

export interface BatonToolCall {
  name: string;
  arguments?: Record<string, unknown>;
  /** `{aat_chain, aat_pop}` proved for exactly this name and these arguments. */
  presentation: { aat_chain: string[]; aat_pop: string };
  /** A step-up approval (or a JSON array of them), when the call needs one. */
  approval?: string;
}

/** Calls a tool with its Baton presentation (and approval) in the request's `_meta`. */
export function callToolWithBaton(client: Client, call: BatonToolCall, options?: RequestOptions) {
  return client.callTool(
    {
      name: call.name,
      arguments: call.arguments ?? {},
      _meta: {
        [PRESENTATION_META]: call.presentation,
        ...(call.approval !== undefined ? { [APPROVAL_META]: call.approval } : {}),
      },
    },
    undefined,
    options,
  );
}
