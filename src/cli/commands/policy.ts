import { existsSync } from "node:fs";
import { formatPolicyProblem, policyCheck } from "../../policy/check.ts";
import type { Command } from "../command.ts";
import { UsageError } from "../errors.ts";
import { jsonLine } from "../io.ts";
import { style } from "../render.ts";

export const policyCheckCommand: Command = {
  name: "policy check",
  summary: "validate a Cedar policy set against the tool catalog",
  usage: "policy check --policies FILE|DIR [--catalog FILE] [--json]",
  options: {
    policies: { type: "string", description: "a .cedar file or a directory of them", required: true },
    catalog: { type: "string", description: "the tool catalog (tool patterns → read|write|privileged)" },
  },
  details:
    'Reports parse errors with their line, tool classes the catalog does not define, and actions that match no catalog pattern; warns about context attributes Baton does not provide and about == or != on context.args.* without a type guard (== across types is silently false: env == "prod" does not fire for ["prod"]). Exit 0 when the set is usable (warnings allowed), 1 when it has errors.',
  examples: ["baton policy check --policies examples/policies --catalog examples/catalog.json"],
  async run(args, ctx) {
    const policies = args.values.policies as string;
    const catalog = args.values.catalog as string | undefined;
    for (const p of [policies, catalog]) {
      if (p !== undefined && !existsSync(p))
        throw new UsageError(`cannot read ${p}: no such file or directory`);
    }
    const report = policyCheck(policies, catalog);
    if (args.json) {
      ctx.stdout.write(jsonLine(report));
      return report.ok ? 0 : 1;
    }
    const s = style(ctx);
    for (const p of report.policies) {
      ctx.stdout.write(
        `${p.effect === "forbid" ? s.bad("forbid") : s.ok("permit")} ${p.id}${p.approval ? s.dim(" (needs approval)") : ""} ${s.dim(`${p.source}:${p.line}`)}\n`,
      );
    }
    for (const p of report.problems) ctx.stdout.write(`${formatPolicyProblem(p)}\n`);
    ctx.stdout.write(
      report.ok
        ? `${s.ok("ok")}: ${report.policies.length} policies\n`
        : `${s.bad("invalid")}: ${report.problems.length} problem(s)\n`,
    );
    return report.ok ? 0 : 1;
  },
};
