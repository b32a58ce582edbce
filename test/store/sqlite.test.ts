import { existsSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BatonError } from "../../src/core/errors.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/migrations/sqlite.ts";
import { openStore } from "../../src/store/open.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import { describeStoreContract } from "./contract.ts";
import { addRevocationThenKill } from "./crash.ts";
import { sqliteHarness, tempDir } from "./harness.ts";

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
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
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
    const db = new Database(path);
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
    expect((error as Error).message).toMatch(/schema version 99.*knows versions up to 1/);
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
