import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baton, tempDir } from "./helpers.ts";

const AUD = "https://tools.acme.example";
const ARGS = '{"branch":"triage-docs"}';

describe("baton approve", () => {
  it("signs an approval that lets the waiting call through once, and never a holder's own", async () => {
    const cwd = tempDir("approve");
    const f = (n: string) => join(cwd, n);
    for (const name of ["alice", "worker", "bob"]) {
      expect((await baton(["keygen", "--out", f(`${name}.key`)], { cwd })).code).toBe(0);
    }
    expect(
      (
        await baton(
          [
            "anchor",
            "add",
            "--key",
            f("alice.key"),
            "--issuer",
            "https://alice.example",
            "--out",
            f("anchors.json"),
          ],
          { cwd },
        )
      ).code,
    ).toBe(0);
    const grant = await baton(
      [
        "grant",
        "--key",
        f("alice.key"),
        "--issuer",
        "https://alice.example",
        "--to",
        f("worker.key"),
        "--intent-id",
        "ship",
        "--purpose",
        "ship it",
        "--tools",
        '{"deploy_preview":{"branch":{"constraint_type":"wildcard"}}}',
        "--ttl",
        "5m",
        "--max-depth",
        "0",
        "--approve",
        "deploy_*",
        "--out",
        f("chain.json"),
      ],
      { cwd },
    );
    expect(grant.code, grant.stderr).toBe(0);
    expect(
      (
        await baton(
          [
            "prove",
            "--chain",
            f("chain.json"),
            "--key",
            f("worker.key"),
            "--tool",
            "deploy_preview",
            "--args",
            ARGS,
            "--aud",
            AUD,
            "--out",
            f("call.json"),
          ],
          { cwd },
        )
      ).code,
    ).toBe(0);
    const verify = (approver: string, approval?: string) =>
      baton(
        [
          "verify",
          "--presentation",
          f("call.json"),
          "--tool",
          "deploy_preview",
          "--args",
          ARGS,
          "--trust",
          f("anchors.json"),
          "--aud",
          AUD,
          "--approver",
          f(approver),
          "--json",
          ...(approval ? ["--approval", f(approval)] : []),
        ],
        { cwd },
      );

    const waiting = await verify("bob.key");
    expect(waiting.code).toBe(1);
    expect(JSON.parse(waiting.stdout)).toMatchObject({ allow: false, code: "approval_required" });

    const signed = await baton(
      [
        "approve",
        "--key",
        f("bob.key"),
        "--presentation",
        f("call.json"),
        "--tool",
        "deploy_preview",
        "--args",
        ARGS,
        "--out",
        f("ok.approval"),
        "--json",
      ],
      { cwd },
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect(JSON.parse(signed.stdout).pop_hash).toBe(JSON.parse(waiting.stdout).detail.pop_hash);
    const passed = await verify("bob.key", "ok.approval");
    expect(JSON.parse(passed.stdout)).toMatchObject({ allow: true, code: "permitted" });

    // The holder approving its own call is refused even when its key is configured as an approver.
    expect(
      (
        await baton(
          [
            "approve",
            "--key",
            f("worker.key"),
            "--presentation",
            f("call.json"),
            "--tool",
            "deploy_preview",
            "--args",
            ARGS,
            "--out",
            f("self.approval"),
          ],
          { cwd },
        )
      ).code,
    ).toBe(0);
    const self = await verify("worker.key", "self.approval");
    expect(self.code).toBe(1);
    expect(JSON.parse(self.stdout).message).toMatch(/can never approve its own call/);

    const bad = await baton(["approve", "--key", f("bob.key"), "--tool", "deploy_preview", "--args", ARGS], {
      cwd,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pop-hash HASH or --presentation FILE/);
  });
});
