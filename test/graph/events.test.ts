import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { EventBus, eventKey, type GraphEvent } from "../../src/graph/events.ts";
import { lastPosition, StorePoller } from "../../src/graph/poll.ts";
import { MemoryStore } from "../../src/store/memory.ts";
import { graphApp } from "./app.ts";
import { INTENT, NOW, type Scenario, seedScenario } from "./scenario.ts";

/** Reads Server-Sent Events from a URL until `done` says so (or the deadline passes). */
async function readEvents(
  url: string,
  done: (events: { event: string; data: GraphEvent }[]) => boolean,
  onOpen?: () => Promise<void> | void,
  timeoutMs = 8000,
): Promise<{ event: string; data: GraphEvent }[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: { event: string; data: GraphEvent }[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { accept: "text/event-stream" } });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let opened = false;
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      buffer += decoder.decode(value, { stream: true });
      let cut = buffer.indexOf("\n\n");
      while (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        cut = buffer.indexOf("\n\n");
        if (block.startsWith(": connected") && !opened) {
          opened = true;
          await onOpen?.();
        }
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as GraphEvent });
      }
      if (done(events)) break;
    }
    await reader.cancel().catch(() => {});
  } catch (e) {
    if ((e as Error).name !== "AbortError") throw e;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe("EventBus", () => {
  it("delivers to every subscriber until it unsubscribes, and isolates a throwing one", () => {
    const errors: unknown[] = [];
    const bus = new EventBus({ onError: (e) => errors.push(e) });
    const got: string[] = [];
    bus.subscribe(() => {
      throw new Error("boom");
    });
    const stop = bus.subscribe((e) => got.push(e.type));
    const event: GraphEvent = { type: "revocation", at: 1, target: { kind: "agent", id: "x" } };
    bus.publish(event);
    stop();
    bus.publish(event);
    expect(got).toEqual(["revocation"]);
    expect(errors).toHaveLength(2); // the throwing subscriber is still subscribed
    expect(bus.size).toBe(1);
  });

  it("keys one happening the same whether published or polled", () => {
    const a: GraphEvent = {
      type: "decision",
      at: 1_000_100,
      allow: false,
      code: "revoked",
      tool: "t",
      jtis: ["a", "b"],
    };
    const b: GraphEvent = { ...a, at: 1_000_900, auditId: 7 };
    expect(eventKey(a)).toBe(eventKey(b));
    expect(eventKey({ type: "revocation", at: 1, target: { kind: "token", id: "j" } })).toBe(
      "revocation|token|j",
    );
  });
});

describe("StorePoller", () => {
  it("finds the last position with few reads", async () => {
    let reads = 0;
    const last = 123_457;
    const at = await lastPosition(async (after) => {
      reads += 1;
      return after < last;
    });
    expect(at).toBe(last);
    expect(reads).toBeLessThan(40);
    expect(await lastPosition(async () => false)).toBe(0);
  });

  it("turns new audit decisions, recorded tokens and revocations into events, not the history", async () => {
    const store = new MemoryStore({ clock: () => NOW * 1000 });
    const s = await seedScenario(store, { revokeFixer: false });
    const poller = new StorePoller(store, { intervalMs: 20 });
    const got: GraphEvent[] = [];
    const stop = poller.subscribe((e) => got.push(e));
    await new Promise((r) => setTimeout(r, 60)); // first tick reads the heads
    await store.addRevocation({ target: { kind: "token", id: s.jti.fix }, reason: "done" });
    await store.appendAudit({
      type: "decision",
      intent: INTENT.id,
      data: { allow: true, code: "permit", jtis: [s.jti.root], tool: "deploy" },
    });
    await store.appendAudit({
      type: "token_recorded",
      intent: INTENT.id,
      agent: "holder-x",
      data: { jti: "j2", hash: "sha256:h" },
    });
    await new Promise((r) => setTimeout(r, 120));
    stop();
    await poller.idle();
    expect(got.map((e) => e.type).sort()).toEqual(["decision", "delegation", "revocation"]);
    expect(got.find((e) => e.type === "delegation")).toMatchObject({
      jti: "j2",
      hash: "sha256:h",
      holder: "holder-x",
      intent: INTENT.id,
    });
    expect(got.find((e) => e.type === "revocation")).toMatchObject({
      target: { kind: "token", id: s.jti.fix },
      reason: "done",
    });
  });
});

describe("GET /v1/events", () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(
    options: { bus?: EventBus; pollIntervalMs?: number } = {},
  ): Promise<{ url: string; store: MemoryStore; s: Scenario }> {
    const store = new MemoryStore({ clock: () => NOW * 1000 });
    const s = await seedScenario(store, { revokeFixer: false });
    app = await graphApp({
      store,
      ...(options.bus ? { events: options.bus } : {}),
      pollIntervalMs: options.pollIntervalMs ?? 50,
      ui: false,
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    return { url, store, s };
  }

  it("streams what the facade publishes on the bus", async () => {
    const bus = new EventBus();
    const { url } = await start({ bus, pollIntervalMs: 0 });
    const events = await readEvents(
      `${url}/v1/events`,
      (e) => e.length >= 1,
      () =>
        bus.publish({
          type: "delegation",
          at: Date.now(),
          intent: INTENT.id,
          jti: "j-new",
          hash: "sha256:x",
        }),
    );
    expect(events[0]).toMatchObject({ event: "delegation", data: { jti: "j-new", intent: INTENT.id } });
  });

  it("streams a revocation made directly in the store, found by polling", async () => {
    const { url, store, s } = await start();
    const events = await readEvents(
      `${url}/v1/events`,
      (e) => e.some((x) => x.event === "revocation"),
      async () => {
        await new Promise((r) => setTimeout(r, 150)); // let the poller read the heads first
        await store.addRevocation({ target: { kind: "token", id: s.jti.research }, reason: "live" });
      },
    );
    expect(events.find((e) => e.event === "revocation")?.data).toMatchObject({
      target: { kind: "token", id: s.jti.research },
      reason: "live",
    });
  });

  it("sends a happening once when both the bus and the store report it", async () => {
    const bus = new EventBus();
    const { url, store, s } = await start({ bus });
    const events = await readEvents(
      `${url}/v1/events`,
      (e) => e.some((x) => x.event === "decision" && x.data.type === "decision" && x.data.tool === "stop"),
      async () => {
        await new Promise((r) => setTimeout(r, 150));
        await store.addRevocation({ target: { kind: "agent", id: "urn:x" } });
        bus.publish({ type: "revocation", at: Date.now(), target: { kind: "agent", id: "urn:x" } });
        await new Promise((r) => setTimeout(r, 300));
        bus.publish({
          type: "decision",
          at: Date.now(),
          intent: INTENT.id,
          allow: true,
          code: "permit",
          tool: "stop",
          jtis: [s.jti.root],
        });
      },
    );
    expect(events.filter((e) => e.event === "revocation")).toHaveLength(1);
  });

  it("keeps only the given intent's decisions and delegations", async () => {
    const bus = new EventBus();
    const { url } = await start({ bus, pollIntervalMs: 0 });
    const events = await readEvents(
      `${url}/v1/events?intent=${INTENT.id}`,
      (e) => e.length >= 2,
      () => {
        bus.publish({ type: "decision", at: 1, intent: "other", allow: true, code: "permit", jtis: ["a"] });
        bus.publish({
          type: "decision",
          at: 2,
          intent: INTENT.id,
          allow: false,
          code: "revoked",
          jtis: ["b"],
        });
        bus.publish({ type: "revocation", at: 3, target: { kind: "intent", id: "other" } });
      },
    );
    expect(events.map((e) => (e.data.type === "decision" ? e.data.intent : e.data.type))).toEqual([
      INTENT.id,
      "revocation",
    ]);
  });

  it("lets the server close while a stream is open", async () => {
    const bus = new EventBus();
    const { url } = await start({ bus, pollIntervalMs: 0 });
    const reading = readEvents(`${url}/v1/events`, () => false, undefined, 5000);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    await app?.close();
    app = undefined;
    expect(Date.now() - t0).toBeLessThan(2000);
    await reading;
    expect(bus.size).toBe(0);
  });
});
