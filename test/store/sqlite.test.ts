import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BatonError } from "../../src/core/errors.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/migrations/sqlite.ts";
import { openStore } from "../../src/store/open.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import { describeStoreContract } from "./contract.ts";
import { addRevocationThenKill } from "./crash.ts";
import { sqliteHarness, tempDir } from "./harness.ts";
import { rawDatabase, retain } from "./raw-sqlite.ts";

describeStoreContract("sqlite", sqliteHarness);

describe("SqliteStore", () => {
  const dirs: { remove(): void }[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d.path;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it("creates the file's directory, uses WAL and records the schema version", async () => {
    const path = join(dir(), "a", "b", "baton.db");
    const store = openSqliteStore({ path });
    expect(existsSync(path)).toBe(true);
    expect(retain(store.db.prepare("PRAGMA journal_mode")).pluck().get()).toBe("wal");
    expect(store.schemaVersion()).toBe(SQLITE_MIGRATIONS.length);
    await store.close();
    // Reopening applies nothing twice.
    const again = openSqliteStore({ path });
    expect(again.schemaVersion()).toBe(SQLITE_MIGRATIONS.length);
    await again.close();
  });

  it("refuses a database whose schema is newer than the code knows", async () => {
    const path = join(dir(), "baton.db");
    await openSqliteStore({ path }).close();
    const db = rawDatabase(path);
    db.prepare("INSERT INTO baton_schema (version, name, applied_at) VALUES (?, ?, ?)").run(99, "future", 0);
    db.close();
    let error: unknown;
    try {
      openSqliteStore({ path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BatonError);
    expect(error).toMatchObject({ code: "invalid_config" });
    expect((error as Error).message).toMatch(/schema version 99.*knows versions up to 2/);
  });

  it("keeps an acknowledged revocation when the process is killed right after the ack", async () => {
    const path = join(dir(), "crash.db");
    await addRevocationThenKill({ path, id: "jti-crash" });
    const store = openSqliteStore({ path });
    expect(await store.getRevocation({ kind: "token", id: "jti-crash" })).toMatchObject({
      reason: "crash-test",
    });
    await store.close();
  });

  it("is what openStore picks without a URL, and refuses an unknown URL scheme", async () => {
    const store = await openStore({ path: join(dir(), "x.db") });
    expect(store.backend).toBe("sqlite");
    await store.close();
    expect((await openStore({ url: "memory:" })).backend).toBe("memory");
    await expect(openStore({ url: "mysql://u:secret@h/db" })).rejects.toMatchObject({
      code: "invalid_config",
    });
    await expect(openStore({ url: "mysql://u:secret@h/db" })).rejects.not.toThrow(/secret/);
  });
});

describe("sqlite statements", () => {
  // better-sqlite3 12 built against Node >= 24.19 headers aborts the process when a garbage
  // collection with no JavaScript context entered frees a Statement (see `retained` in
  // src/store/sqlite.ts), so the store must never leave a statement behind for the GC: each SQL
  // text is prepared once, whatever the number of calls (db.pragma() prepared one per call).
  it("prepares each statement once, however often an operation runs", async () => {
    const store = openSqliteStore({ path: ":memory:" });
    const native = (store.db as unknown as Record<symbol, object>)[
      Object.getOwnPropertySymbols(store.db).find(
        (s) => typeof (store.db as unknown as Record<symbol, unknown>)[s] === "object",
      ) as symbol
    ] as { prepare: (...args: unknown[]) => unknown };
    const proto = Object.getPrototypeOf(native) as { prepare: (...args: unknown[]) => unknown };
    const original = proto.prepare;
    let prepared = 0;
    proto.prepare = function (this: unknown, ...args: unknown[]) {
      if (this === native) prepared += 1;
      return original.apply(this, args);
    };
    try {
      const round = async (i: number) => {
        await store.addRevocation({ target: { kind: "token", id: `jti-${i}` }, reason: "test" });
        await store.getRevocation({ kind: "token", id: `jti-${i}` });
        await store.setAgentName(`agent-${i}`, `name ${i}`);
        await store.getAgentNames([`agent-${i}`, "agent-0"]);
        await store.getAgentNames([`agent-${i}`]);
        await store.appendAudit({ type: "approval", data: { n: i } });
        await store.checkAudit();
      };
      await round(0);
      const afterFirst = prepared;
      expect(afterFirst).toBeGreaterThan(0);
      for (let i = 1; i <= 5; i++) await round(i);
      expect(prepared).toBe(afterFirst);
    } finally {
      proto.prepare = original;
      await store.close();
    }
  });
});

describe("sqlite group commit", () => {
  it("keeps every concurrent ledger entry all-or-nothing and the audit chain intact", async () => {
    const store = openSqliteStore({ path: join(tempDir().path, "group.db") });
    try {
      // 40 permits in one event-loop turn: 20 distinct PoP keys, each presented twice, and a
      // usage limit of 5 shared by all of them.
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.commitPermit({
            replay: { key: `pop-${i % 20}`, expiresAt: 2_000_000_000 },
            usage: [{ index: 0, key: "sha256:root", limit: 5 }],
          }),
        ),
      );
      const ok = results.filter((r) => r.ok).length;
      expect(ok).toBe(5);
      // A replay is refused before usage is counted; the rest are usage_exceeded, and nothing of
      // a refused entry is kept.
      expect(results.filter((r) => !r.ok && r.code === "replayed").length).toBeGreaterThan(0);
      expect(results.slice(20).every((r) => !r.ok)).toBe(true);
      const again = await store.commitPermit({
        replay: { key: "pop-fresh", expiresAt: 2_000_000_000 },
        usage: [{ index: 0, key: "sha256:root", limit: 5 }],
      });
      expect(again).toMatchObject({ ok: false, code: "usage_exceeded", used: 5, limit: 5 });

      const events = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.appendAudit({ type: "decision", data: { allow: true, code: "permitted", jtis: [`j${i}`] } }),
        ),
      );
      expect(events.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(await store.checkAudit()).toMatchObject({ ok: true, count: 30 });
    } finally {
      await store.close();
    }
  });

  it("writes appends still queued when the store closes", async () => {
    const path = join(tempDir().path, "close.db");
    const store = openSqliteStore({ path });
    const pending = store.appendAudit({
      type: "decision",
      data: { allow: false, code: "revoked", jtis: [] },
    });
    await store.close();
    await expect(pending).resolves.toMatchObject({ id: 1 });
    const reopened = openSqliteStore({ path });
    expect(await reopened.checkAudit()).toMatchObject({ ok: true, count: 1 });
    await reopened.close();
  });
});
