import { derive as deriveChild } from "../../core/index.ts";
import { type Command, int, list, nowOf, parseDuration, req, str } from "../command.ts";
import { loadAgentKey, loadAnchors, loadChain, loadPublicKey } from "../inputs.ts";
import { readJsonArg } from "../io.ts";
import { toolsSchema } from "../schemas.ts";
import { emitChain, RECORD_OPTIONS, recordIfAsked, refused } from "./issue-output.ts";

export const derive: Command = {
  name: "derive",
  summary: "delegate a narrower token to another agent, extending the chain",
  usage:
    "derive --chain FILE --key KEY --to HOLDER --tools JSON --ttl 5m [--max-depth N] [--aud EP]… [--approve TOOL]… [--max-uses N] [--trust anchors.json] [--out FILE]",
  options: {
    chain: { type: "string", value: "FILE", description: "the chain you hold (- for stdin)", required: true },
    key: {
      type: "string",
      value: "FILE",
      description: "your private key: the holder of the chain's leaf",
      required: true,
    },
    to: {
      type: "string",
      value: "HOLDER",
      description: "the receiving agent's key file or public JWK file",
      required: true,
    },
    tools: {
      type: "string",
      value: "JSON",
      description: "the narrower tools map, inline or @FILE",
      required: true,
    },
    ttl: {
      type: "string",
      value: "DURATION",
      description: "lifetime; must not outlive the parent",
      required: true,
    },
    "max-depth": {
      type: "string",
      value: "N",
      description: "del_max_depth of the new token (default: the parent's)",
    },
    aud: {
      type: "string",
      value: "EP",
      description: "enforcement point the new token is for",
      multiple: true,
    },
    approve: {
      type: "string",
      value: "TOOL",
      description: "more tools (or prefix*) needing approval",
      multiple: true,
    },
    "max-uses": { type: "string", value: "N", description: "permitted calls under the new token, at most" },
    trust: {
      type: "string",
      value: "FILE",
      description: "verify the whole chain against these anchors first (and for --record --db)",
    },
    ...RECORD_OPTIONS,
    out: { type: "string", value: "FILE", description: "write the extended chain here instead of stdout" },
    now: { type: "string", value: "UNIX", description: "issue as of this time (default: now)" },
  },
  details:
    "A derivation the verifier would reject (a wider tool, argument or value, a longer TTL, a dropped\napproval) is refused with the verifier's code and message, and nothing is written (exit 2).\nOutput as for grant: the extended chain on stdout, or a summary with --out.\n--record records the extended chain with the new holder's display name, as for grant.",
  examples: [
    `baton derive --chain root.chain.json --key orchestrator.key --to researcher.pub.json --tools '{"search_issues":{"repo":{"constraint_type":"exact","value":"acme/site"}}}' --ttl 5m --max-depth 1 --out researcher.chain.json`,
    "baton grant … | baton derive --chain - --key orchestrator.key --to fixer.key --tools @fixer-tools.json --ttl 5m",
  ],
  async run(args, ctx) {
    const now = nowOf(args, ctx);
    const chain = await loadChain(ctx, req(args, "chain"));
    const key = await loadAgentKey(ctx, req(args, "key"));
    const holder = await loadPublicKey(ctx, req(args, "to"));
    const tools = await readJsonArg(ctx, req(args, "tools"), toolsSchema, "--tools");
    const trust = str(args, "trust");
    const anchors = trust !== undefined ? await loadAnchors(ctx, trust) : undefined;
    const aud = list(args, "aud");
    const approve = list(args, "approve");
    const maxDepth = int(args, "max-depth");
    const maxUses = int(args, "max-uses", 1);
    const r = deriveChild(chain, {
      key,
      to: holder.jwk,
      tools,
      ttl: parseDuration(req(args, "ttl"), "--ttl"),
      now,
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      ...(aud.length === 1 ? { aud: aud[0] as string } : aud.length > 1 ? { aud } : {}),
      ...(approve.length ? { approve } : {}),
      ...(maxUses !== undefined ? { maxUses } : {}),
      ...(anchors ? { trustAnchors: anchors } : {}),
    });
    if (!r.ok) refused(r);
    const recorded = await recordIfAsked(args, ctx, r.value, holder.name);
    return emitChain(ctx, args, r.value, "derived", now, recorded);
  },
};
