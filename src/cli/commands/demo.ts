/**
 * `baton demo`: the core library as a short story. A person grants an orchestrator a 15-minute
 * intent; the orchestrator hands a researcher read-only search and a fixer one write path; calls
 * are permitted and denied by an in-process verifier, and wider derivations are refused. Keys come
 * from fixed seeds, so every run tells the same story with the same agent ids.
 */
import {
  AgentKey,
  type Decision,
  derive,
  grant,
  type IssueResult,
  type JsonValue,
  type Presentation,
  prove,
  type ToolsMap,
  Verifier,
} from "../../core/index.ts";
import type { Command } from "../command.ts";
import { jsonLine } from "../io.ts";
import { shortId, storyLine, style } from "../render.ts";

const ISSUER = "https://people.acme.example/alice";
const AUDIENCE = "https://tools.acme.example";
const INTENT = { id: "triage-acme-site", purpose: "triage issues in repo acme/site" };

const exact = (value: string) => ({ constraint_type: "exact", value });
const wildcard = { constraint_type: "wildcard" };
const under = (root: string) => ({ constraint_type: "path_containment", root });

/** A fixed persona: the same seed, the same agent id, every run. */
function persona(name: string, seedByte: number): AgentKey {
  return AgentKey.fromSeed(new Uint8Array(32).fill(seedByte), name);
}

interface Step {
  ok: boolean;
  text: string;
  code?: string;
  message?: string;
}

export const demo: Command = {
  name: "demo",
  summary: "walk through a delegation story with the core library (no service needed)",
  usage: "demo [--json]",
  options: {},
  details: "Runs in-process: keys, tokens and the verifier live in memory, nothing is written.",
  examples: ["baton demo", "npm run demo"],
  async run(args, ctx) {
    const steps = await story(ctx.now());
    if (args.json) {
      ctx.stdout.write(jsonLine({ intent: INTENT, steps }));
      return 0;
    }
    const s = style(ctx);
    ctx.stdout.write(`${s.bold("Baton demo")} ${s.dim(`— intent "${INTENT.purpose}"`)}\n\n`);
    for (const step of steps) {
      ctx.stdout.write(storyLine(step.ok, step.text, ctx));
      if (step.code) ctx.stdout.write(`    ${s.dim(`${step.code}: ${step.message}`)}\n`);
    }
    ctx.stdout.write(
      `\n${s.dim("Each ✗ above is Baton refusing on purpose: authority only ever narrows.")}\n`,
    );
    return 0;
  },
};

/** The story as data: each line says what happened, and every refusal carries its code. */
export async function story(now: number): Promise<Step[]> {
  const alice = persona("alice", 1);
  const orchestrator = persona("orchestrator", 2);
  const researcher = persona("researcher", 3);
  const fixer = persona("fixer", 4);
  const helper = persona("helper", 5);
  const names = new Map([alice, orchestrator, researcher, fixer, helper].map((k) => [k.id, k.name ?? ""]));
  const who = (id: string | null) => (id ? (names.get(id) ?? shortId(id)) : "nobody");
  const verifier = new Verifier({
    trustAnchors: [{ issuer: ISSUER, jwk: alice.publicJwk }],
    audience: AUDIENCE,
  });
  const steps: Step[] = [];

  const rootTools: ToolsMap = {
    search_issues: { repo: exact("acme/site"), query: wildcard },
    write_file: { path: under("/repo/acme/site"), content: wildcard },
  };
  const root = must(
    grant({
      key: alice,
      issuer: ISSUER,
      to: orchestrator,
      tools: rootTools,
      ttl: 900,
      maxDepth: 3,
      now,
      intent: INTENT,
    }),
  );
  steps.push({
    ok: true,
    text: `alice grants the orchestrator "${INTENT.purpose}" for 15 min: search_issues in acme/site, write_file under /repo/acme/site`,
  });

  const researcherChain = must(
    derive(root, {
      key: orchestrator,
      to: researcher,
      tools: { search_issues: { repo: exact("acme/site"), query: wildcard } },
      ttl: 300,
      maxDepth: 1,
      now,
    }),
  );
  steps.push({
    ok: true,
    text: "the orchestrator gives the researcher read-only search_issues for 5 min (cannot delegate further)",
  });

  const fixerChain = must(
    derive(root, {
      key: orchestrator,
      to: fixer,
      tools: { write_file: { path: under("/repo/acme/site/docs"), content: wildcard } },
      ttl: 300,
      maxDepth: 1,
      now,
    }),
  );
  steps.push({
    ok: true,
    text: "the orchestrator gives the fixer write_file under /repo/acme/site/docs for 5 min (cannot delegate further)",
  });

  const call = async (chain: string[], key: AgentKey, tool: string, callArgs: Record<string, JsonValue>) => {
    const p: Presentation = must(prove(chain, { key, tool, args: callArgs, aud: AUDIENCE, now }));
    return verifier.verify({ presentation: p, tool, args: callArgs, now });
  };
  const outcome = (d: Decision, text: string): Step =>
    d.allow ? { ok: true, text } : { ok: false, text, code: d.code, message: d.message };

  const search = await call(researcherChain, researcher, "search_issues", {
    repo: "acme/site",
    query: "is:open label:bug",
  });
  steps.push(
    outcome(
      search,
      `the researcher searches acme/site for open bugs → ${verdict(search)} for ${who(search.holder)}`,
    ),
  );

  const write = await call(fixerChain, fixer, "write_file", {
    path: "/repo/acme/site/docs/triage.md",
    content: "# Triage\n",
  });
  steps.push(outcome(write, `the fixer writes /repo/acme/site/docs/triage.md → ${verdict(write)}`));

  const wider = derive(fixerChain, {
    key: fixer,
    to: helper,
    tools: { write_file: { path: under("/repo"), content: wildcard } },
    ttl: 120,
    now,
  });
  steps.push(
    refusal(
      wider,
      "the fixer, at the end of its chain, tries to hand a helper write_file under all of /repo → refused",
    ),
  );

  const widerFromAbove = derive(root, {
    key: orchestrator,
    to: fixer,
    tools: { write_file: { path: under("/repo"), content: wildcard } },
    ttl: 300,
    now,
  });
  steps.push(
    refusal(
      widerFromAbove,
      "even the orchestrator cannot give out /repo: it only holds /repo/acme/site → refused",
    ),
  );

  const outside = await call(researcherChain, researcher, "search_issues", {
    repo: "acme/billing",
    query: "is:open",
  });
  steps.push(
    outcome(outside, `the researcher searches acme/billing, outside its scope → ${verdict(outside)}`),
  );

  const notGranted = await call(researcherChain, researcher, "write_file", {
    path: "/repo/acme/site/x",
    content: "",
  });
  steps.push(
    outcome(notGranted, `the researcher tries write_file, which it was never given → ${verdict(notGranted)}`),
  );
  return steps;
}

function verdict(d: Decision): string {
  return d.allow ? "permitted" : "denied";
}

function refusal(r: IssueResult<string[]>, text: string): Step {
  return r.ok
    ? { ok: true, text: `${text.replace(/ → refused$/, "")} → unexpectedly issued` }
    : { ok: false, text, code: r.code, message: r.message };
}

function must<T>(r: IssueResult<T>): T {
  if (!r.ok) throw new Error(`demo step failed: ${r.code}: ${r.message}`);
  return r.value;
}
