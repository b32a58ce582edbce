import { prove as makePresentation } from "../../core/index.ts";
import { type Command, nowOf, req, str } from "../command.ts";
import { UsageError } from "../errors.ts";
import { loadAgentKey, loadChain } from "../inputs.ts";
import { jsonLine, jsonText, readJsonArg, writeOutput } from "../io.ts";
import { esc, style } from "../render.ts";
import { argsSchema } from "../schemas.ts";
import { refused } from "./issue-output.ts";

export const prove: Command = {
  name: "prove",
  summary: "sign a proof of possession for one tool call (makes a presentation)",
  usage: "prove --chain FILE --key KEY --tool NAME --args JSON --aud EP [--nonce N] [--out FILE]",
  options: {
    chain: { type: "string", value: "FILE", description: "the chain you hold (- for stdin)", required: true },
    key: {
      type: "string",
      value: "FILE",
      description: "your private key: the holder of the chain's leaf",
      required: true,
    },
    tool: { type: "string", value: "NAME", description: "the tool to call", required: true },
    args: {
      type: "string",
      value: "JSON",
      description: "the call's arguments, inline or @FILE",
      required: true,
    },
    aud: {
      type: "string",
      value: "EP",
      description: "the enforcement point receiving the call (aat_aud; required)",
    },
    nonce: { type: "string", value: "N", description: "a nonce the enforcement point issued" },
    out: { type: "string", value: "FILE", description: "write the presentation here instead of stdout" },
    now: { type: "string", value: "UNIX", description: "sign as of this time (default: now)" },
  },
  details: [
    'Writes {"aat_chain": [...], "aat_pop": "..."}. The PoP is fresh for ±30 s by default at the verifier.',
    "--aud is required: the PoP names the one enforcement point that may accept it, so a copy sent",
    "elsewhere is refused there (aud_mismatch) instead of being accepted by every tool that trusts the chain.",
  ].join("\n"),
  examples: [
    `baton prove --chain researcher.chain.json --key researcher.key --tool search_issues --args '{"repo":"acme/site","query":"is:open"}' --aud https://tools.acme.example --out call.json`,
  ],
  async run(args, ctx) {
    const aud = str(args, "aud");
    if (aud === undefined || aud.trim() === "") {
      throw new UsageError(
        "missing --aud EP: the enforcement point that will receive this call (its id, e.g. https://tools.acme.example); a PoP without aat_aud is refused (see: baton prove --help)",
      );
    }
    const chain = await loadChain(ctx, req(args, "chain"));
    const key = await loadAgentKey(ctx, req(args, "key"));
    const callArgs = await readJsonArg(ctx, req(args, "args"), argsSchema, "--args");
    const nonce = str(args, "nonce");
    const r = makePresentation(chain, {
      key,
      tool: req(args, "tool"),
      args: callArgs,
      now: nowOf(args, ctx),
      aud,
      ...(nonce !== undefined ? { nonce } : {}),
    });
    if (!r.ok) refused(r);
    const out = str(args, "out");
    await writeOutput(ctx, out, jsonText(r.value));
    if (out !== undefined && out !== "-") {
      const tool = req(args, "tool");
      ctx.stdout.write(
        args.json
          ? jsonLine({ out, tool, tokens: chain.length, aud })
          : `${style(ctx).ok("✓")} signed a proof of possession for ${esc(tool)} under a ${chain.length}-token chain → ${esc(out)}\n`,
      );
    }
    return 0;
  },
};
