import { chmodSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/schema.ts";
import { verifyCheckpoint } from "../../src/core/audit/checkpoint.ts";
import { BatonError } from "../../src/core/errors.ts";
import { AgentKey } from "../../src/core/keys/agent-key.ts";
import { loadNodeKey } from "../../src/store/node-key.ts";
import { openStore } from "../../src/store/open.ts";
import { Trust } from "../../src/trust/index.ts";
import { waitForAsync } from "./contract.ts";
import { tempDir } from "./harness.ts";
import { rawDatabase } from "./raw-sqlite.ts";

describe("node key", () => {
  const dirs: { remove(): void }[] = [];
  const dir = () => {
    const d = tempDir("baton-node-key-");
    dirs.push(d);
    return d.path;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it("is generated mode 0600 when absent, and read back the same", () => {
    const path = join(dir(), "data", "node.key");
    const key = loadNodeKey(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ kty: "OKP", crv: "Ed25519" });
    expect(loadNodeKey(path).id).toBe(key.id);
  });

  it("refuses a key file that group or others can read, naming the file and the mode", () => {
    const path = join(dir(), "node.key");
    writeFileSync(path, JSON.stringify(AgentKey.generate().toPrivateJwk()), { mode: 0o600 });
    chmodSync(path, 0o644);
    expect(() => loadNodeKey(path)).toThrow(BatonError);
    expect(() => loadNodeKey(path)).toThrow(/node\.key.*mode 0644.*chmod 600/);
  });

  it("refuses a symlink, a missing file when asked not to create, and a file that is no key", () => {
    const d = dir();
    const target = join(d, "real.key");
    writeFileSync(target, JSON.stringify(AgentKey.generate().toPrivateJwk()), { mode: 0o600 });
    const link = join(d, "node.key");
    symlinkSync(target, link);
    expect(() => loadNodeKey(link)).toThrow(/not a regular file/);
    expect(() => loadNodeKey(join(d, "absent.key"), { create: false })).toThrow(/does not exist/);
    const junk = join(d, "junk.key");
    writeFileSync(junk, "not json", { mode: 0o600 });
    expect(() => loadNodeKey(junk)).toThrow(/JSON private key/);
  });

  it("signs a checkpoint when a store opened with a schedule closes, with the key from the data dir", async () => {
    const d = dir();
    const path = join(d, "db", "baton.db");
    const store = await openStore({ path, checkpoints: { intervalMs: 0, everyEvents: 0 } });
    const event = await store.appendAudit({ type: "approval", data: {} });
    await store.close();
    const key = loadNodeKey(join(d, "db", "node.key"), { create: false });
    const reopened = await openStore({ path });
    const [stored] = await reopened.listAuditCheckpoints();
    expect(stored).toMatchObject({ node: key.id, seq: 1, hash: event.hash });
    expect(verifyCheckpoint(stored?.jws)).toMatchObject({ ok: true, checkpoint: { node: key.id, seq: 1 } });
    expect(await reopened.checkAudit({ trustedNodes: new Set([key.id]) })).toMatchObject({
      ok: true,
      checkpoints: { count: 1, latest: { node: key.id, seq: 1 } },
    });
    await reopened.close();
  });

  it("is configured through Trust.open: audit.nodeKey, the schedule, and a last checkpoint at close", async () => {
    const d = dir();
    const keyPath = join(d, "keys", "node.key");
    const config = parseConfig({
      store: { path: join(d, "baton.db") },
      audit: { nodeKey: keyPath, checkpointIntervalMs: 0, checkpointEveryEvents: 0 },
    });
    const trust = await Trust.open(config);
    await trust.store.appendAudit({ type: "approval", data: {} });
    await trust.close();
    const key = loadNodeKey(keyPath, { create: false });
    const store = await openStore({ path: join(d, "baton.db") });
    expect(await store.listAuditCheckpoints()).toMatchObject([{ node: key.id, seq: 1 }]);
    await store.close();

    chmodSync(keyPath, 0o640);
    await expect(Trust.open(config)).rejects.toThrow(/mode 0640/);
    const off = parseConfig({ store: { path: join(d, "other.db") }, audit: { checkpoints: false } });
    await (await Trust.open(off)).close();
    expect(() => loadNodeKey(join(d, "node.key"), { create: false })).toThrow(/does not exist/);
  });

  it("reports a head it will not sign over (a rewritten tail) to the facade's store-error listeners", async () => {
    const d = dir();
    const path = join(d, "baton.db");
    const config = parseConfig({
      store: { path },
      audit: { checkpointIntervalMs: 0, checkpointEveryEvents: 1 },
    });
    const trust = await Trust.open(config);
    const failures: string[] = [];
    trust.onStoreError((operation, error) => failures.push(`${operation}: ${(error as Error).message}`));
    await trust.store.appendAudit({ type: "approval", data: { n: 1 } });
    const second = await trust.store.appendAudit({ type: "approval", data: { n: 2 } });
    await waitForAsync(
      async () => (await trust.store.latestAuditCheckpoint(loadNodeKey(join(d, "node.key")).id))?.seq === 2,
    );
    // Replace event 2 behind the store's back: same seq, another hash.
    const raw = rawDatabase(path);
    const first = raw.prepare("SELECT hash FROM baton_audit WHERE id = 1").get() as { hash: string };
    raw.prepare("DELETE FROM baton_audit WHERE id = 2").run();
    raw.prepare("UPDATE baton_audit_head SET last_id = 1, last_hash = ? WHERE one = 1").run(first.hash);
    raw.close();
    const forged = await trust.store.appendAudit({ type: "approval", data: { n: "forged" } });
    expect(forged.id).toBe(2);
    expect(forged.hash).not.toBe(second.hash);
    expect(await waitForAsync(async () => failures.length > 0)).toBe(true);
    expect(failures[0]).toMatch(
      /^auditCheckpoint: audit head 2 is not the event this node checkpointed at 2/,
    );
    expect(await trust.checkAudit()).toMatchObject({ ok: false, id: 2, reason: "checkpoint_mismatch" });
    await trust.close();
  });
});
