/**
 * Two service nodes on one PostgreSQL: revocations propagate through LISTEN/NOTIFY, a node whose
 * feed is cut goes stale, reconnects with backoff, catches up and is fresh again without restart.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RevocationSubject } from "../../src/core/ports.ts";
import { openPostgresStore, type PostgresStore } from "../../src/store/postgres.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import { hashKey, waitFor } from "./contract.ts";
import { PG_URL, probePostgres, randomSchema } from "./harness.ts";

const available = await probePostgres();

const subject = (jti: string): RevocationSubject => ({
  index: 0,
  jti,
  hash: hashKey(jti),
  issuer: "https://issuer.example",
  holder: "urn:jwk:researcher",
});

describe.skipIf(!available)("revocation propagation on PostgreSQL", () => {
  const schema = randomSchema();
  // Node B logs in as its own role, so the test can refuse its reconnects for a while (an outage).
  const role = `${schema}_node_b`;
  const feedName = `${schema}_b_feed`;
  let admin: pg.Client;
  let storeA: PostgresStore;
  let storeB: PostgresStore;
  let nodeA: RevocationState;
  let nodeB: RevocationState;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    storeA = await openPostgresStore({ url: PG_URL, schema });
    await admin.query(`CREATE ROLE ${role} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    const urlB = new URL(PG_URL);
    urlB.username = role;
    storeB = await openPostgresStore({
      url: urlB.toString(),
      schema,
      feed: { applicationName: feedName, reconnectInitialMs: 50, reconnectMaxMs: 200 },
    });
    nodeA = await RevocationState.open(storeA, { heartbeatMs: 50, maxStalenessMs: 300 });
    nodeB = await RevocationState.open(storeB, { heartbeatMs: 50, maxStalenessMs: 300 });
  });

  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await storeA?.close();
    await storeB?.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  it("shows a revocation made on node A on node B within a bounded wait", async () => {
    expect(nodeB.check({ tokens: [subject("jti-a1")] })).toBeNull();
    await storeA.addRevocation({ target: { kind: "token", id: "jti-a1" }, reason: "leaked" });
    expect(await waitFor(() => nodeB.check({ tokens: [subject("jti-a1")] }) !== null, 200, 5)).toBe(true);
    expect(nodeB.check({ tokens: [subject("jti-a1")] })).toEqual({
      index: 0,
      target: { kind: "token", id: "jti-a1" },
      reason: "leaked",
    });
    expect(nodeB.freshness().stale).toBe(false);
  });

  it("goes stale when B's LISTEN connection dies, then reconnects, catches up and is fresh again", async () => {
    // The outage: B's feed connection is killed and its reconnects are refused.
    await admin.query(`ALTER ROLE ${role} NOLOGIN`);
    const killed = await admin.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1",
      [feedName],
    );
    expect(killed.rows).toEqual([{ ok: true }]);

    expect(await waitFor(() => nodeB.freshness().stale, 300, 10)).toBe(true);
    expect(nodeB.status()).toMatchObject({ connected: false });

    // Revoked while B is disconnected: B must not miss it.
    await storeA.addRevocation({ target: { kind: "agent", id: "urn:jwk:researcher" } });
    expect(await waitFor(() => nodeA.check({ tokens: [subject("jti-x")] }) !== null, 200, 5)).toBe(true);
    expect(nodeB.check({ tokens: [subject("jti-x")] })).toBeNull();
    expect(nodeB.freshness().stale).toBe(true);

    // The outage ends: B reconnects with backoff, catches up by seq and serves fresh again.
    await admin.query(`ALTER ROLE ${role} LOGIN`);
    expect(await waitFor(() => !nodeB.freshness().stale, 300, 10)).toBe(true);
    expect(nodeB.check({ tokens: [subject("jti-x")] })).toEqual({
      index: 0,
      target: { kind: "agent", id: "urn:jwk:researcher" },
    });
    expect(nodeB.status()).toMatchObject({ connected: true, disconnects: 1 });

    // And it hears notifications again.
    await storeA.addRevocation({ target: { kind: "token", id: "jti-after" } });
    expect(await waitFor(() => nodeB.check({ tokens: [subject("jti-after")] }) !== null, 200, 5)).toBe(true);
  });
});
