import { describe, expect, it } from "vitest";
import {
  canonicalAuditForm,
  GENESIS_HASH,
  hashAuditEvent,
  sealAuditEvent,
} from "../../src/core/audit/chain.ts";
import { decisionDataSchema } from "../../src/core/audit/event.ts";
import { BatonError } from "../../src/core/errors.ts";
import { AuditChainChecker } from "../../src/store/audit.ts";
import { pendingMigrations } from "../../src/store/migrate.ts";

describe("audit event hashing", () => {
  it("hashes the JCS form of every field but hash, optional fields only when present", () => {
    const body = {
      id: 1,
      at: 5,
      type: "approval" as const,
      data: { b: 1, a: [1e21, -0] },
      prev_hash: GENESIS_HASH,
    };
    expect(canonicalAuditForm(body)).toBe(
      `{"at":5,"data":{"a":[1e+21,0],"b":1},"id":1,"prev_hash":"${GENESIS_HASH}","type":"approval"}`,
    );
    expect(canonicalAuditForm({ ...body, intent: "i", agent: "a" })).toContain('"agent":"a"');
    expect(hashAuditEvent(body)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashAuditEvent({ ...body, data: { a: [1e21, 0], b: 1 } })).toBe(hashAuditEvent(body));
    expect(hashAuditEvent({ ...body, intent: "i" })).not.toBe(hashAuditEvent(body));
  });

  it("checks a chain row by row and names reordering, relinking and a head that runs ahead", () => {
    const e1 = sealAuditEvent({ type: "approval", data: {}, at: 1 }, { lastId: 0, lastHash: GENESIS_HASH });
    const e2 = sealAuditEvent({ type: "approval", data: {}, at: 2 }, { lastId: 1, lastHash: e1.hash });
    const row = (e: typeof e1) => ({ ...e, intent: null, agent: null, data: JSON.stringify(e.data) });

    const ok = new AuditChainChecker();
    expect(ok.push(row(e1))).toBeNull();
    expect(ok.push(row(e2))).toBeNull();
    expect(ok.finish({ lastId: 2, lastHash: e2.hash })).toEqual({ ok: true, count: 2, headHash: e2.hash });

    const relinked = new AuditChainChecker();
    relinked.push(row(e1));
    expect(relinked.push(row({ ...e2, prev_hash: "f".repeat(64) }))).toMatchObject({
      id: 2,
      reason: "prev_hash_mismatch",
    });

    const skipped = new AuditChainChecker();
    expect(skipped.push(row(e2))).toMatchObject({ id: 1, reason: "missing" });

    const tail = new AuditChainChecker();
    tail.push(row(e1));
    expect(tail.finish({ lastId: 2, lastHash: e2.hash })).toMatchObject({ id: 2, reason: "missing" });
  });
});

describe("decision data", () => {
  it("carries the decision and a hash of the args, never the args", () => {
    const base = { allow: false, code: "revoked", step: "R", token_index: 1, jtis: ["a", "b"], tool: "t" };
    expect(decisionDataSchema.safeParse({ ...base, args_sha256: "ab" }).success).toBe(true);
    for (const key of ["args", "arguments", "hta"]) {
      expect(decisionDataSchema.safeParse({ ...base, [key]: { x: 1 } }).success).toBe(false);
    }
  });
});

describe("migrations", () => {
  const list = [
    { version: 1, name: "one", statements: [] },
    { version: 2, name: "two", statements: [] },
  ];

  it("applies only what is missing", () => {
    expect(pendingMigrations(0, list, "db").map((m) => m.version)).toEqual([1, 2]);
    expect(pendingMigrations(1, list, "db").map((m) => m.version)).toEqual([2]);
    expect(pendingMigrations(2, list, "db")).toEqual([]);
  });

  it("refuses a newer database with a configuration error", () => {
    expect(() => pendingMigrations(3, list, "db")).toThrow(BatonError);
    expect(() => pendingMigrations(3, list, "db")).toThrow(
      /schema version 3, but this Baton knows versions up to 2/,
    );
  });
});
