/**
 * Review (low): `Trust.tokenAudit` reads one token's events from the store's per-token index
 * (`refs`), never by paging the whole log.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AuditQuery } from "../../src/store/types.ts";
import {
  ARGS,
  delegation,
  type Harness,
  INTENT,
  idsOf,
  openTrust,
  present,
  STORE_KINDS,
} from "./fixtures.ts";

describe.each(STORE_KINDS)("tokenAudit on the %s store", (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openTrust(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("asks only for events that name the token, however long the log", async () => {
    const chain = delegation(2);
    const ids = idsOf(chain);
    expect((await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS })).allow).toBe(
      true,
    );
    // Unrelated noise the old implementation paged through in full.
    for (let i = 0; i < 300; i++) await h.store.appendAudit({ type: "approval", data: { i } });
    const queries: AuditQuery[] = [];
    const list = h.store.listAudit.bind(h.store);
    h.store.listAudit = (q = {}) => {
      queries.push(q);
      return list(q);
    };
    const trail = await h.trust.tokenAudit(ids[1]?.jti as string);
    expect(trail.events.map((e) => e.type)).toEqual(["token_recorded", "decision"]);
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(q.refs).toEqual([ids[1]?.jti, ids[1]?.hash]);
    const scoped = await h.trust.tokenAudit(ids[1]?.jti as string, { intent: "another", limit: 1 });
    expect(scoped).toEqual({ events: [], truncated: false });
    const one = await h.trust.tokenAudit(ids[1]?.jti as string, { intent: INTENT.id, limit: 1 });
    expect(one).toMatchObject({ truncated: true, events: [{ type: "decision" }] });
  });
});
