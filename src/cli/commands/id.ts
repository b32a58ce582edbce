import type { Command } from "../command.ts";
import { loadPublicKey } from "../inputs.ts";
import { jsonLine } from "../io.ts";
import { esc, style } from "../render.ts";

export const id: Command = {
  name: "id",
  summary: "print an agent's id and public JWK",
  usage: "id FILE [--json]",
  options: {},
  positionals: [
    { name: "FILE", description: "a private or public key file, or - for stdin", required: true },
  ],
  details: "The public JWK printed here is what other agents pass as --to HOLDER (save it with --json).",
  examples: ["baton id orchestrator.key", "baton id orchestrator.key --json > orchestrator.pub.json"],
  async run(args, ctx) {
    const key = await loadPublicKey(ctx, args.positionals[0] as string);
    if (args.json) {
      ctx.stdout.write(jsonLine({ id: key.id, jwk: key.jwk }));
      return 0;
    }
    const s = style(ctx);
    ctx.stdout.write(`${esc(key.id)}\n`);
    ctx.stdout.write(`${s.dim("jwk")}  ${JSON.stringify(key.jwk)}\n`);
    if (key.name) ctx.stdout.write(`${s.dim("name")} ${esc(key.name)}\n`);
    return 0;
  },
};
