import { z } from "zod";
import { createApproval } from "../../core/approval/approval.ts";
import { sha256b64u } from "../../core/encoding.ts";
import { type Command, nowOf, parseDuration, req, str } from "../command.ts";
import { UsageError } from "../errors.ts";
import { loadAgentKey } from "../inputs.ts";
import { jsonLine, readJsonArg, writeOutput } from "../io.ts";
import { esc, style } from "../render.ts";
import { argsSchema } from "../schemas.ts";

const presentationSchema = z.looseObject({ aat_chain: z.array(z.string()), aat_pop: z.string() });

export const approve: Command = {
  name: "approve",
  summary: "sign a step-up approval of exactly one waiting call",
  usage:
    "approve --key APPROVER_KEY (--pop-hash HASH | --presentation FILE) --tool NAME --args JSON [--ttl 2m] [--out FILE]",
  options: {
    key: {
      type: "string",
      value: "FILE",
      description: "the approver's private key (configured as an approver key)",
      required: true,
    },
    "pop-hash": {
      type: "string",
      value: "HASH",
      description: "the pop_hash of the approval_required decision (GET /v1/approvals)",
    },
    presentation: {
      type: "string",
      value: "FILE",
      description: "the waiting presentation; its PoP hash is computed",
    },
    tool: { type: "string", value: "NAME", description: "the tool of the waiting call", required: true },
    args: {
      type: "string",
      value: "JSON",
      description: "the call's arguments, inline or @FILE",
      required: true,
    },
    ttl: {
      type: "string",
      value: "DURATION",
      description: "how long the approval stays valid (default 2m, at most 10m)",
    },
    out: { type: "string", value: "FILE", description: "write the approval here instead of stdout" },
    now: { type: "string", value: "UNIX", description: "sign as of this time (default: now)" },
  },
  details:
    'An approval (typ baton-approval+jwt) binds the PoP hash, the tool and the hash of the arguments: it permits that one call, once, and only from an approver that is not a holder in the chain. Resubmit the same presentation with --approval FILE (or "approval" in POST /v1/verify).',
  examples: [
    `baton approve --key bob.key --presentation deploy-call.json --tool deploy_preview --args '{"branch":"triage-docs"}' --out deploy.approval`,
    'baton verify --presentation deploy-call.json --tool deploy_preview --args \'{"branch":"triage-docs"}\' --trust anchors.json --aud https://tools.acme.example --approver bob.key --approval deploy.approval',
  ],
  async run(args, ctx) {
    const key = await loadAgentKey(ctx, req(args, "key"));
    const given = str(args, "pop-hash");
    const file = str(args, "presentation");
    if ((given === undefined) === (file === undefined)) {
      throw new UsageError("give exactly one of --pop-hash HASH or --presentation FILE");
    }
    let popHash = given;
    if (file !== undefined) {
      const p = await readJsonArg(ctx, `@${file}`, presentationSchema, "--presentation");
      popHash = sha256b64u(p.aat_pop);
    }
    const callArgs = await readJsonArg(ctx, req(args, "args"), argsSchema, "--args");
    const ttlText = str(args, "ttl");
    const ttl = ttlText === undefined ? 120 : parseDuration(ttlText, "--ttl");
    if (ttl > 600) throw new UsageError("--ttl: an approval lives at most 10m");
    const approval = createApproval({
      key,
      popHash: popHash as string,
      tool: req(args, "tool"),
      args: callArgs,
      now: nowOf(args, ctx),
      ttl,
    });
    const out = str(args, "out");
    await writeOutput(ctx, out, `${approval}\n`);
    if (out !== undefined && out !== "-") {
      ctx.stdout.write(
        args.json
          ? jsonLine({ out, pop_hash: popHash, tool: req(args, "tool"), approver: key.id, ttl })
          : `${style(ctx).ok("✓")} approved ${esc(req(args, "tool"))} for PoP ${esc(popHash as string)} (${ttl} s) → ${esc(out)}\n`,
      );
    }
    return 0;
  },
};
