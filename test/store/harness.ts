/** Harnesses that give the contract suite fresh databases of each backend. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createMemoryStoreState, MemoryStore } from "../../src/store/memory.ts";
import { openPostgresStore, type PostgresStoreOptions } from "../../src/store/postgres.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import type { Store } from "../../src/store/types.ts";
import type { StoreHarness } from "./contract.ts";
import { rawDatabase } from "./raw-sqlite.ts";

export async function memoryHarness(): Promise<StoreHarness> {
  const state = createMemoryStoreState();
  return {
    open: async () => new MemoryStore({ state }),
    tamperAuditData: async (id, data) => {
      const row = state.audit.find((r) => r.id === id);
      if (!row) throw new Error(`no audit row ${id}`);
      row.data = data;
    },
    deleteAuditEvent: async (id) => {
      state.audit = state.audit.filter((r) => r.id !== id);
    },
    moveAuditHead: async (lastId, lastHash) => {
      state.auditHead = { lastId, lastHash };
    },
    deleteCheckpoints: async () => {
      state.checkpoints = [];
    },
    dispose: async () => {},
  };
}

/** A temp directory removed by `dispose`. */
export function tempDir(prefix = "baton-store-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function sqliteHarness(): Promise<StoreHarness> {
  const dir = tempDir();
  const file = join(dir.path, "nested", "baton.db");
  const stores: Store[] = [];
  const raw = () => rawDatabase(file);
  return {
    open: async () => {
      const store = openSqliteStore({ path: file });
      stores.push(store);
      return store;
    },
    tamperAuditData: async (id, data) => {
      const db = raw();
      db.prepare("UPDATE baton_audit SET data = ? WHERE id = ?").run(data, id);
      db.close();
    },
    deleteAuditEvent: async (id) => {
      const db = raw();
      db.prepare("DELETE FROM baton_audit WHERE id = ?").run(id);
      db.close();
    },
    moveAuditHead: async (lastId, lastHash) => {
      const db = raw();
      db.prepare("UPDATE baton_audit_head SET last_id = ?, last_hash = ? WHERE one = 1").run(
        lastId,
        lastHash,
      );
      db.close();
    },
    deleteCheckpoints: async () => {
      const db = raw();
      db.prepare("DELETE FROM baton_audit_checkpoints").run();
      db.close();
    },
    dispose: async () => {
      for (const store of stores) await store.close();
      dir.remove();
    },
  };
}

export const PG_URL = process.env.BATON_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/**
 * Whether PostgreSQL answers. With CI=true an unreachable server throws, so the run fails loudly
 * instead of skipping the PostgreSQL suites.
 */
export async function probePostgres(url = PG_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch (error) {
    const message = `PostgreSQL is unreachable at ${url}: ${(error as Error).message}`;
    if (process.env.CI === "true") throw new Error(`${message} (CI=true: the PostgreSQL tests must run)`);
    console.warn(`${message}; skipping the PostgreSQL store tests (set CI=true to fail instead)`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export function randomSchema(): string {
  return `baton_test_${Math.random().toString(16).slice(2, 10)}`;
}

/** A fresh schema per harness, dropped by `dispose`. */
export async function postgresHarness(
  extra: Omit<PostgresStoreOptions, "url" | "schema"> = {},
): Promise<StoreHarness & { schema: string; admin: pg.Pool }> {
  const schema = randomSchema();
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2, options: `-c search_path=${schema}` });
  admin.on("error", () => {});
  const stores: Store[] = [];
  return {
    schema,
    admin,
    open: async () => {
      const store = await openPostgresStore({ url: PG_URL, schema, ...extra });
      stores.push(store);
      return store;
    },
    tamperAuditData: async (id, data) => {
      await admin.query("UPDATE baton_audit SET data = $1 WHERE id = $2", [data, id]);
    },
    deleteAuditEvent: async (id) => {
      await admin.query("DELETE FROM baton_audit WHERE id = $1", [id]);
    },
    moveAuditHead: async (lastId, lastHash) => {
      await admin.query("UPDATE baton_audit_head SET last_id = $1, last_hash = $2 WHERE one = 1", [
        lastId,
        lastHash,
      ]);
    },
    deleteCheckpoints: async () => {
      await admin.query("DELETE FROM baton_audit_checkpoints");
    },
    dispose: async () => {
      for (const store of stores) await store.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}
