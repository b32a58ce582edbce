import { type FileHandle, open, readFile } from "node:fs/promises";
import { z } from "zod";
import { type JsonValue, jcs } from "../../core/index.ts";
import type { AuditEvent } from "../../trust/index.ts";
import { type AuditQuery, LOCAL_DB_OPTIONS, oneSource, withBackend } from "../backend.ts";
import { type Command, int, type ParsedArgs, str } from "../command.ts";
import type { CliContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { jsonLine, validate } from "../io.ts";
import { esc, shortId, style } from "../render.ts";

const SOURCE = {
  ...LOCAL_DB_OPTIONS,
  server: { type: "string", value: "URL", description: "ask a running service instead" },
} as const;

type Filter = AuditQuery;

/** A value from an event's data, as printed: strings escaped, anything else as compact JSON, escaped. */
function text(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return "";
  return esc(typeof v === "string" ? v : JSON.stringify(v));
}

/**
 * One line per event: `#12 2025-01-01T10:00:00Z decision DENY scope_widened read_file intent=… agent=…`.
 * Every value from the log is escaped, so no event can print a second line or drive the terminal.
 */
export function eventLine(e: AuditEvent, ctx: Pick<CliContext, "color">): string {
  const s = style(ctx);
  const d = e.data as Record<string, JsonValue>;
  let what: string;
  switch (e.type) {
    case "decision":
      what =
        d.allow === true
          ? `${s.ok("PERMIT")} ${text(d.tool)}`
          : `${s.bad("DENY")} ${text(d.code)} ${text(d.tool)}`;
      break;
    case "token_recorded":
      what = `token ${text(d.jti)} at depth ${text(d.depth)}`;
      break;
    case "revocation": {
      const t = (d.target ?? {}) as Record<string, JsonValue>;
      const id = typeof t.id === "string" ? t.id : "";
      what = `${s.warn("revoked")} ${text(t.kind)} ${t.kind === "agent" ? shortId(id) : esc(id)}${d.reason ? ` (${text(d.reason)})` : ""}`;
      break;
    }
    case "revocation_refused":
      what = `${s.bad("revocation refused")} ${text(d.code)}`;
      break;
    default:
      what = text(d);
  }
  const about = [
    e.intent ? `intent=${esc(e.intent)}` : "",
    e.agent ? `agent=${shortId(e.agent)}` : "",
  ].filter(Boolean);
  return `${s.dim(`#${e.id}`)} ${new Date(e.at).toISOString()} ${esc(e.type)} ${what.trim()}${about.length ? `  ${s.dim(about.join(" "))}` : ""}\n`;
}

export const auditTail: Command = {
  name: "audit tail",
  summary: "show the most recent audit events",
  usage: "audit tail [--db PATH | --server URL] [--intent ID] [--agent ID] [-n N]",
  options: {
    ...SOURCE,
    intent: { type: "string", value: "ID", description: "only events of this intent" },
    agent: { type: "string", value: "ID", description: "only events of this agent" },
    n: { type: "string", value: "N", short: "n", description: "how many events (default 20)" },
  },
  details: 'Oldest of the last N first. --json prints {"events": [...]} in the HTTP API\'s spelling.',
  examples: [
    "baton audit tail --db data/baton.db -n 5",
    "baton audit tail --server http://127.0.0.1:7420 --intent triage-42",
  ],
  async run(args, ctx) {
    const n = int(args, "n", 1) ?? 20;
    const filter: Filter = {};
    const intent = str(args, "intent");
    const agent = str(args, "agent");
    if (intent !== undefined) filter.intent = intent;
    if (agent !== undefined) filter.agent = agent;
    const last: AuditEvent[] = [];
    await withBackend(args, ctx, async (b) => {
      for await (const e of b.auditEvents(filter)) {
        last.push(e);
        if (last.length > n) last.shift();
      }
    });
    if (args.json) ctx.stdout.write(jsonLine({ events: last }));
    else if (last.length === 0) ctx.stdout.write("no audit events\n");
    else for (const e of last) ctx.stdout.write(eventLine(e, ctx));
    return 0;
  },
};

const checkpointLineSchema = z.object({ jws: z.string().min(1).max(2048) });

/** Checkpoint JWSs from a file of JSON Lines (`audit export --checkpoints`) or bare compact JWSs. */
async function readCheckpointFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: string[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    if (!line.startsWith("{")) {
      out.push(line);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UsageError(`${path} line ${i + 1}: not JSON`);
    }
    out.push(validate(checkpointLineSchema, value, `${path} line ${i + 1}`).jws);
  }
  return out;
}

export const auditCheck: Command = {
  name: "audit check",
  summary: "walk the audit log's hash chain and its signed checkpoints; report the first break",
  usage: "audit check [--db PATH | --server URL] [--checkpoints FILE]",
  options: {
    ...SOURCE,
    checkpoints: {
      type: "string",
      value: "FILE",
      description: "also hold the log against these checkpoints (from audit export --checkpoints)",
    },
  },
  details:
    "Exit 0 when the chain is intact, 1 when an event was altered, removed or cut off: a head below a signed checkpoint is tail_missing, even if the head row was moved to match. Keep `audit export --checkpoints` output outside the database and pass it here.",
  examples: [
    "baton audit check --db data/baton.db",
    "baton audit check --server http://127.0.0.1:7420 --checkpoints checkpoints.jsonl",
  ],
  async run(args, ctx) {
    const file = str(args, "checkpoints");
    const given = file !== undefined ? await readCheckpointFile(file) : [];
    oneSource(args);
    const result = (await withBackend(args, ctx, (b) => b.checkAudit(given))) as Record<string, JsonValue>;
    if (args.json) {
      ctx.stdout.write(jsonLine(result));
    } else {
      const s = style(ctx);
      ctx.stdout.write(
        result.ok === true
          ? `${s.ok("✓")} audit log intact: ${text(result.count)} event${result.count === 1 ? "" : "s"}, head ${esc(String(result.head_hash).slice(0, 16))}…${checkpointSummary(result.checkpoints)}\n`
          : `${s.bad("✗")} audit log broken at event ${text(result.id)} (${text(result.reason)}): ${text(result.message)}\n`,
      );
    }
    return result.ok === true ? 0 : 1;
  },
};

/** `; 3 checkpoints verified, latest at event 42 by node …` (or that none exists yet). */
function checkpointSummary(value: JsonValue | undefined): string {
  const c = value as { count?: unknown; latest?: { node?: unknown; seq?: unknown } } | undefined;
  if (c === undefined || typeof c.count !== "number") return "";
  if (c.count === 0) return "; no signed checkpoint yet";
  const latest =
    c.latest !== undefined
      ? `, latest at event ${Number(c.latest.seq)} by node ${shortId(String(c.latest.node))}`
      : "";
  return `; ${c.count} checkpoint${c.count === 1 ? "" : "s"} verified${latest}`;
}

/** An ISO 8601 date-time (or unix milliseconds) → unix ms. */
function timeFlag(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const ms = /^[0-9]{1,15}$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(ms))
    throw new UsageError(`--${name} must be an ISO 8601 date-time such as 2025-01-31T12:00:00Z, got "${v}"`);
  return ms;
}

export const auditExport: Command = {
  name: "audit export",
  summary: "export audit events as JSON Lines (one JCS event per line)",
  usage: "audit export [--db PATH | --server URL] [--from ISO] [--to ISO] [--checkpoints] [--out FILE]",
  options: {
    ...SOURCE,
    checkpoints: {
      type: "boolean",
      description: "export the signed head checkpoints instead of the events (keep them elsewhere)",
    },
    from: { type: "string", value: "ISO", description: "events at or after this time" },
    to: { type: "string", value: "ISO", description: "events before this time" },
    out: { type: "string", value: "FILE", description: "write here instead of stdout" },
  },
  details:
    "Each line carries prev_hash and hash, so the export can be checked on its own. With --checkpoints, one signed checkpoint per line ({id, node, seq, hash, at, jws}): `audit check --checkpoints FILE` holds the log against them later.",
  examples: [
    "baton audit export --db data/baton.db --from 2025-01-01T00:00:00Z --out audit.jsonl",
    "baton audit export --server http://127.0.0.1:7420 --checkpoints --out checkpoints.jsonl",
  ],
  async run(args, ctx) {
    const filter: Filter = {};
    const from = timeFlag(args, "from");
    const to = timeFlag(args, "to");
    if (from !== undefined) filter.from = from;
    if (to !== undefined) filter.to = to;
    const out = str(args, "out");
    let file: FileHandle | null = null;
    if (out !== undefined && out !== "-") {
      try {
        file = await open(out, "w");
      } catch (e) {
        throw new UsageError(
          `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
    }
    const write = async (line: string) => {
      if (file) await file.write(line);
      else ctx.stdout.write(line);
    };
    let count = 0;
    const checkpoints = args.values.checkpoints === true;
    if (checkpoints && (from !== undefined || to !== undefined)) {
      throw new UsageError("--checkpoints exports every checkpoint: drop --from and --to");
    }
    try {
      oneSource(args);
      await withBackend(args, ctx, async (b) => {
        if (checkpoints) {
          for await (const c of b.auditCheckpoints()) {
            await write(`${jcs(c)}\n`);
            count++;
          }
          return;
        }
        for await (const line of b.exportAudit(filter)) {
          await write(line);
          count++;
        }
      });
    } finally {
      await file?.close();
    }
    if (file) {
      ctx.stdout.write(
        args.json
          ? jsonLine(checkpoints ? { out, checkpoints: count } : { out, events: count })
          : `${style(ctx).ok("✓")} exported ${count} ${checkpoints ? "checkpoint" : "event"}${count === 1 ? "" : "s"} → ${esc(out ?? "")}\n`,
      );
    }
    return 0;
  },
};
