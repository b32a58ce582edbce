/**
 * The facade's read methods for the edges (issue 10 §5: service routes and CLI commands reach the
 * store only through the facade): graph reads, the registry, one token's audit trail, agent names
 * and the change source pollers follow.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRevocationRequest } from "../../src/core/revocation/request.ts";
import { StoreUnavailableError } from "../../src/trust/index.ts";
import {
  ARGS,
  AUDIENCE,
  delegation,
  type Harness,
  INTENT,
  idsOf,
  mallory,
  NOW,
  openTrust,
  orchestrator,
  present,
  researcher,
  STORE_KINDS,
} from "./fixtures.ts";

describe.each(STORE_KINDS)("the facade's reads for edges on the %s store", (kind) => {
  let h: Harness;
  const chain = delegation(3);
  const ids = idsOf(chain);
  beforeEach(async () => {
    h = await openTrust(kind);
    expect((await h.trust.verify({ presentation: present(chain), tool: "search", args: ARGS })).allow).toBe(
      true,
    );
    await h.trust.setAgentName(researcher.id, "researcher");
  });
  afterEach(async () => {
    await h.close();
  });

  it("reads an intent's graph, an agent's view and the intent list", async () => {
    const graph = await h.trust.intentGraph(INTENT.id);
    expect(graph).toMatchObject({ view: "intent", now: NOW });
    expect(graph?.nodes.map((n) => n.jti).sort()).toEqual(ids.map((i) => i.jti).sort());
    expect(await h.trust.intentGraph("no-such-intent")).toBeNull();
    const agent = await h.trust.agentGraph(researcher.id, { now: NOW + 10 });
    expect(agent).toMatchObject({ view: "agent", now: NOW + 10 });
    expect(await h.trust.agentGraph(mallory.id)).toBeNull();
    const list = await h.trust.intents();
    expect(list.intents.map((i) => i.id)).toEqual([INTENT.id]);
  });

  it("reads the registry and agent names", async () => {
    const [token] = await h.trust.tokens({ jti: ids[1]?.jti as string, limit: 1 });
    expect(token).toMatchObject({ hash: ids[1]?.hash, holder: researcher.id, issuer: orchestrator.id });
    expect(await h.trust.agentNames([researcher.id, mallory.id])).toEqual(
      new Map([[researcher.id, "researcher"]]),
    );
  });

  it("lists the audit events that concern one token, bounded", async () => {
    await h.trust.revoke(
      createRevocationRequest({
        audience: AUDIENCE,
        key: orchestrator,
        target: { kind: "token", id: ids[1]?.jti as string },
        chain: chain.slice(0, 2),
        now: NOW,
      }),
    );
    const trail = await h.trust.tokenAudit(ids[1]?.jti as string);
    expect(trail.truncated).toBe(false);
    expect(trail.events.map((e) => e.type)).toEqual(["token_recorded", "decision", "revocation"]);
    const one = await h.trust.tokenAudit(ids[1]?.jti as string, { intent: INTENT.id, limit: 1 });
    expect(one).toMatchObject({ truncated: true, events: [{ type: "revocation" }] });
  });

  it("offers a read-only change source over the audit log and the revocation feed", async () => {
    const changes = h.trust.changes();
    const events = await changes.listAudit({ afterId: 0, limit: 100 });
    expect(events.length).toBeGreaterThan(0);
    expect(await changes.listRevocations({ afterSeq: 0, limit: 10 })).toEqual([]);
  });

  it("reports a failing store as StoreUnavailableError", async () => {
    h.store.findTokens = async () => {
      throw new Error("disk I/O error");
    };
    await expect(h.trust.tokens({ limit: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
