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
    "revoke --key KEY (--token JTI | --agent ID | --intent ID) [--chain FILE] [--reason TEXT] [--aud ID] (--server URL | --db PATH [--trust anchors.json] [--config FILE])",
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
      description:
        "the chain that puts you above the target, root first (omit only as an admin key revoking by id)",
    },
    reason: { type: "string", value: "TEXT", description: "why, for the audit log" },
    aud: {
      type: "string",
      value: "ID",
      description:
        "the id of the service that is to apply it, signed as the request's aud (default: the --server URL, or the configured audience with --db)",
    },
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
    "for an intent (narrowed to its root token), the agent itself for --agent, a trust anchor inside the",
    "trees it rooted (with --chain from its root), and admin keys for anything, chain or not.",
    "A revoked key keeps no role: its tokens, the roots it signed as an anchor, its approvals and its",
    "revocation requests all stop counting.",
    "The request names the service it is for (aud): another service refuses it (revocation_wrong_audience).",
    "Exit 0 when revoked (or already revoked), 1 when the service refuses the request, 2 for bad input.",
  ].join("\n"),
  examples: [
    'baton revoke --key orchestrator.key --token 0194f3a2-… --chain fixer.chain.json --reason "task done" --server http://127.0.0.1:7420 --aud https://tools.acme.example',
    "baton revoke --key person.key --intent triage-42 --chain root.chain.json --db data/baton.db --trust anchors.json",
  ],
  async run(args, ctx) {
    const target = targetOf(str(args, "token"), str(args, "agent"), str(args, "intent"));
    const source = oneSource(args);
    const key = await loadAgentKey(ctx, req(args, "key"));
    const chainFile = str(args, "chain");
    // No chain: a global revocation by id, which only an admin key may sign.
    const chain = chainFile !== undefined ? await loadChain(ctx, chainFile) : [];
    const reason = str(args, "reason");
    const now = nowOf(args, ctx);
    const sign = (audience: string) =>
      createRevocationRequest({
        key,
        audience,
        target,
        chain,
        now,
        ...(reason !== undefined ? { reason } : {}),
      });

    const anchorsGiven = ["trust", "config"].some((k) => str(args, k) !== undefined);
    if (source === "local" && !anchorsGiven && !ctx.env.BATON_TRUST_ANCHORS && !ctx.env.BATON_CONFIG) {
      throw new UsageError(
        "a local revocation verifies the chain: pass --trust anchors.json (or --config FILE)",
      );
    }
    const outcome = await withBackend(args, ctx, (b) => b.revoke(sign(str(args, "aud") ?? b.audience)));

    if (args.json) {
      ctx.stdout.write(jsonLine(outcome));
    } else {
      const s = style(ctx);
      const name = (t: RevocationTarget) => `${t.kind} ${t.kind === "agent" ? shortId(t.id) : esc(t.id)}`;
      const what = name(target);
      // The service may narrow the target (an intent or agent to a token of the carried tree):
      // say what was actually revoked.
      const stored = outcome.ok ? (outcome.record.target as RevocationTarget | undefined) : undefined;
      const narrowed =
        stored !== undefined && stored.kind !== target.kind
          ? `${name(stored)} (${what}, narrowed to the carried tree)`
          : what;
      ctx.stdout.write(
        outcome.ok
          ? `${s.ok("✓")} ${outcome.created ? "revoked" : "already revoked:"} ${narrowed}${typeof outcome.record.seq === "number" ? ` (seq ${outcome.record.seq})` : ""}\n`
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
