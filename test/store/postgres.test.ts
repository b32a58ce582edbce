import pg from "pg";
import { describe, expect, it } from "vitest";
import { BatonError } from "../../src/core/errors.ts";
import { POSTGRES_MIGRATIONS } from "../../src/store/migrations/postgres.ts";
import { openStore } from "../../src/store/open.ts";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres.ts";
import { describeStoreContract } from "./contract.ts";
import { addRevocationThenKill } from "./crash.ts";
import { PG_URL, postgresHarness, probePostgres, randomSchema } from "./harness.ts";

// Throws with CI=true when PostgreSQL is down; outside CI the suites below skip with a warning.
const available = await probePostgres();

describe.skipIf(!available)("PostgreSQL", () => {
  describeStoreContract("postgres", () => postgresHarness());

  async function withSchema<T>(work: (schema: string, admin: pg.Client) => Promise<T>): Promise<T> {
    const schema = randomSchema();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      return await work(schema, admin);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  }

  describe("PostgresStore", () => {
    it("creates its schema and records the schema version once, even when two nodes start together", async () => {
      await withSchema(async (schema, admin) => {
        const [a, b] = await Promise.all([
          openPostgresStore({ url: PG_URL, schema }),
          openPostgresStore({ url: PG_URL, schema }),
        ]);
        expect(await a.schemaVersion()).toBe(POSTGRES_MIGRATIONS.length);
        const rows = await admin.query(`SELECT version FROM ${schema}.baton_schema`);
        expect(rows.rows).toEqual([{ version: 1 }, { version: 2 }]);
        await Promise.all([a.close(), b.close()]);
      });
    });

    it("refuses a database whose schema is newer than the code knows", async () => {
      await withSchema(async (schema, admin) => {
        await (await openPostgresStore({ url: PG_URL, schema })).close();
        await admin.query(
          `INSERT INTO ${schema}.baton_schema (version, name, applied_at) VALUES (42, 'future', 0)`,
        );
        const error = await openPostgresStore({ url: PG_URL, schema }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(BatonError);
        expect(error).toMatchObject({ code: "invalid_config" });
        expect((error as Error).message).toMatch(/schema version 42.*knows versions up to 2/);
      });
    });

    it("keeps an acknowledged revocation when the process is killed right after the ack", async () => {
      await withSchema(async (schema) => {
        await addRevocationThenKill({ url: PG_URL, schema, id: "jti-crash-pg" });
        const store = await openPostgresStore({ url: PG_URL, schema });
        expect(await store.getRevocation({ kind: "token", id: "jti-crash-pg" })).toMatchObject({
          reason: "crash-test",
        });
        await store.close();
      });
    });

    it("is what openStore picks for a postgres:// URL", async () => {
      await withSchema(async (schema) => {
        const store = (await openStore({ url: PG_URL, schema })) as PostgresStore;
        expect(store.backend).toBe("postgres");
        expect(store.schema).toBe(schema);
        await store.close();
      });
    });

    it("notifies each new revocation on the revocation channel at commit, by seq alone when large", async () => {
      await withSchema(async (schema) => {
        const store = await openPostgresStore({ url: PG_URL, schema, feed: { channel: `${schema}_feed` } });
        const listener = new pg.Client({ connectionString: PG_URL });
        await listener.connect();
        const payloads: string[] = [];
        listener.on("notification", (m) => payloads.push(m.payload ?? ""));
        await listener.query(`LISTEN ${schema}_feed`);
        const { record } = await store.addRevocation({ target: { kind: "intent", id: "i" }, reason: "done" });
        await store.addRevocation({ target: { kind: "intent", id: "i" } }); // idempotent: no second notify
        const large = await store.addRevocation({
          target: { kind: "token", id: "x".repeat(4000) },
          reason: "y".repeat(4000),
        });
        for (let i = 0; i < 100 && payloads.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 50));
        expect(payloads).toHaveLength(2);
        expect(JSON.parse(payloads[0] ?? "")).toEqual({
          seq: record.seq,
          target: { kind: "intent", id: "i" },
          reason: "done",
        });
        expect(payloads[1]).toBe(String(large.record.seq));
        await listener.end();
        await store.close();
      });
    });
  });
});
