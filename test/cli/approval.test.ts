import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApproval } from "../../src/core/approval/index.ts";
import { AgentKey, grant, prove } from "../../src/core/index.ts";
import { baton, tempDir, under, wildcard } from "./helpers.ts";

const ISSUER = "https://people.acme.example/alice";
const EP = "https://tools.acme.example";
const person = AgentKey.fromSeed(new Uint8Array(32).fill(21), "person");
const fixer = AgentKey.fromSeed(new Uint8Array(32).fill(22), "fixer");
const approver = AgentKey.fromSeed(new Uint8Array(32).fill(23), "approver");
const CALL = { path: "/repo/acme/site/README.md", content: "hello" };

describe("baton verify with step-up approvals", () => {
  it("denies with the PoP hash in detail, then permits with an approval from a configured approver", async () => {
    const dir = tempDir("approval");
    const now = Math.floor(Date.now() / 1000);
    const chain = grant({
      key: person,
      issuer: ISSUER,
      to: fixer,
      tools: { write_file: { path: under("/repo/acme/site"), content: wildcard } },
      ttl: 300,
      maxDepth: 0,
      now,
      intent: { id: "fix-1", purpose: "fix the README" },
      approve: ["write_file"],
    });
    if (!chain.ok) throw new Error(chain.message);
    const p = prove(chain.value, { key: fixer, tool: "write_file", args: CALL, aud: EP, now });
    if (!p.ok) throw new Error(p.message);
    writeFileSync(join(dir, "call.json"), JSON.stringify(p.value));
    writeFileSync(join(dir, "anchors.json"), JSON.stringify([{ issuer: ISSUER, jwk: person.publicJwk }]));
    writeFileSync(join(dir, "approver.pub.json"), JSON.stringify(approver.publicJwk));
    const verify = (extra: string[]) =>
      baton(
        [
          "verify",
          "--presentation",
          "call.json",
          "--tool",
          "write_file",
          "--args",
          JSON.stringify(CALL),
          "--trust",
          "anchors.json",
          "--aud",
          EP,
          "--approver",
          "approver.pub.json",
          "--json",
          ...extra,
        ],
        { cwd: dir },
      );

    const denied = await verify([]);
    expect(denied.code).toBe(1);
    const d = JSON.parse(denied.stdout) as { code: string; detail?: { pop_hash?: string } };
    expect(Object.keys(d)).toEqual([
      "allow",
      "code",
      "step",
      "token",
      "message",
      "intent",
      "holder",
      "detail",
    ]);
    expect(d.code).toBe("approval_required");
    expect(typeof d.detail?.pop_hash).toBe("string");

    const approval = createApproval({
      key: approver,
      popHash: d.detail?.pop_hash as string,
      tool: "write_file",
      args: CALL,
      now,
    });
    writeFileSync(join(dir, "approval.jwt"), `${approval}\n`);
    const permitted = await verify(["--approval", "approval.jwt"]);
    expect(permitted.code, permitted.stdout).toBe(0);
    expect(JSON.parse(permitted.stdout)).toMatchObject({ allow: true, code: "permitted", intent: "fix-1" });
  });
});
