import { decodeToken, THUMBPRINT_URI_PREFIX } from "../../core/index.ts";
import { RemoteBackend } from "../backend-remote.ts";
import { type Command, nowOf, str } from "../command.ts";
import { loadAnchors, loadChainOrPresentation, loadNames } from "../inputs.ts";
import { inspectChain, inspectionJson } from "../inspection.ts";
import { jsonLine } from "../io.ts";
import { renderInspection } from "../render.ts";

export const inspect: Command = {
  name: "inspect",
  summary: "show a chain or presentation as a tree: who delegated what to whom, and what narrowed",
  usage: "inspect FILE [--trust anchors.json] [--names DIR] [--server URL] [--now UNIX] [--json]",
  options: {
    trust: {
      type: "string",
      value: "FILE",
      description: "verify signatures and links against these anchors",
    },
    names: { type: "string", value: "DIR", description: "key files whose names label agents" },
    server: { type: "string", value: "URL", description: "fetch agent display names from a running service" },
    now: { type: "string", value: "UNIX", description: "compute TTLs and expiry as of this time" },
  },
  positionals: [
    { name: "FILE", description: "a chain file or a presentation file, or - for stdin", required: true },
  ],
  details:
    'Exit 1 when a token fails (decoding, or verification with --trust), else 0.\nWithout --trust nothing is verified: tokens are decoded only ("signatures not checked"), and a\nderivation that widens its parent is still pointed out. With --trust the first failing token is\nmarked with its decision code and the tokens after it are left unchecked.',
  examples: ["baton inspect researcher.chain.json --trust anchors.json --names keys/"],
  async run(args, ctx) {
    const file = args.positionals[0] as string;
    const { chain, pop } = await loadChainOrPresentation(ctx, file);
    const trust = str(args, "trust");
    const anchors = trust !== undefined ? await loadAnchors(ctx, trust) : undefined;
    const namesDir = str(args, "names");
    const names = namesDir !== undefined ? await loadNames(ctx, namesDir) : new Map<string, string>();
    const server = str(args, "server");
    if (server !== undefined) {
      const ids = chain.flatMap((t, i) => {
        const d = decodeToken(t, i);
        return d.ok ? [d.value.token.claims.iss, d.value.token.claims.holder.id] : [];
      });
      // Only names come from the service; the chain is verified here, against --trust.
      const backend = new RemoteBackend(server);
      for (const [id, name] of await backend.agentNames(
        ids.filter((id) => id.startsWith(THUMBPRINT_URI_PREFIX)),
      )) {
        if (!names.has(id)) names.set(id, name);
      }
    }
    const inspection = inspectChain({
      chain,
      now: nowOf(args, ctx),
      names,
      ...(pop !== undefined ? { pop } : {}),
      ...(anchors ? { anchors, anchorsSource: trust as string } : {}),
    });
    ctx.stdout.write(args.json ? jsonLine(inspectionJson(inspection)) : renderInspection(inspection, ctx));
    const failed = inspection.failure !== null || inspection.tokens.some((t) => t.status.state === "failed");
    return failed ? 1 : 0;
  },
};
