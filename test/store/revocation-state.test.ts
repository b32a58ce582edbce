import { describe, expect, it } from "vitest";
import type { RevocationSubject } from "../../src/core/ports.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { RevocationState } from "../../src/store/revocation-state.ts";
import type { RevocationFeedEvents, RevocationRecord, Store } from "../../src/store/types.ts";
import { hashKey, waitFor } from "./contract.ts";

/** A chain root → orchestrator → researcher → mallory, as the check sees it. */
function chain(): RevocationSubject[] {
  const holders = ["urn:jwk:orchestrator", "urn:jwk:planner", "urn:jwk:researcher", "urn:jwk:mallory"];
  return holders.map((holder, index) => ({
    index,
    jti: `jti-${index}`,
    hash: hashKey(`token-${index}`),
    issuer: index === 0 ? "https://issuer.example" : (holders[index - 1] as string),
    holder,
  }));
}

function record(seq: number, kind: "token" | "agent" | "intent", id: string, extra = {}): RevocationRecord {
  return { seq, target: { kind, id }, revokedAt: 0, ...extra };
}

describe("RevocationState.check", () => {
  it("finds nothing in an empty set", () => {
    expect(new RevocationState().check({ tokens: chain(), intent: "intent-1" })).toBeNull();
  });

  it("finds a token by jti and by hash, an agent as issuer and as holder, and the intent", () => {
    const cases: [RevocationRecord, number][] = [
      [record(1, "token", "jti-2"), 2],
      [record(1, "token", hashKey("token-3")), 3],
      [record(1, "agent", "https://issuer.example"), 0],
      [record(1, "agent", "urn:jwk:mallory"), 3],
      [record(1, "intent", "intent-1"), 0],
    ];
    for (const [revoked, index] of cases) {
      const state = new RevocationState();
      state.apply(revoked);
      expect(state.check({ tokens: chain(), intent: "intent-1" })).toEqual({ index, target: revoked.target });
    }
  });

  it("never moves the feed position when a node applies its own revocation (a lower seq missed elsewhere is still fetched)", async () => {
    const store = new MemoryStore();
    const missed = await store.addRevocation({ target: { kind: "token", id: "jti-missed" } });
    const own = await store.addRevocation({ target: { kind: "token", id: "jti-own" } });
    // A node that never heard of seq 1 applies its own seq 2 first …
    const state = new RevocationState();
    state.apply(own.record);
    expect(state.status().lastSeq).toBe(0);
    // … so a catch-up from its position still finds seq 1.
    const caughtUp = await RevocationState.open(store);
    expect(
      caughtUp.check({
        tokens: [{ index: 0, jti: "jti-missed", hash: "sha256:x", issuer: "i", holder: "h" }],
      })?.target,
    ).toEqual(missed.record.target);
    await caughtUp.close();
  });

  it("cascades: revoking a parent's holder denies every descendant, recorded or not", () => {
    const state = new RevocationState();
    state.apply(record(1, "agent", "urn:jwk:planner", { reason: "compromised" }));
    // planner holds token 1 and issued token 2: the first hit is token 1.
    expect(state.check({ tokens: chain() })).toEqual({
      index: 1,
      target: { kind: "agent", id: "urn:jwk:planner" },
      reason: "compromised",
    });
  });

  it("returns the first hit by chain index, whatever was revoked first", () => {
    const state = new RevocationState();
    state.apply(record(1, "token", "jti-3"));
    state.apply(record(2, "agent", "urn:jwk:researcher"));
    expect(state.check({ tokens: chain() })).toMatchObject({ index: 2, target: { kind: "agent" } });
    state.apply(record(3, "intent", "intent-1"));
    expect(state.check({ tokens: chain(), intent: "intent-1" })).toMatchObject({
      index: 0,
      target: { kind: "intent", id: "intent-1" },
    });
  });

  it("checks an issuer that is not the parent's holder", () => {
    const state = new RevocationState();
    state.apply(record(1, "agent", "urn:jwk:stranger"));
    const tokens = chain();
    const third = tokens[2];
    if (third) third.issuer = "urn:jwk:stranger";
    expect(state.check({ tokens })).toEqual({ index: 2, target: { kind: "agent", id: "urn:jwk:stranger" } });
  });

  it("does not confuse kinds: an intent id revoked is not a token id", () => {
    const state = new RevocationState();
    state.apply(record(1, "intent", "jti-1"));
    expect(state.check({ tokens: chain() })).toBeNull();
  });

  it("prunes expired token entries and keeps the rest", () => {
    const state = new RevocationState();
    state.apply(record(1, "token", "jti-0", { tokenExp: 100 }));
    state.apply(record(2, "token", "jti-1", { tokenExp: 1000 }));
    state.apply(record(3, "agent", "urn:jwk:mallory"));
    expect(state.prune({ now: 500, skew: 30 })).toBe(1);
    expect(state.size).toBe(2);
    expect(state.check({ tokens: chain() })).toMatchObject({ index: 1 });
  });

  it("a detached set is its own source of truth and never stale", () => {
    expect(new RevocationState().freshness()).toEqual({ stale: false, ageMs: 0 });
  });
});

/** A store whose feed the test drives: fetch fails while `down` is set. */
function drivableStore(backing: MemoryStore) {
  const control = { down: false, events: null as RevocationFeedEvents | null, closed: 0 };
  const store = {
    openRevocationFeed(events: RevocationFeedEvents) {
      control.events = events;
      queueMicrotask(() => events.onConnect());
      return {
        fetch: async (afterSeq: number, limit: number) => {
          if (control.down) throw new Error("connection refused");
          return backing.listRevocations({ afterSeq, limit });
        },
        close: async () => {
          control.closed += 1;
        },
      };
    },
  } as unknown as Store;
  return { store, control };
}

describe("RevocationState freshness", () => {
  it("goes stale once the feed has been lost for longer than maxStaleness, and recovers after a catch-up", async () => {
    const backing = new MemoryStore();
    const { store, control } = drivableStore(backing);
    let now = 1_000_000;
    const state = await RevocationState.open(store, {
      maxStalenessMs: 5000,
      heartbeatMs: 60_000,
      clock: () => now,
    });
    expect(state.freshness()).toEqual({ stale: false, ageMs: 0 });

    control.down = true;
    control.events?.onDisconnect(new Error("terminated"));
    await backing.addRevocation({ target: { kind: "agent", id: "urn:jwk:mallory" } });
    now += 5000;
    expect(await state.sync()).toBe(false);
    expect(state.freshness()).toEqual({ stale: false, ageMs: 5000 });
    now += 1;
    expect(state.freshness()).toEqual({ stale: true, ageMs: 5001 });
    expect(state.status()).toMatchObject({
      connected: false,
      disconnects: 1,
      lastError: "connection refused",
    });

    control.down = false;
    control.events?.onConnect();
    expect(await waitFor(() => !state.freshness().stale)).toBe(true);
    expect(state.check({ tokens: chain() })).toMatchObject({ index: 3, target: { id: "urn:jwk:mallory" } });
    expect(state.status()).toMatchObject({ connected: true, lastSeq: 1 });
    await state.close();
    expect(control.closed).toBe(1);
    expect(state.freshness().stale).toBe(true);
  });

  it("denies a signalled revocation at once, but only a catch-up moves lastSeq", async () => {
    const { store, control } = drivableStore(new MemoryStore());
    const state = await RevocationState.open(store, { heartbeatMs: 60_000 });
    control.down = true;
    control.events?.onChange(7, { seq: 7, target: { kind: "token", id: "jti-1" }, reason: "leaked" });
    expect(state.check({ tokens: chain() })).toEqual({
      index: 1,
      target: { kind: "token", id: "jti-1" },
      reason: "leaked",
    });
    expect(state.lastSeq).toBe(0);
    await state.close();
  });

  it("catches up on a change signal without waiting for the heartbeat", async () => {
    const backing = new MemoryStore();
    const state = await RevocationState.open(backing, { heartbeatMs: 60_000 });
    await backing.addRevocation({ target: { kind: "token", id: "jti-1" } });
    expect(await waitFor(() => state.check({ tokens: chain() }) !== null, 50, 5)).toBe(true);
    await state.close();
  });

  it("loads a set larger than one page", async () => {
    const backing = new MemoryStore();
    for (let i = 0; i < 25; i++) await backing.addRevocation({ target: { kind: "token", id: `t-${i}` } });
    const state = await RevocationState.open(backing, { pageSize: 10 });
    expect(state.size).toBe(25);
    expect(state.lastSeq).toBe(25);
    await state.close();
  });

  it("refuses to open when the first load fails within the start timeout", async () => {
    const { store, control } = drivableStore(new MemoryStore());
    control.down = true;
    await expect(RevocationState.open(store, { startTimeoutMs: 100, heartbeatMs: 20 })).rejects.toThrow(
      /could not load within 100 ms: connection refused/,
    );
    expect(control.closed).toBe(1);
  });
});
