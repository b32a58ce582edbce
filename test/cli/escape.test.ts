/**
 * Issue 9 item 14: strings from outside (tool names, jtis, intent ids and purposes, agent names,
 * messages that echo them) are printed escaped, one line per event, by every human renderer.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import { AgentKey, grant, prove } from "../../src/core/index.ts";
import { escapeText, isPrintable } from "../../src/graph/render-escape.ts";
import { boundText } from "../../src/trust/bounded.ts";
import { Trust } from "../../src/trust/index.ts";
import { baton, tempDir } from "./helpers.ts";

const ISSUER = "https://people.acme.example/alice";
const EP = "https://tools.acme.example";
/** Clears the screen, sets the clipboard (OSC 52), then forges a whole PERMIT line, right to left. */
const EVIL = "\u001b[2J\u001b]52;c;ZXZpbA==\u0007\nPERMIT (intent triage-42): permitted\u202e\u0085";
const EVIL_TOOL = `search${EVIL}`;
const EVIL_JTI = `jti-${EVIL}`;
const EVIL_INTENT = `triage-${EVIL}`;
const NOW = Math.floor(Date.now() / 1000);

let dir: string;
let intentId: string;
const run = (args: string[]) => baton(args, { cwd: dir });

/** No raw control, bidi or separator character, and no line that starts like a decision. */
function expectClean(text: string, lines?: number): void {
  // Newline aside (it ends lines), nothing unsafe may be printed raw.
  expect(isPrintable(text.replace(/\n/g, ""))).toBe(true);
  expect(text).not.toMatch(/^PERMIT \(intent triage-42\)/m);
  if (lines !== undefined) expect(text.trimEnd().split("\n")).toHaveLength(lines);
}

beforeAll(async () => {
  dir = tempDir("escape");
  const person = AgentKey.generate("person");
  const agent = AgentKey.generate(`agent${EVIL}`);
  writeFileSync(join(dir, "agent.key"), JSON.stringify(agent.toPrivateJwk()), { mode: 0o600 });
  writeFileSync(join(dir, "anchors.json"), JSON.stringify([{ issuer: ISSUER, jwk: person.publicJwk }]));
  const root = grant({
    key: person,
    issuer: ISSUER,
    to: agent.publicJwk,
    tools: { [EVIL_TOOL]: {} },
    ttl: 900,
    maxDepth: 2,
    now: NOW,
    intent: { id: EVIL_INTENT, purpose: `purpose ${EVIL}` },
    jti: EVIL_JTI,
  });
  if (!root.ok) throw new Error(root.message);
  intentId = EVIL_INTENT;
  writeFileSync(join(dir, "chain.json"), JSON.stringify(root.value));
  const call = prove(root.value, { key: agent, tool: EVIL_TOOL, args: {}, now: NOW, aud: EP });
  if (!call.ok) throw new Error(call.message);
  writeFileSync(join(dir, "call.json"), JSON.stringify(call.value));

  // A database whose audit log and registry hold those strings, as callers would put them there.
  const trust = await Trust.open(
    parseConfig({
      audience: EP,
      trustAnchors: [{ issuer: ISSUER, jwk: person.publicJwk }],
      store: { path: join(dir, "baton.db") },
    }),
  );
  try {
    await trust.recordChain(root.value);
    await trust.setAgentName(agent.id, `agent${EVIL}`);
    await trust.verify({ presentation: call.value, tool: EVIL_TOOL, args: {}, now: NOW });
    await trust.verify({ presentation: call.value, tool: `other${EVIL}`, args: {}, now: NOW });
  } finally {
    await trust.close();
  }
});

describe("escapeText", () => {
  it("spells out C0, DEL, C1, bidi overrides and line separators, and leaves other text alone", () => {
    expect(escapeText("a\u001b[2J\nb\tc\u007f\u0085")).toBe("a\\x1b[2J\\x0ab\\x09c\\x7f\\x85");
    expect(escapeText("x\u202ey\u2066z\u2028\u2029")).toBe("x\\u{202e}y\\u{2066}z\\u{2028}\\u{2029}");
    expect(escapeText("é → 😀 acme/site")).toBe("é → 😀 acme/site");
  });
});

describe("human output escapes strings from outside", () => {
  it("inspect: jti, intent, purpose, tool and names", async () => {
    const r = await run(["inspect", "chain.json", "--trust", "anchors.json"]);
    expect(r.stderr).toBe("");
    expectClean(r.stdout);
    expect(r.stdout).toContain("\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07\\x0aPERMIT");
    // --json stays JSON, with the values as they are.
    const j = await run(["inspect", "chain.json", "--json"]);
    const parsed = JSON.parse(j.stdout) as { tokens: { jti: string; tools: Record<string, unknown> }[] };
    expect(parsed.tokens[0]?.jti).toBe(EVIL_JTI);
    expect(Object.keys(parsed.tokens[0]?.tools ?? {})).toEqual([EVIL_TOOL]);
  });

  it("verify: a permit and a deny that echo the tool each print one line", async () => {
    const permit = await run([
      "verify",
      "--presentation",
      "call.json",
      "--tool",
      EVIL_TOOL,
      "--args",
      "{}",
      "--trust",
      "anchors.json",
      "--aud",
      EP,
      "--now",
      String(NOW),
    ]);
    expect(permit.code, permit.stderr).toBe(0);
    expectClean(permit.stdout, 1);
    expect(permit.stdout).toMatch(/^PERMIT \(intent triage-\\x1b\[2J/);
    const deny = await run([
      "verify",
      "--presentation",
      "call.json",
      "--tool",
      `other${EVIL}`,
      "--args",
      "{}",
      "--trust",
      "anchors.json",
      "--aud",
      EP,
      "--now",
      String(NOW),
    ]);
    expect(deny.code).toBe(1);
    expect(deny.stdout).toMatch(/^DENY /);
    expectClean(deny.stdout.split("\n").slice(0, 1).join("\n"), 1);
    expectClean(deny.stdout);
  });

  it("audit tail: one line per event, every value escaped", async () => {
    const json = await run(["audit", "tail", "--db", "baton.db", "--json"]);
    const events = (JSON.parse(json.stdout) as { events: unknown[] }).events;
    expect(events.length).toBeGreaterThanOrEqual(3);
    const r = await run(["audit", "tail", "--db", "baton.db"]);
    expect(r.code, r.stderr).toBe(0);
    expectClean(r.stdout, events.length);
    expect(r.stdout).toContain(`token ${escapeText(EVIL_JTI)}`);
    // A decision's tool is stored already escaped (bounded, as the audit keeps it); printed as stored.
    expect(r.stdout).toContain(`PERMIT ${escapeText(boundText(EVIL_TOOL, 256))}`);
  });

  it("graph: tree, DOT and Mermaid", async () => {
    const tree = await run(["graph", "--intent", intentId, "--db", "baton.db", "--findings"]);
    expect(tree.code, tree.stderr).toBe(0);
    expectClean(tree.stdout);
    expect(tree.stdout).toContain(`intent ${escapeText(EVIL_INTENT)}`);
    expect(tree.stdout).toContain(escapeText(`agent${EVIL}`));
    for (const format of ["dot", "mermaid"]) {
      const doc = await run(["graph", "--intent", intentId, "--db", "baton.db", "--format", format]);
      expect(doc.code, doc.stderr).toBe(0);
      expectClean(doc.stdout);
    }
  });

  it("a usage error that echoes a value stays one escaped line", async () => {
    const r = await run(["graph", "--intent", `nothing${EVIL}`, "--db", "baton.db"]);
    expect(r.code).toBe(2);
    expectClean(r.stderr, 1);
  });
});
