import type { RevocationTarget } from "../../core/index.ts";
import { createRevocationRequest } from "../../core/revocation/index.ts";
import { LOCAL_DB_OPTIONS, oneSource, withBackend } from "../backend.ts";
import { type Command, nowOf, req, str } from "../command.ts";
import { UsageError } from "../errors.ts";
import { loadAgentKey, loadChain } from "../inputs.ts";
import { jsonLine } from "../io.ts";
import { esc, shortId, style } from "../render.ts";

export const revoke: Command = {
  name: "revoke",
  summary: "revoke a token, an agent or a whole intent (a signed request)",
  usage:
    "revoke --key KEY (--token JTI | --agent ID | --intent ID) --chain FILE [--reason TEXT] (--server URL | --db PATH [--trust anchors.json] [--config FILE])",
  options: {
    key: { type: "string", value: "FILE", description: "the signer's private key", required: true },
    token: { type: "string", value: "JTI", description: "revoke this token (its jti or sha256: hash)" },
    agent: {
      type: "string",
      value: "ID",
      description: "revoke every token of this agent (its thumbprint URI)",
    },
    intent: { type: "string", value: "ID", description: "revoke the whole task tree of this intent" },
    chain: {
      type: "string",
      value: "FILE",
      description: "the chain that puts you above the target",
      required: true,
    },
    reason: { type: "string", value: "TEXT", description: "why, for the audit log" },
    server: {
      type: "string",
      value: "URL",
      description: "submit to a running service (POST /v1/revocations)",
    },
    ...LOCAL_DB_OPTIONS,
    trust: { type: "string", value: "FILE", description: "trust anchors, for --db (the chain is verified)" },
    now: { type: "string", value: "UNIX", description: "sign as of this time (default: now)" },
  },
  details: [
    "Who may revoke: a token's upstream holders (not the token's own holder), the holder of the root",
    "for an intent, the agent itself for --agent, and trust-anchor or admin keys for anything.",
    "Exit 0 when revoked (or already revoked), 1 when the service refuses the request, 2 for bad input.",
  ].join("\n"),
  examples: [
    'baton revoke --key orchestrator.key --token 0194f3a2-… --chain fixer.chain.json --reason "task done" --server http://127.0.0.1:7420',
    "baton revoke --key person.key --intent triage-42 --chain root.chain.json --db data/baton.db --trust anchors.json",
  ],
  async run(args, ctx) {
    const target = targetOf(str(args, "token"), str(args, "agent"), str(args, "intent"));
    const source = oneSource(args);
    const key = await loadAgentKey(ctx, req(args, "key"));
    const chain = await loadChain(ctx, req(args, "chain"));
    const reason = str(args, "reason");
    const signed = createRevocationRequest({
      key,
      target,
      chain,
      now: nowOf(args, ctx),
      ...(reason !== undefined ? { reason } : {}),
    });

    const anchorsGiven = ["trust", "config"].some((k) => str(args, k) !== undefined);
    if (source === "local" && !anchorsGiven && !ctx.env.BATON_TRUST_ANCHORS && !ctx.env.BATON_CONFIG) {
      throw new UsageError(
        "a local revocation verifies the chain: pass --trust anchors.json (or --config FILE)",
      );
    }
    const outcome = await withBackend(args, ctx, (b) => b.revoke(signed));

    if (args.json) {
      ctx.stdout.write(jsonLine(outcome));
    } else {
      const s = style(ctx);
      const what = `${target.kind} ${target.kind === "agent" ? shortId(target.id) : esc(target.id)}`;
      ctx.stdout.write(
        outcome.ok
          ? `${s.ok("✓")} ${outcome.created ? "revoked" : "already revoked:"} ${what}${typeof outcome.record.seq === "number" ? ` (seq ${outcome.record.seq})` : ""}\n`
          : `${s.bad("✗")} refused (${esc(outcome.code)}): ${esc(outcome.message)}\n`,
      );
    }
    return outcome.ok ? 0 : 1;
  },
};

function targetOf(token?: string, agent?: string, intent?: string): RevocationTarget {
  const given = [token, agent, intent].filter((v) => v !== undefined).length;
  if (given !== 1)
    throw new UsageError(
      "pass exactly one of --token JTI, --agent ID, --intent ID (see: baton revoke --help)",
    );
  if (token !== undefined) return { kind: "token", id: token };
  if (agent !== undefined) return { kind: "agent", id: agent };
  return { kind: "intent", id: intent as string };
}
