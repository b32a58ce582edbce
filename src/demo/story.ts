/**
 * The end-to-end demo (`npm run demo`): a scripted story on the embedded SQLite store, no external
 * services. A person grants an orchestrator one intent; the orchestrator delegates narrower tokens
 * to a researcher and a fixer; tools run behind the real fastify guard and the real MCP adapter;
 * a privileged call waits for a step-up approval; the orchestrator's token is revoked and every
 * descendant call fails; the story ends with the delegation tree and the audit trail.
 *
 * `runDemo` returns every step's outcome as data, so a test checks the outcomes, not the wording.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import Fastify from "fastify";
import { z } from "zod";
import { parseConfig } from "../config/schema.ts";
import type { Decision } from "../core/chain/options.ts";
import type { JsonValue, ToolsMap } from "../core/constraints/index.ts";
import { createRevocationRequest } from "../core/revocation/request.ts";
import { loadIntentGraph } from "../graph/load.ts";
import { renderGraph } from "../graph/render.ts";
import { escapeText } from "../graph/render-escape.ts";
import { Agent } from "../sdk/agent.ts";
import type { BatonDenied } from "../sdk/errors.ts";
import { batonGuard } from "../sdk/fastify-guard.ts";
import { Issuer } from "../sdk/issuer.ts";
import { callToolWithBaton, decisionOf } from "../sdk/mcp.ts";
import { LocalVerifier } from "../sdk/verifier.ts";
import { Trust } from "../trust/index.ts";

export interface DemoStep {
  /** Stable id of the step, for tests. */
  id: string;
  /** What was expected: a permit (or a minted token), or a refusal. */
  expect: "allow" | "deny";
  allow: boolean;
  code: string;
  text: string;
  message?: string;
}

export interface DemoResult {
  intent: string;
  dbPath: string;
  steps: DemoStep[];
  tree: string;
  audit: { events: number; chainOk: boolean; trail: string[] };
  /** Every step turned out as expected. */
  ok: boolean;
}

export interface DemoOptions {
  /** SQLite file; default ./data/baton.db, the same file `npm start` and `baton graph` read. */
  dbPath?: string;
  /** Receives the story line by line as it happens. */
  print?: (line: string) => void;
  /** Colours for the terminal. */
  color?: boolean;
}

const ISSUER = "https://people.acme.example/alice";
const AUDIENCE = "https://tools.acme.example";
const wildcard = { constraint_type: "wildcard" };
const exact = (value: string) => ({ constraint_type: "exact", value });
const under = (root: string) => ({ constraint_type: "path_containment", root });

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const dbPath = options.dbPath ?? "./data/baton.db";
  const print = options.print ?? (() => {});
  const c = palette(options.color === true);
  const steps: DemoStep[] = [];
  const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
  const intent = { id: `triage-acme-site-${stamp}`, purpose: "triage issues in repo acme/site" };

  // The cast: every agent holds its own key.
  const alice = new Issuer({ key: Agent.generate("alice").key, issuer: ISSUER });
  const orchestrator = Agent.generate("orchestrator");
  const researcher = Agent.generate("researcher");
  const fixer = Agent.generate("fixer");
  const bob = Agent.generate("bob (approver)");

  const config = parseConfig({
    audience: AUDIENCE,
    trustAnchors: [alice.anchor],
    approverKeys: [bob.publicJwk],
    store: { path: dbPath },
  });
  const trust = await Trust.open(config);
  const verifier = new LocalVerifier({ trust });
  for (const a of [orchestrator, researcher, fixer]) await trust.store.setAgentName(a.id, a.name ?? a.id);
  await trust.store.setAgentName(ISSUER, "alice");

  const record = (
    ok: boolean,
    expect: "allow" | "deny",
    id: string,
    text: string,
    code = ok ? "permitted" : "",
    message?: string,
  ) => {
    const step: DemoStep = {
      id,
      expect,
      allow: ok,
      code,
      text,
      ...(message !== undefined ? { message } : {}),
    };
    steps.push(step);
    const asExpected = ok === (expect === "allow");
    const mark = ok ? c.green("✓") : c.red("✗");
    print(`${mark} ${text}${asExpected ? "" : c.red("  (unexpected!)")}`);
    if (!ok || code !== "permitted") print(`    ${c.dim(escapeText(`${code}: ${message ?? ""}`))}`);
  };
  const recordDecision = (id: string, expect: "allow" | "deny", text: string, d: Decision) =>
    record(d.allow, expect, id, text, d.code, d.allow ? undefined : d.message);

  // The tools: a fastify service behind the guard, and an MCP server behind the adapter.
  const tools = await startToolServer(verifier);
  const mcp = await startMcp(verifier);

  try {
    print(c.bold(`Baton demo — intent "${intent.purpose}"`));
    print(c.dim(`store: SQLite ${dbPath} · intent id ${intent.id}\n`));

    // 1. The grant.
    const rootTools: ToolsMap = {
      search_issues: { repo: exact("acme/site"), query: wildcard },
      write_file: { path: under("/repo/acme/site"), content: wildcard },
      deploy_preview: { branch: wildcard },
    };
    const root = alice.grant({
      to: orchestrator,
      intent,
      tools: rootTools,
      ttl: "15m",
      maxDepth: 2,
      approve: ["deploy_*"],
    });
    await trust.recordChain(root);
    record(
      true,
      "allow",
      "grant",
      `alice grants the orchestrator "${intent.purpose}" for 15 min (search, write under /repo/acme/site, deploy previews with approval)`,
    );

    // 2. Two delegations, each narrower and terminal.
    const researchChain = orchestrator.derive(root, {
      to: researcher,
      tools: { search_issues: { repo: exact("acme/site"), query: wildcard } },
      ttl: "5m",
      maxDepth: 1,
    });
    await trust.recordChain(researchChain);
    record(
      true,
      "allow",
      "derive-researcher",
      "the orchestrator gives the researcher read-only search for 5 min (terminal: no further delegation)",
    );
    const fixChain = orchestrator.derive(root, {
      to: fixer,
      tools: {
        write_file: { path: under("/repo/acme/site/docs"), content: wildcard },
        deploy_preview: { branch: wildcard },
      },
      ttl: "5m",
      maxDepth: 1,
    });
    await trust.recordChain(fixChain);
    record(
      true,
      "allow",
      "derive-fixer",
      "the orchestrator gives the fixer writes under /repo/acme/site/docs and deploy previews for 5 min (terminal)",
    );

    // 3. A widening is refused at minting time, with the verifier's own code.
    try {
      orchestrator.derive(root, {
        to: fixer,
        tools: { write_file: { path: under("/repo"), content: wildcard } },
        ttl: "5m",
        maxDepth: 1,
      });
      record(true, "deny", "widen", "the orchestrator tries to give the fixer all of /repo");
    } catch (e) {
      const err = e as BatonDenied;
      record(
        false,
        "deny",
        "widen",
        "the orchestrator tries to give the fixer all of /repo → refused",
        err.code,
        err.message,
      );
    }
    try {
      fixer.derive(fixChain, {
        to: researcher,
        tools: { write_file: { path: under("/repo/acme/site/docs"), content: wildcard } },
        ttl: "1m",
      });
      record(true, "deny", "redelegate", "the fixer tries to pass its write on to the researcher");
    } catch (e) {
      const err = e as BatonDenied;
      record(
        false,
        "deny",
        "redelegate",
        "the fixer tries to pass its write on to the researcher → refused",
        err.code,
        err.message,
      );
    }

    // 4. Calls through the MCP adapter (researcher) and the fastify guard (fixer).
    const search = { repo: "acme/site", query: "label:bug is:open" };
    let r = await callToolWithBaton(mcp.client, {
      name: "search_issues",
      arguments: search,
      presentation: researcher.prove(researchChain, { tool: "search_issues", args: search, aud: AUDIENCE }),
    });
    recordDecision(
      "mcp-search",
      "allow",
      "the researcher searches acme/site for open bugs over MCP → permitted",
      decisionOf(r) ?? permitted(),
    );
    const outside = { repo: "acme/billing", query: "label:bug" };
    r = await callToolWithBaton(mcp.client, {
      name: "search_issues",
      arguments: outside,
      presentation: researcher.prove(researchChain, { tool: "search_issues", args: outside, aud: AUDIENCE }),
    });
    recordDecision(
      "mcp-outside",
      "deny",
      "the researcher searches acme/billing, outside its scope → denied",
      decisionOf(r) ?? permitted(),
    );

    const write = { path: "/repo/acme/site/docs/triage.md", content: "# Triage\n- 3 open bugs\n" };
    let res = await callHttp(
      tools,
      "/tools/write_file",
      write,
      fixer.prove(fixChain, { tool: "write_file", args: write, aud: AUDIENCE }),
    );
    recordDecision(
      "http-write",
      "allow",
      "the fixer writes docs/triage.md through the fastify guard → permitted",
      res.decision,
    );
    const traversal = { path: "/repo/acme/site/docs/../.github/workflows/ci.yml", content: "x" };
    res = await callHttp(
      tools,
      "/tools/write_file",
      traversal,
      fixer.prove(fixChain, { tool: "write_file", args: traversal, aud: AUDIENCE }),
    );
    recordDecision(
      "http-traversal",
      "deny",
      "the fixer tries a ../ escape out of docs → denied",
      res.decision,
    );

    // 5. A privileged call waits for a step-up approval, then passes once.
    const deploy = { branch: "triage-docs" };
    const deployCall = fixer.prove(fixChain, { tool: "deploy_preview", args: deploy, aud: AUDIENCE });
    res = await callHttp(tools, "/tools/deploy_preview", deploy, deployCall);
    recordDecision(
      "approval-wait",
      "deny",
      "the fixer asks to deploy a preview → waits for approval",
      res.decision,
    );
    const popHash = res.popHash ?? "";
    const approval = bob.approve({ popHash, tool: "deploy_preview", args: deploy });
    res = await callHttp(tools, "/tools/deploy_preview", deploy, deployCall, approval);
    recordDecision(
      "approval-pass",
      "allow",
      "bob approves that exact call; the same request passes",
      res.decision,
    );
    const again = fixer.prove(fixChain, { tool: "deploy_preview", args: deploy, aud: AUDIENCE });
    res = await callHttp(tools, "/tools/deploy_preview", deploy, again, approval);
    recordDecision(
      "approval-reuse",
      "deny",
      "the approval cannot be used for a second deploy → denied",
      res.decision,
    );

    // 6. alice revokes the orchestrator's token: every descendant call fails, recorded or not.
    const revoked = await trust.revoke(
      createRevocationRequest({
        key: alice.key,
        audience:
          typeof trust.config.audience === "string"
            ? trust.config.audience
            : (trust.config.audience[0] as string),
        target: { kind: "token", id: tokenJti(root) },
        chain: root,
        reason: "demo: stop the triage",
        now: trust.now(),
      }),
    );
    record(
      revoked.ok,
      "allow",
      "revoke",
      "alice revokes the orchestrator's token",
      revoked.ok ? "permitted" : revoked.code,
      revoked.ok ? undefined : revoked.message,
    );
    r = await callToolWithBaton(mcp.client, {
      name: "search_issues",
      arguments: search,
      presentation: researcher.prove(researchChain, { tool: "search_issues", args: search, aud: AUDIENCE }),
    });
    recordDecision(
      "revoked-search",
      "deny",
      "the researcher searches again → denied: its chain contains a revoked token",
      decisionOf(r) ?? permitted(),
    );
    res = await callHttp(
      tools,
      "/tools/write_file",
      write,
      fixer.prove(fixChain, { tool: "write_file", args: write, aud: AUDIENCE }),
    );
    recordDecision("revoked-write", "deny", "the fixer writes again → denied as well", res.decision);

    // 7. The delegation tree and the audit trail.
    const graph = await loadIntentGraph(trust.store, intent.id, { now: trust.now() });
    const tree = graph
      ? renderGraph(graph, "tree", { findings: true, ...(options.color ? {} : {}) })
      : "(no graph)";
    print(`\n${c.bold("Delegation tree")}`);
    print(tree.trimEnd());
    const page = await trust.audit({ intent: intent.id, limit: 1000 });
    const check = await trust.checkAudit();
    const trail = page.events.map(
      (e) =>
        `#${e.id} ${e.type}${e.type === "decision" ? ` ${(e.data as { allow?: boolean }).allow ? "permit" : "deny"} ${String((e.data as { code?: string }).code)} ${String((e.data as { tool?: string }).tool ?? "")}` : ""}`,
    );
    print(
      `\n${c.bold("Audit trail")} ${c.dim(`(${page.events.length} events for this intent, hash chain ${check.ok ? "intact" : "BROKEN"})`)}`,
    );
    for (const line of trail) print(`  ${escapeText(line)}`);
    const ok = steps.every((s) => s.allow === (s.expect === "allow")) && check.ok;
    print(
      `\n${ok ? c.green("Every step turned out as expected.") : c.red("Some steps did not turn out as expected.")}`,
    );
    print(
      c.dim(
        `See it again: baton graph --intent ${intent.id} --db ${dbPath} --format tree --findings · or npm start, then http://127.0.0.1:7420/ui`,
      ),
    );
    return {
      intent: intent.id,
      dbPath,
      steps,
      tree,
      audit: { events: page.events.length, chainOk: check.ok, trail },
      ok,
    };
  } finally {
    await mcp.close();
    await tools.close();
    await trust.close();
  }
}

function permitted(): Decision {
  return {
    allow: true,
    code: "permitted",
    step: "8",
    token: null,
    message: "permitted",
    intent: null,
    holder: null,
  };
}

function tokenJti(chain: readonly string[]): string {
  const payload = JSON.parse(
    Buffer.from((chain[chain.length - 1] as string).split(".")[1] as string, "base64url").toString("utf8"),
  ) as { jti: string };
  return payload.jti;
}

/** The tool service: two routes behind the real fastify guard, on a real loopback listener. */
interface ToolServer {
  baseUrl: string;
  close: () => Promise<unknown>;
}

async function startToolServer(verifier: LocalVerifier): Promise<ToolServer> {
  const app = Fastify({ logger: false });
  await app.register(batonGuard, { verifier });
  app.post("/tools/write_file", { config: { batonTool: "write_file" } }, async (req) => ({
    written: (req.body as { path: string }).path,
  }));
  app.post("/tools/deploy_preview", { config: { batonTool: "deploy_preview" } }, async (req) => ({
    deployed: (req.body as { branch: string }).branch,
  }));
  const baseUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  return { baseUrl, close: () => app.close() };
}

async function callHttp(
  app: ToolServer,
  path: string,
  args: Record<string, JsonValue>,
  presentation: { aat_chain: string[]; aat_pop: string },
  approval?: string,
): Promise<{ decision: Decision; popHash?: string }> {
  const res = await fetch(app.baseUrl + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...args, baton: { ...presentation, ...(approval ? { approval } : {}) } }),
  });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.ok) return { decision: permitted() };
  const decision: Decision = {
    allow: false,
    code: body.code as Decision["code"],
    step: (body.step as string | null) ?? null,
    token: (body.token as number | null) ?? null,
    message: String(body.message ?? body.detail ?? ""),
    intent: null,
    holder: null,
  };
  return { decision, ...(typeof body.pop_hash === "string" ? { popHash: body.pop_hash } : {}) };
}

/** An MCP server with one tool, guarded by the real adapter, and a client on an in-memory pair. */
async function startMcp(verifier: LocalVerifier): Promise<{ client: Client; close: () => Promise<void> }> {
  const { guardMcpServer } = await import("../sdk/mcp.ts");
  const server = new McpServer({ name: "acme-issues", version: "1.0.0" });
  guardMcpServer(server, { verifier });
  server.registerTool(
    "search_issues",
    { inputSchema: { repo: z.string(), query: z.string() } },
    async ({ repo, query }) => ({
      content: [{ type: "text", text: `3 issues in ${repo} match ${query}` }],
    }),
  );
  const client = new Client({ name: "researcher", version: "1.0.0" });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(b), client.connect(a)]);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

function palette(on: boolean) {
  const wrap = (code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return { green: wrap("32"), red: wrap("31"), dim: wrap("2"), bold: wrap("1") };
}
