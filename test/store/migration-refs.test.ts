/** Migration 2 fills the per-token index for events written before it (SQLite and PostgreSQL). */
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_HASH, sealAuditEvent } from "../../src/core/audit/chain.ts";
import type { AuditEvent } from "../../src/core/audit/event.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/migrations/postgres.ts";
import { SQLITE_MIGRATIONS } from "../../src/store/migrations/sqlite.ts";
import { openPostgresStore } from "../../src/store/postgres.ts";
import { openSqliteStore } from "../../src/store/sqlite.ts";
import type { Store } from "../../src/store/types.ts";
import { PG_URL, probePostgres, randomSchema, tempDir } from "./harness.ts";
import { rawDatabase } from "./raw-sqlite.ts";

/** Events of a v1 log: a decision naming two jtis, a recorded token, a revocation, a damaged row. */
function v1Events(): AuditEvent[] {
  const inputs = [
    { type: "decision" as const, data: { allow: true, code: "permitted", jtis: ["root-1", "leaf-1"] } },
    { type: "token_recorded" as const, data: { hash: "sha256:abc", jti: "leaf-1", depth: 1 } },
    { type: "revocation" as const, data: { target: { kind: "token", id: "sha256:abc" } } },
    { type: "approval" as const, data: { n: 1 } },
  ];
  let head = { lastId: 0, lastHash: GENESIS_HASH };
  return inputs.map((input, i) => {
    const e = sealAuditEvent({ ...input, at: 1000 + i }, head);
    head = { lastId: e.id, lastHash: e.hash };
    return e;
  });
}

async function expectIndexed(store: Store): Promise<void> {
  const ids = async (refs: string[]) => (await store.listAudit({ refs })).map((e) => e.id);
  expect(await ids(["root-1"])).toEqual([1]);
  expect(await ids(["leaf-1"])).toEqual([1, 2]);
  expect(await ids(["sha256:abc"])).toEqual([2, 3]);
  expect(await ids(["nothing"])).toEqual([]);
}

describe("migration 2 backfills baton_audit_refs", () => {
  it("on SQLite, skipping a row whose data is no longer JSON", async () => {
    const dir = tempDir("baton-migrate-");
    try {
      const path = join(dir.path, "baton.db");
      const db = rawDatabase(path);
      db.exec(
        "CREATE TABLE baton_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
      );
      for (const statement of SQLITE_MIGRATIONS[0]?.statements ?? []) db.exec(statement);
      db.prepare("INSERT INTO baton_schema VALUES (1, 'initial', 0)").run();
      const insert = db.prepare("INSERT INTO baton_audit VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)");
      const events = v1Events();
      for (const e of events) insert.run(e.id, e.at, e.type, JSON.stringify(e.data), e.prev_hash, e.hash);
      db.prepare("UPDATE baton_audit SET data = '{not json' WHERE id = 4").run();
      db.close();
      const store = openSqliteStore({ path });
      expect(store.schemaVersion()).toBe(2);
      await expectIndexed(store);
      await store.close();
    } finally {
      dir.remove();
    }
  });

  describe("on PostgreSQL", () => {
    let reachable = false;
    const schema = randomSchema();
    let admin: pg.Pool;
    beforeAll(async () => {
      reachable = await probePostgres();
      admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
    });
    afterAll(async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    });

    it("skipping a row whose data is no longer JSON", async (ctx) => {
      if (!reachable) return ctx.skip();
      const client = await admin.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`SET search_path = ${schema}`);
        await client.query(
          "CREATE TABLE baton_schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        );
        for (const statement of POSTGRES_MIGRATIONS[0]?.statements ?? []) await client.query(statement);
        await client.query("INSERT INTO baton_schema VALUES (1, 'initial', 0)");
        for (const e of v1Events()) {
          await client.query("INSERT INTO baton_audit VALUES ($1, $2, $3, NULL, NULL, $4, $5, $6)", [
            e.id,
            e.at,
            e.type,
            JSON.stringify(e.data),
            e.prev_hash,
            e.hash,
          ]);
        }
        await client.query("UPDATE baton_audit SET data = '{not json' WHERE id = 4");
        await client.query("RESET search_path");
      } finally {
        client.release();
      }
      const store = await openPostgresStore({ url: PG_URL, schema });
      try {
        expect(await store.schemaVersion()).toBe(2);
        await expectIndexed(store);
      } finally {
        await store.close();
      }
    });
  });
});
