import { AgentKey } from "../../core/index.ts";
import { type Command, flag, req, str } from "../command.ts";
import { UsageError } from "../errors.ts";
import { jsonLine, jsonText, writeSecret } from "../io.ts";

export const keygen: Command = {
  name: "keygen",
  summary: "generate an agent's Ed25519 key and print its agent id",
  usage: "keygen --out FILE [--name NAME] [--force] [--json]",
  options: {
    out: {
      type: "string",
      value: "FILE",
      description: "where to write the private JWK (mode 0600)",
      required: true,
    },
    name: {
      type: "string",
      value: "NAME",
      description: "display name stored in the key file (no authority)",
    },
    force: { type: "boolean", description: "replace FILE if it exists (never through a symlink)" },
  },
  details: [
    "The agent id is the RFC 9278 JWK-thumbprint URI of the public key. The file holds the private key:",
    "keep it secret. It is written with mode 0600 to a temporary file that is then renamed to FILE; a",
    "symbolic link at FILE is refused. Every command refuses a private key file that group or others",
    'can access (chmod 600 FILE). --json prints {"id", "jwk"} with the PUBLIC jwk only.',
  ].join("\n"),
  examples: ["baton keygen --out orchestrator.key --name orchestrator"],
  async run(args, ctx) {
    const out = req(args, "out");
    const name = str(args, "name");
    if (out === "-") throw new UsageError("--out must be a file: a private key is never written to stdout");
    const key = AgentKey.generate(name);
    await writeSecret(out, jsonText(key.toPrivateJwk()), flag(args, "force"));
    ctx.stdout.write(args.json ? jsonLine({ id: key.id, jwk: key.publicJwk }) : `${key.id}\n`);
    return 0;
  },
};
