/**
 * `baton`: the command-line interface. Dispatches to one module per command (loaded on demand, so
 * startup stays fast), prints user mistakes as one line on stderr with exit 2, and shows more than
 * that for unexpected errors only with BATON_DEBUG=1.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
import { readFileSync } from "node:fs";
import { escapeText } from "../graph/render-escape.ts";
import { type Command, helpText, parseCommandArgs } from "./command.ts";
import { type CliContext, processContext } from "./context.ts";
import { oneLine, UsageError } from "./errors.ts";

interface Entry {
  summary: string;
  load(): Promise<Command>;
}

/** Every command, in the order `baton help` lists them. */
const COMMANDS: Record<string, Entry> = {
  keygen: {
    summary: "generate an agent key",
    load: async () => (await import("./commands/keygen.ts")).keygen,
  },
  id: {
    summary: "print an agent's id and public JWK",
    load: async () => (await import("./commands/id.ts")).id,
  },
  "anchor add": {
    summary: "add a trust anchor to an anchors file",
    load: async () => (await import("./commands/anchor.ts")).anchorAdd,
  },
  grant: {
    summary: "issue a root token for an intent",
    load: async () => (await import("./commands/grant.ts")).grant,
  },
  derive: {
    summary: "delegate a narrower token",
    load: async () => (await import("./commands/derive.ts")).derive,
  },
  prove: {
    summary: "sign a proof of possession for one call",
    load: async () => (await import("./commands/prove.ts")).prove,
  },
  verify: {
    summary: "decide a tool call (exit 0 permit, 1 deny)",
    load: async () => (await import("./commands/verify.ts")).verify,
  },
  approve: {
    summary: "sign a step-up approval of one waiting call",
    load: async () => (await import("./commands/approve.ts")).approve,
  },
  inspect: {
    summary: "show a chain as a tree",
    load: async () => (await import("./commands/inspect.ts")).inspect,
  },
  graph: {
    summary: "show the delegation graph of an intent or agent",
    load: async () => (await import("./commands/graph.ts")).graph,
  },
  revoke: {
    summary: "revoke a token, agent or intent",
    load: async () => (await import("./commands/revoke.ts")).revoke,
  },
  "audit tail": {
    summary: "show recent audit events",
    load: async () => (await import("./commands/audit.ts")).auditTail,
  },
  "audit check": {
    summary: "verify the audit log's hash chain",
    load: async () => (await import("./commands/audit.ts")).auditCheck,
  },
  "audit export": {
    summary: "export audit events as JSON Lines",
    load: async () => (await import("./commands/audit.ts")).auditExport,
  },
  "policy check": {
    summary: "validate a Cedar policy set against the tool catalog",
    load: async () => (await import("./commands/policy.ts")).policyCheckCommand,
  },
  serve: { summary: "run the Baton service", load: async () => (await import("./commands/serve.ts")).serve },
  demo: {
    summary: "walk through a delegation story",
    load: async () => (await import("./commands/demo.ts")).demo,
  },
};

/** Commands with subcommands, and what the group is about (`baton audit --help`). */
const GROUPS: Record<string, string> = {
  anchor: "manage trust-anchor files: the root issuers (URI + public key) a verifier trusts",
  audit: "read and check the hash-chained audit log, from a local database (--db) or a service (--server)",
  policy: "work with request-time Cedar policies",
};

/** The help of a command group: what it is for, and each subcommand with its summary and usage. */
function groupHelp(group: string, cmds: Command[]): string {
  const width = Math.max(...cmds.map((c) => c.name.length)) + 2;
  return [
    `baton ${group} — ${GROUPS[group]}`,
    "",
    "Subcommands:",
    ...cmds.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Usage:",
    ...cmds.map((c) => `  baton ${c.usage}`),
    "",
    `More: baton ${group} <subcommand> --help`,
    "",
  ].join("\n");
}

async function groupCommands(group: string): Promise<Command[]> {
  const names = Object.keys(COMMANDS).filter((k) => k.startsWith(`${group} `));
  return Promise.all(names.map((k) => (COMMANDS[k] as Entry).load()));
}

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  const lines = [
    "baton — delegation-chain trust for AI agents (AAT -02, JWS)",
    "",
    "Usage: baton <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([k, e]) => `  ${k.padEnd(width)}${e.summary}`),
    "",
    "Every command takes --help (with an example) and --json. Files may be - for stdin.",
    "baton -V (--version) prints the version.",
    "Exit codes: 0 success or permit, 1 deny, 2 bad input.",
    "",
    "Example:",
    "  baton keygen --out person.key && baton anchor add --key person.key --issuer https://people.acme.example/alice --out anchors.json",
    "",
  ];
  return lines.join("\n");
}

/** Runs one invocation; returns the exit code. */
export async function main(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      ctx.stderr.write(`baton: ${escapeText(oneLine(e.message))}\n`);
      return e.exitCode;
    }
    if (ctx.env.BATON_DEBUG === "1") {
      ctx.stderr.write(`baton: unexpected error\n${(e as Error).stack ?? String(e)}\n`);
    } else {
      ctx.stderr.write(
        `baton: unexpected error: ${escapeText(oneLine((e as Error).message ?? String(e)))} (set BATON_DEBUG=1 for details)\n`,
      );
    }
    return 2;
  }
}

async function dispatch(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    const topic = first === "help" ? argv.slice(1).join(" ") : "";
    if (topic) {
      if (Object.hasOwn(GROUPS, topic)) {
        ctx.stdout.write(groupHelp(topic, await groupCommands(topic)));
        return 0;
      }
      const entry = COMMANDS[topic];
      if (!entry) throw new UsageError(`unknown command "${topic}" (see: baton help)`);
      ctx.stdout.write(helpText(await entry.load()));
      return 0;
    }
    ctx.stdout.write(overview());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V" || first === "-v" || first === "version") {
    ctx.stdout.write(`baton ${version()}\n`);
    return 0;
  }
  let name = first;
  let rest = argv.slice(1);
  if (Object.hasOwn(GROUPS, first)) {
    if (second === undefined || second.startsWith("-")) {
      const subs = Object.keys(COMMANDS).filter((k) => k.startsWith(`${first} `));
      if (second === "--help" || second === "-h") {
        ctx.stdout.write(groupHelp(first, await groupCommands(first)));
        return 0;
      }
      throw new UsageError(
        `baton ${first} needs a subcommand: ${subs.map((s) => s.slice(first.length + 1)).join(", ")}`,
      );
    }
    name = `${first} ${second}`;
    rest = argv.slice(2);
  }
  const entry = COMMANDS[name];
  if (!entry) throw new UsageError(`unknown command "${name}" (see: baton help)`);
  const cmd = await entry.load();
  const args = parseCommandArgs(cmd, rest);
  if (args === "help") {
    ctx.stdout.write(helpText(cmd));
    return 0;
  }
  return cmd.run(args, ctx);
}
