/** `baton audit export --checkpoints` and `baton audit check --checkpoints FILE` (issue 9 item 16). */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { rawDatabase } from "../store/raw-sqlite.ts";
import { baton } from "./helpers.ts";

describe("baton audit check against exported checkpoints", () => {
  const dir = mkdtempSync(join(tmpdir(), "baton-cli-checkpoints-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) => baton(args, { cwd: dir });

  it("catches a tail cut off together with the stored checkpoints", async () => {
    const store = await openStore({
      path: join(dir, "db", "baton.db"),
      checkpoints: { intervalMs: 0, everyEvents: 0 },
    });
    for (let i = 0; i < 3; i++) await store.appendAudit({ type: "approval", data: { n: i } });
    await store.close(); // the shutdown checkpoint covers event 3

    const ok = await run(["audit", "check", "--db", "db/baton.db"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: 3 events.*1 checkpoint verified, latest at event 3 by node/);
    const exported = await run([
      "audit",
      "export",
      "--db",
      "db/baton.db",
      "--checkpoints",
      "--out",
      "cps.jsonl",
    ]);
    expect(exported.stdout).toContain("exported 1 checkpoint → cps.jsonl");
    const lines = readFileSync(join(dir, "cps.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l) as { seq: number }).map((c) => c.seq)).toEqual([3]);

    // Cut off event 3, move the head to event 2, and delete the stored checkpoints too.
    const db = rawDatabase(join(dir, "db", "baton.db"));
    const second = db.prepare("SELECT hash FROM baton_audit WHERE id = 2").get() as { hash: string };
    db.prepare("DELETE FROM baton_audit WHERE id = 3").run();
    db.prepare("UPDATE baton_audit_head SET last_id = 2, last_hash = ? WHERE one = 1").run(second.hash);
    db.prepare("DELETE FROM baton_audit_checkpoints").run();
    db.close();

    const broken = await run(["audit", "check", "--db", "db/baton.db", "--checkpoints", "cps.jsonl"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/broken at event 3 \(tail_missing\): events 3\.\.3 are missing/);
    const json = await run(["audit", "check", "--db", "db/baton.db", "--checkpoints", "cps.jsonl", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, id: 3, reason: "tail_missing" });
  });

  it("says which file and line is not a checkpoint list", async () => {
    const r = await run(["audit", "check", "--db", "db/baton.db", "--checkpoints", "missing.jsonl"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("cannot read missing.jsonl");
  });
});
