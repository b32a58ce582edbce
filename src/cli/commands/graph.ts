/**
 * `baton graph`: the delegation graph of an intent (or of an agent across intents), read from a
 * running service (`--server`) or a local database (`--db`), as a terminal tree, Graphviz DOT,
 * Mermaid or JSON, with the risk findings.
 */
import { GRAPH_FORMATS, type GraphFormat, renderGraph } from "../../graph/render.ts";
import { escapeText } from "../../graph/render-escape.ts";
import { LOCAL_DB_OPTIONS, oneSource, withBackend } from "../backend.ts";
import { type Command, flag, helpText, nowOf, type ParsedArgs, parseCommandArgs, str } from "../command.ts";
import { type CliContext, processContext } from "../context.ts";
import { oneLine, UsageError } from "../errors.ts";
import { style } from "../render.ts";

function formatOf(args: ParsedArgs): GraphFormat {
  const f = str(args, "format") ?? (args.json ? "json" : "tree");
  if (!(GRAPH_FORMATS as readonly string[]).includes(f)) {
    throw new UsageError(`--format must be one of ${GRAPH_FORMATS.join(", ")}, got "${f}"`);
  }
  return f as GraphFormat;
}

function subjectOf(args: ParsedArgs): { intent: string } | { agent: string } {
  const intent = str(args, "intent");
  const agent = str(args, "agent");
  if ((intent === undefined) === (agent === undefined)) {
    throw new UsageError("pass exactly one of --intent ID and --agent ID (see: baton graph --help)");
  }
  return intent !== undefined ? { intent } : { agent: agent as string };
}

function maxTtlOf(args: ParsedArgs): { maxDerivedTtl: number } | undefined {
  const v = str(args, "max-ttl");
  if (v === undefined) return undefined;
  const m = /^([0-9]+)([smhd]?)$/.exec(v.trim());
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[m?.[2] ?? ""] ?? 1;
  const n = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--max-ttl must look like 90s, 15m, 1h or 1d, got "${v}"`);
  return { maxDerivedTtl: n };
}

function describe(subject: { intent: string } | { agent: string }): string {
  return "intent" in subject ? `intent "${subject.intent}"` : `agent "${subject.agent}"`;
}

export const graph: Command = {
  name: "graph",
  summary: "show the delegation graph of an intent or agent, with risk findings",
  usage:
    "graph (--intent ID | --agent ID) [--server URL | --db PATH] [--format tree|dot|mermaid|json] [--findings]",
  options: {
    intent: { type: "string", value: "ID", description: "the intent whose delegation tree to show" },
    agent: {
      type: "string",
      value: "ID",
      description: "an agent id: its tokens (held and issued) across intents",
    },
    server: { type: "string", value: "URL", description: "ask a running service (GET /v1/graph)" },
    ...LOCAL_DB_OPTIONS,
    format: { type: "string", value: "FORMAT", description: "tree (default), dot, mermaid or json" },
    findings: {
      type: "boolean",
      description: "tree: list the findings; dot/mermaid: name them in labels; json: print only them",
    },
    "max-ttl": {
      type: "string",
      value: "DURATION",
      description: "flag derived tokens living longer (default 1h; --db only)",
    },
    now: { type: "string", value: "UNIX", description: "compute statuses as of this time (--db only)" },
  },
  details: [
    "Statuses: active, expired, revoked (the token, its issuer, holder or intent is revoked) and",
    "revoked-by-ancestor. Finding ids: F-WILDCARD-PASSTHROUGH, F-TTL-LONG, F-DEPTH-SLACK, F-TOOL-UNUSED,",
    "F-REPEATED-DENIALS, F-KEY-REUSE (specs/graph.md). Colours only on a terminal with NO_COLOR unset.",
    "Render DOT with `dot -Tsvg`; paste Mermaid into any Markdown viewer that renders it.",
  ].join("\n"),
  examples: [
    "baton graph --intent triage-acme-site --db data/baton.db --findings",
    "baton graph --intent triage-acme-site --server http://127.0.0.1:7420 --format dot | dot -Tsvg > tree.svg",
    "baton graph --agent urn:ietf:params:oauth:jwk-thumbprint:sha-256:… --db data/baton.db --format mermaid",
  ],
  async run(args, ctx) {
    const subject = subjectOf(args);
    const format = formatOf(args);
    const remote = oneSource(args) === "server";
    const query = remote ? {} : { now: nowOf(args, ctx), ...(maxTtlOf(args) ?? {}) };
    const g = await withBackend(args, ctx, async (b) => {
      const found = await b.graph(subject, query);
      if (!found) throw new UsageError(`${b.label} knows no token of ${describe(subject)}`);
      return found;
    });
    ctx.stdout.write(renderGraph(g, format, { findings: flag(args, "findings"), style: style(ctx) }));
    return 0;
  },
};

/**
 * Runs `baton graph` with its own argument parsing, for a dispatcher that calls commands by
 * function: `graphCommand(["--intent", "triage-42", "--db", "data/baton.db"])`. Returns the exit code.
 */
export async function graphCommand(
  argv: readonly string[],
  ctx: CliContext = processContext(),
): Promise<number> {
  try {
    const args = parseCommandArgs(graph, argv);
    if (args === "help") {
      ctx.stdout.write(helpText(graph));
      return 0;
    }
    return await graph.run(args, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`baton: ${escapeText(oneLine(e.message))}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
