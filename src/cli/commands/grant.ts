import { grant as issueRoot } from "../../core/index.ts";
import { type Command, int, list, nowOf, parseDuration, req } from "../command.ts";
import { loadAgentKey, loadPublicKey } from "../inputs.ts";
import { readJsonArg } from "../io.ts";
import { toolsSchema } from "../schemas.ts";
import { emitChain, RECORD_OPTIONS, recordIfAsked, refused } from "./issue-output.ts";

export const grant: Command = {
  name: "grant",
  summary: "issue a root token for an intent to an agent (a one-token chain)",
  usage:
    "grant --key ROOTKEY --issuer URI --to HOLDER --intent-id ID --purpose TEXT --tools JSON --ttl 15m --max-depth 3 [--aud EP]… [--approve TOOL]… [--max-uses N] [--out FILE]",
  options: {
    key: {
      type: "string",
      value: "FILE",
      description: "the root issuer's private key (a trust anchor)",
      required: true,
    },
    issuer: {
      type: "string",
      value: "URI",
      description: "the issuer URI bound to that key in anchors",
      required: true,
    },
    to: {
      type: "string",
      value: "HOLDER",
      description: "the receiving agent's key file or public JWK file",
      required: true,
    },
    "intent-id": {
      type: "string",
      value: "ID",
      description: "the intent every derived token is bound to",
      required: true,
    },
    purpose: {
      type: "string",
      value: "TEXT",
      description: "what the intent is for, in words",
      required: true,
    },
    tools: {
      type: "string",
      value: "JSON",
      description: "the AAT tools map, inline or @FILE (@- for stdin)",
      required: true,
    },
    ttl: {
      type: "string",
      value: "DURATION",
      description: "lifetime: 90s, 15m, 2h, 1d or seconds",
      required: true,
    },
    "max-depth": {
      type: "string",
      value: "N",
      description: "how many delegations may follow",
      required: true,
    },
    aud: { type: "string", value: "EP", description: "enforcement point the chain is for", multiple: true },
    approve: {
      type: "string",
      value: "TOOL",
      description: "tool (or prefix*) needing step-up approval",
      multiple: true,
    },
    "max-uses": { type: "string", value: "N", description: "permitted calls under this token, at most" },
    ...RECORD_OPTIONS,
    trust: { type: "string", value: "FILE", description: "trust anchors, for --record with --db" },
    out: { type: "string", value: "FILE", description: "write the chain here instead of stdout" },
    now: { type: "string", value: "UNIX", description: "issue as of this time (default: now)" },
  },
  details: [
    "Writes a chain file: a JSON array of compact tokens, root first. Without --out the chain goes to",
    "stdout (so `baton grant … | baton derive --chain - …` works); with --out a one-line summary is",
    "printed instead ({out, tokens, jti, holder, intent, exp, depth, max_depth} with --json).",
    "A grant the verifier would refuse (a malformed constraint, …) is refused with its code (exit 2).",
    "--record also records the chain at a service (--server URL) or in a local database (--db PATH",
    "--trust anchors.json), with the holder's display name (the --to key file's name, or --holder-name)",
    "so `baton graph` and /ui show it; a name is stored only for an agent that has none yet.",
  ].join("\n"),
  examples: [
    `baton grant --key person.key --issuer https://people.acme.example/alice --to orchestrator.key --intent-id triage-42 --purpose "triage issues in repo acme/site" --tools '{"search_issues":{"repo":{"constraint_type":"exact","value":"acme/site"}}}' --ttl 15m --max-depth 3 --out root.chain.json`,
  ],
  async run(args, ctx) {
    const now = nowOf(args, ctx);
    const key = await loadAgentKey(ctx, req(args, "key"));
    const holder = await loadPublicKey(ctx, req(args, "to"));
    const tools = await readJsonArg(ctx, req(args, "tools"), toolsSchema, "--tools");
    const aud = list(args, "aud");
    const approve = list(args, "approve");
    const maxUses = int(args, "max-uses", 1);
    const r = issueRoot({
      key,
      issuer: req(args, "issuer"),
      to: holder.jwk,
      tools,
      ttl: parseDuration(req(args, "ttl"), "--ttl"),
      maxDepth: int(args, "max-depth") as number,
      now,
      intent: { id: req(args, "intent-id"), purpose: req(args, "purpose") },
      ...(aud.length === 1 ? { aud: aud[0] as string } : aud.length > 1 ? { aud } : {}),
      ...(approve.length ? { approve } : {}),
      ...(maxUses !== undefined ? { maxUses } : {}),
    });
    if (!r.ok) refused(r);
    const recorded = await recordIfAsked(args, ctx, r.value, holder.name);
    return emitChain(ctx, args, r.value, "granted", now, recorded);
  },
};
