/**
 * Output shared by the commands that issue tokens (grant, derive): the chain goes to --out or
 * stdout; with --out a one-line summary (or a JSON summary with --json) is printed instead.
 */
import { decodeToken } from "../../core/index.ts";
import { type ParsedArgs, str } from "../command.ts";
import type { CliContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { jsonLine, jsonText, writeOutput } from "../io.ts";
import { esc, formatSeconds, shortId, style } from "../render.ts";

/** A refused issuance (the verifier's code and message) as a usage error: exit 2. */
export function refused(r: { code: string; message: string }): never {
  throw new UsageError(`refused (${r.code}): ${r.message}`);
}

/** Writes an issued chain and reports the new leaf. */
export async function emitChain(
  ctx: CliContext,
  args: ParsedArgs,
  chain: string[],
  verb: string,
  now: number,
): Promise<number> {
  const out = str(args, "out");
  await writeOutput(ctx, out, jsonText(chain));
  if (out === undefined || out === "-") return 0;
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
      }),
    );
  } else {
    const s = style(ctx);
    ctx.stdout.write(
      `${s.ok("✓")} ${verb} token ${chain.length - 1} to ${shortId(c.holder.id)}: ${
        Object.keys(c.tools ?? {})
          .map(esc)
          .join(", ") || "no tools"
      }, expires in ${formatSeconds(c.exp - now)}, depth ${c.delDepth}/${c.delMaxDepth} → ${esc(out)}\n`,
    );
  }
  return 0;
}
