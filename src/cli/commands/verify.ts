import { type Decision, decisionToJSON, deny, type JsonValue, readPresentation } from "../../core/index.ts";
import { parseFast } from "../../core/json/fast-strict.ts";
import { type VerifyCall, withBackend } from "../backend.ts";
import { type Command, flag, int, list, nowOf, type ParsedArgs, str } from "../command.ts";
import type { CliContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { loadAnchors, loadPublicKey } from "../inputs.ts";
import { jsonLine, parseJsonText, readSource, validate } from "../io.ts";
import { renderDecision } from "../render.ts";
import { argsSchema } from "../schemas.ts";

export const verify: Command = {
  name: "verify",
  summary: "decide whether a presentation permits a tool call (exit 0 permit, 1 deny)",
  usage:
    "verify --presentation FILE --tool NAME --args JSON (--trust anchors.json --aud EP [--db PATH] [--config FILE] | --server URL) [--approval FILE --approver KEY…] [--approval-threshold N] [--require-pop-aud] [--require-chain-aud] [--accept-nonce N]… [--now UNIX]",
  options: {
    presentation: {
      type: "string",
      value: "FILE",
      description: "the presentation (- for stdin)",
      required: true,
    },
    tool: { type: "string", value: "NAME", description: "the invoked tool", required: true },
    args: {
      type: "string",
      value: "JSON",
      description: "the invocation arguments, inline or @FILE",
      required: true,
    },
    trust: { type: "string", value: "FILE", description: "trust anchors (local verification)" },
    aud: {
      type: "string",
      value: "EP",
      description: "this enforcement point's id (local verification)",
      multiple: true,
    },
    server: {
      type: "string",
      value: "URL",
      description: "ask a running Baton service instead (POST /v1/verify)",
    },
    db: {
      type: "string",
      value: "PATH",
      description: "verify against this local database: its revocations, replay ledger and audit log",
    },
    config: {
      type: "string",
      value: "FILE",
      description: "service config file (store, anchors, audience, approvers, policy) for local verification",
    },
    approval: {
      type: "string",
      value: "FILE",
      description: "step-up approval(s) for this call: a compact token or a JSON array",
    },
    approver: {
      type: "string",
      value: "FILE",
      description: "an approver's key file whose approvals count (local; needed with --approval)",
      multiple: true,
    },
    "approval-threshold": {
      type: "string",
      value: "N",
      description: "distinct approvers needed (local; default 1)",
    },
    "require-pop-aud": { type: "boolean", description: "deny a PoP without aat_aud (step 7d)" },
    "require-chain-aud": { type: "boolean", description: "deny a chain in which no token has aud (6c)" },
    "accept-nonce": {
      type: "string",
      value: "N",
      description: "a nonce this EP issued; a PoP must carry one (7h)",
      multiple: true,
    },
    now: { type: "string", value: "UNIX", description: "verify as of this time (replaying vectors)" },
  },
  details: [
    "With --json, stdout is exactly the decision:",
    '  {"allow", "code", "step", "token", "message", "intent", "holder"} (+ "detail", "evidence" when present).',
    "Exit 0 when permitted, 1 when denied, 2 for bad input. A presentation that is JSON but not",
    '{"aat_chain", "aat_pop"} is a deny (malformed_presentation), as at the service.',
    "Locally the call goes through the same trust facade as the service. With --db PATH (or --config)",
    "it sees the revocations `baton revoke --db PATH` made, consumes the PoP in that database's replay",
    "ledger (a second run with the same PoP is a replay) and writes the decision to its audit log.",
    "Without either, the facade runs on an in-process store that forgets everything afterwards.",
  ].join("\n"),
  examples: [
    `baton verify --presentation call.json --tool search_issues --args '{"repo":"acme/site","query":"is:open"}' --trust anchors.json --aud https://tools.acme.example`,
    "baton prove … | baton verify --presentation - --tool search_issues --args @args.json --server http://127.0.0.1:7420 --json",
    "baton verify --presentation call.json --tool search_issues --args @args.json --trust anchors.json --aud https://tools.acme.example --db data/baton.db",
  ],
  async run(args, ctx) {
    const source = str(args, "presentation") as string;
    const presentation = readPresentationText(await readSource(ctx, source, "presentation file"), source);
    const tool = str(args, "tool") as string;
    const { value: callArgs, inadmissible } = await readCallArgs(ctx, str(args, "args") as string);
    const approvalFile = str(args, "approval");
    const approval = approvalFile !== undefined ? await readApproval(ctx, approvalFile) : undefined;
    if (inadmissible !== null && str(args, "server") !== undefined) {
      throw new UsageError(
        `--args: the number at ${inadmissible} is not admissible as written; the service refuses such a body`,
      );
    }
    // A database would record the facade's verdict on the nulled argument; refuse as the service does.
    if (inadmissible !== null && (str(args, "db") !== undefined || str(args, "config") !== undefined)) {
      throw new UsageError(
        `--args: the number at ${inadmissible} is not admissible as written; a Baton database refuses such a call`,
      );
    }
    let decision = await decide(ctx, args, {
      presentation,
      tool,
      args: callArgs,
      ...(approval !== undefined ? { approval } : {}),
    });
    if (inadmissible !== null) decision = inadmissibleArgs(decision, presentation, inadmissible);
    ctx.stdout.write(args.json ? jsonLine(decisionObject(decision)) : renderDecision(decision, ctx));
    return decision.allow ? 0 : 1;
  },
};

/**
 * The presentation: strict JSON (a duplicate member is bad input), whose shape the verifier judges
 * (§7.4: unknown members are ignored, so a number in one of them does not matter either).
 */
function readPresentationText(text: string, source: string): JsonValue {
  if (text.trim() === "") throw new UsageError(`presentation file ${source}: empty input, expected JSON`);
  const r = parseFast(text);
  if (!r.ok) throw new UsageError(`presentation file ${source}: ${r.message}`);
  return r.parsed.value;
}

/**
 * The call's arguments, parsed as written: duplicate members and bad syntax are bad input (exit 2);
 * a number that is not admissible as written (AAT -02 §3.4, e.g. 2^53+1) is a DENY at step 6b, so
 * its path is returned for the decision rather than thrown.
 */
async function readCallArgs(
  ctx: CliContext,
  flagValue: string,
): Promise<{ value: Record<string, JsonValue>; inadmissible: string | null }> {
  const text = flagValue.startsWith("@")
    ? await readSource(ctx, flagValue.slice(1), "--args file")
    : flagValue;
  if (text.trim() === "") throw new UsageError("--args: empty input, expected a JSON object");
  const r = parseFast(text);
  if (!r.ok) throw new UsageError(`--args: ${r.message}`);
  const value = validate(argsSchema, r.parsed.value, "--args");
  const path = r.parsed.inadmissible[0];
  if (!path) return { value, inadmissible: null };
  // The verifier only ever sees doubles; a non-finite one would make it refuse before the chain is
  // checked. Nulls in their place let the earlier steps decide first, as §8 orders them.
  for (const at of r.parsed.inadmissible) setAt(value, at, null);
  return {
    value,
    inadmissible: `$${path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`,
  };
}

function setAt(root: JsonValue, path: readonly (string | number)[], value: JsonValue): void {
  let node: JsonValue = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (node === null || typeof node !== "object") return;
    node = (node as Record<string | number, JsonValue>)[path[i] as string | number] ?? null;
  }
  if (node !== null && typeof node === "object") {
    (node as Record<string | number, JsonValue>)[path[path.length - 1] as string | number] = value;
  }
}

/** Steps the verifier runs before 6b (§8, with 7a/7b first as it advises): their verdicts stand. */
const BEFORE_6B = /^(1|2[a-z]?|3[a-z0-9/]*|4[a-z0-9/]*|5|6a|7a|7b)$/;

/** The decision once an inadmissible argument number is taken into account (a 6b deny). */
function inadmissibleArgs(d: Decision, presentation: JsonValue, path: string): Decision {
  if (!d.allow && (d.step === null || BEFORE_6B.test(d.step) || d.code === "verification_unavailable"))
    return d;
  const p = readPresentation(presentation);
  return deny(
    {
      code: "args_rejected",
      step: "6b",
      token: p.ok ? p.chain.length - 1 : null,
      message: `the argument number at ${path} is not admissible as written (AAT -02 §3.4)`,
    },
    d,
  );
}

type Call = VerifyCall;

/** The decision with exactly the contract's members, in the contract's order. */
export function decisionObject(d: Decision): Record<string, JsonValue> {
  return decisionToJSON(d) as Record<string, JsonValue>;
}

/** Flags that configure a local verification; a service uses its own configuration. */
const LOCAL_ONLY = [
  "trust",
  "aud",
  "approver",
  "approval-threshold",
  "now",
  "accept-nonce",
  "require-pop-aud",
  "require-chain-aud",
  "db",
  "config",
] as const;

/** The decision, from the backend the flags name (the local facade, or a service). */
async function decide(ctx: CliContext, args: ParsedArgs, call: Call): Promise<Decision> {
  if (str(args, "server") !== undefined) {
    for (const local of LOCAL_ONLY) {
      if (args.values[local] !== undefined) {
        throw new UsageError(
          `--${local} applies to local verification; the server uses its own configuration`,
        );
      }
    }
    return withBackend(args, ctx, (b) => b.verify(call));
  }
  const overrides = await localConfig(ctx, args, call);
  return withBackend(args, ctx, (b) => b.verify({ ...call, now: nowOf(args, ctx) }), {
    ephemeralUnlessDb: true,
    overrides,
    nonces: list(args, "accept-nonce"),
  });
}

/**
 * The configuration a local verification adds on top of `--config` and the environment: anchors,
 * audience, approvers and policy from the flags. Without --config, --trust and --aud are required.
 */
async function localConfig(ctx: CliContext, args: ParsedArgs, call: Call): Promise<Record<string, unknown>> {
  const hasConfig = str(args, "config") !== undefined;
  const trust = str(args, "trust");
  const aud = list(args, "aud");
  if (trust === undefined && !hasConfig)
    throw new UsageError("missing --trust anchors.json (or --server URL) (see: baton verify --help)");
  if (aud.length === 0 && !hasConfig)
    throw new UsageError("missing --aud EP: this enforcement point's id (see: baton verify --help)");
  const out: Record<string, unknown> = {};
  if (trust !== undefined) out.trustAnchors = await loadAnchors(ctx, trust);
  if (aud.length > 0) out.audience = aud.length === 1 ? aud[0] : aud;
  const approvers = await Promise.all(list(args, "approver").map((f) => loadPublicKey(ctx, f)));
  if (call.approval !== undefined && approvers.length === 0 && !hasConfig) {
    throw new UsageError(
      "--approval needs --approver KEY: the approver key file(s) whose approvals count here; without one the approval would be ignored (see: baton verify --help)",
    );
  }
  if (approvers.length > 0) out.approverKeys = approvers.map((a) => a.jwk);
  const threshold = int(args, "approval-threshold", 1);
  if (threshold !== undefined) {
    if (!hasConfig && threshold > approvers.length) {
      throw new UsageError(
        `--approval-threshold ${threshold} needs at least ${threshold} --approver key files, got ${approvers.length}`,
      );
    }
    out.approvalThreshold = threshold;
  }
  const policy: Record<string, boolean> = {};
  if (flag(args, "require-pop-aud")) policy.requirePopAud = true;
  if (flag(args, "require-chain-aud")) policy.requireChainAud = true;
  if (Object.keys(policy).length > 0) out.policy = policy;
  return out;
}

/**
 * An approval file: one compact approval token (bare or as a JSON string), or a JSON array of them
 * (m-of-n), which the approval gate takes as JSON text.
 */
async function readApproval(ctx: CliContext, source: string): Promise<string> {
  const what = `approval file ${source}`;
  const text = (await readSource(ctx, source, "approval file")).trim();
  if (text.startsWith("[") || text.startsWith('"')) {
    const v = parseJsonText(text, what);
    if (typeof v === "string") return checkCompact(v, what);
    if (Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === "string")) {
      for (const a of v) checkCompact(a as string, what);
      return JSON.stringify(v);
    }
    throw new UsageError(`${what}: expected a compact approval or a JSON array of them`);
  }
  return checkCompact(text, what);
}

function checkCompact(text: string, what: string): string {
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) {
    throw new UsageError(`${what} does not hold a compact JWS approval`);
  }
  return text;
}
