/**
 * Output shared by the commands that issue tokens (grant, derive): the chain goes to --out or
 * stdout; with --out a one-line summary (or a JSON summary with --json) is printed instead.
 */
import { decodeToken } from "../../core/index.ts";
import { isDisplayName, MAX_DISPLAY_NAME } from "../../graph/render-escape.ts";
import { LOCAL_DB_OPTIONS, oneSource, withBackend } from "../backend.ts";
import { flag, type ParsedArgs, str } from "../command.ts";
import type { CliContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { jsonLine, jsonText, writeOutput } from "../io.ts";
import { esc, formatSeconds, shortId, style } from "../render.ts";

/** A refused issuance (the verifier's code and message) as a usage error: exit 2. */
export function refused(r: { code: string; message: string }): never {
  throw new UsageError(`refused (${r.code}): ${r.message}`);
}

/** Flags of the commands that can record what they issue (`--record`). */
export const RECORD_OPTIONS = {
  record: {
    type: "boolean",
    description: "also record the chain (POST /v1/tokens, or the local database), naming its holder",
  },
  "holder-name": {
    type: "string",
    value: "NAME",
    description: "display name of the new holder when recording (default: the name in the --to file)",
  },
  server: { type: "string", value: "URL", description: "with --record: the running service to record at" },
  ...LOCAL_DB_OPTIONS,
} as const;

export interface Recorded {
  where: string;
  recorded: number;
  holderName: string | null;
}

/**
 * With `--record`, verifies and records the chain through the backend the flags name, with the
 * holder's display name (`--holder-name`, else the `name` of the `--to` key file). A refused chain
 * is bad input (exit 2). Returns null without `--record`.
 */
export async function recordIfAsked(
  args: ParsedArgs,
  ctx: CliContext,
  chain: readonly string[],
  fileName: string | undefined,
): Promise<Recorded | null> {
  if (!flag(args, "record")) {
    for (const k of ["holder-name", "server", "db", "config"]) {
      if (str(args, k) !== undefined) throw new UsageError(`--${k} applies only with --record`);
    }
    return null;
  }
  const given = str(args, "holder-name");
  const name = given ?? fileName;
  if (name !== undefined && !isDisplayName(name)) {
    throw new UsageError(
      `${given !== undefined ? "--holder-name" : "the name in the --to key file"} must be 1–${MAX_DISPLAY_NAME} printable characters without leading or trailing space`,
    );
  }
  // The chain may be checked here with --trust and recorded at a service: --trust is not the backend's.
  const remote = str(args, "server") !== undefined;
  const source: ParsedArgs = remote ? { ...args, values: { ...args.values, trust: undefined } } : args;
  const local = oneSource(source) === "local";
  if (
    local &&
    str(args, "trust") === undefined &&
    str(args, "config") === undefined &&
    !ctx.env.BATON_TRUST_ANCHORS
  ) {
    throw new UsageError(
      "recording in a local database verifies the chain: pass --trust anchors.json (or --config FILE)",
    );
  }
  return withBackend(
    source,
    ctx,
    async (b) => {
      const r = await b.record(chain, name);
      if (!r.ok) throw new UsageError(`${b.label} refused to record the chain (${r.code}): ${r.message}`);
      return { where: b.label, recorded: r.recorded, holderName: r.holderName };
    },
    { create: true },
  );
}

/** Writes an issued chain and reports the new leaf (and, with --record, what was recorded). */
export async function emitChain(
  ctx: CliContext,
  args: ParsedArgs,
  chain: string[],
  verb: string,
  now: number,
  recorded: Recorded | null = null,
): Promise<number> {
  const out = str(args, "out");
  await writeOutput(ctx, out, jsonText(chain));
  if (out === undefined || out === "-") {
    // stdout carries the chain; the note goes to stderr.
    if (recorded && !args.json) ctx.stderr.write(recordNote(recorded, ctx));
    return 0;
  }
  const leaf = decodeToken(chain[chain.length - 1] as string, chain.length - 1);
  if (!leaf.ok) return 0;
  const c = leaf.value.token.claims;
  if (args.json) {
    ctx.stdout.write(
      jsonLine({
        out,
        tokens: chain.length,
        jti: c.jti,
        holder: c.holder.id,
        intent: c.baton.intent?.id ?? null,
        exp: c.exp,
        depth: c.delDepth,
        max_depth: c.delMaxDepth,
        ...(recorded
          ? {
              recorded: {
                where: recorded.where,
                tokens: recorded.recorded,
                holder_name: recorded.holderName,
              },
            }
          : {}),
      }),
    );
  } else {
    const s = style(ctx);
    ctx.stdout.write(
      `${s.ok("✓")} ${verb} token ${chain.length - 1} to ${recorded?.holderName ? esc(recorded.holderName) : shortId(c.holder.id)}: ${
        Object.keys(c.tools ?? {})
          .map(esc)
          .join(", ") || "no tools"
      }, expires in ${formatSeconds(c.exp - now)}, depth ${c.delDepth}/${c.delMaxDepth} → ${esc(out)}\n`,
    );
    if (recorded) ctx.stdout.write(recordNote(recorded, ctx));
  }
  return 0;
}

function recordNote(r: Recorded, ctx: CliContext): string {
  return `${style(ctx).ok("✓")} recorded ${r.recorded} new token${r.recorded === 1 ? "" : "s"} at ${esc(r.where)}${r.holderName ? ` (holder named ${esc(r.holderName)})` : ""}\n`;
}
