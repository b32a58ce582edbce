/**
 * Issue 9 item 2: `/v1/events` bounds its work per stream and in all — a global and a per-caller
 * stream cap, slow readers dropped once their queue passes a bound, fixed-size de-duplication
 * keys, and the server's requestTimeout / maxConnections set. Real listeners and raw sockets.
 */
import { connect, type Socket } from "node:net";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { EventBus, type GraphEvent } from "../../src/graph/events.ts";
import { buildApp } from "../../src/service/app.ts";
import { addressKey, defaultCallerOf, type EventStreamLimits } from "../../src/service/routes/events.ts";
import { type Harness, openTrust } from "../trust/fixtures.ts";

let h: Harness | undefined;
let app: FastifyInstance | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  await h?.close();
  app = undefined;
  h = undefined;
});

async function start(sse: EventStreamLimits, extra: { maxConnections?: number } = {}) {
  h = await openTrust("memory");
  const bus = new EventBus();
  app = await buildApp(h.trust, {
    logger: false,
    rateLimit: false,
    ...extra,
    graph: {
      events: bus,
      pollIntervalMs: 0,
      ui: false,
      sse,
      // Tests name their caller in a header; the default is the identity, else the address.
      callerOf: (r: FastifyRequest) => String(r.headers["x-test-caller"] ?? r.ip),
    },
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = new URL(url);
  return { url, port: Number(port), bus };
}

/** Opens a stream on a raw socket that never reads (after the response head, optionally). */
function rawStream(port: number, caller: string): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    let head = "";
    socket.setEncoding("latin1");
    socket.on("error", () => {});
    socket.once("connect", () => {
      socket.write(
        `GET /v1/events HTTP/1.1\r\nhost: x\r\nx-test-caller: ${caller}\r\naccept: text/event-stream\r\n\r\n`,
      );
    });
    const onData = (chunk: string) => {
      head += chunk;
      if (head.includes("\r\n\r\n")) {
        socket.off("data", onData);
        socket.pause(); // the slow reader: from now on nothing is read
        resolve({ socket, head });
      }
    };
    socket.on("data", onData);
    socket.once("close", () => resolve({ socket, head }));
    setTimeout(() => reject(new Error("no response head")), 5000).unref();
  });
}

async function status(
  url: string,
  caller: string,
): Promise<{ status: number; body: Record<string, unknown>; retry: string | null }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/events`, {
    headers: { "x-test-caller": caller },
    signal: controller.signal,
  });
  if (res.status === 200) {
    controller.abort();
    return { status: 200, body: {}, retry: null };
  }
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    retry: res.headers.get("retry-after"),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connections(a: FastifyInstance): Promise<number> {
  return new Promise((resolve, reject) =>
    a.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

describe("GET /v1/events limits (issue 9 item 2)", () => {
  it("refuses a caller beyond its cap with 429 and everyone beyond the global cap with 503", async () => {
    const { url, port } = await start({ maxStreams: 3, maxStreamsPerCaller: 2 });
    await rawStream(port, "alice");
    await rawStream(port, "alice");
    const third = await status(url, "alice");
    expect(third).toMatchObject({ status: 429, body: { code: "too_many_streams" }, retry: "5" });
    const bob = await rawStream(port, "bob");
    expect(bob.head).toMatch(/^HTTP\/1\.1 200/);
    const carol = await status(url, "carol");
    expect(carol).toMatchObject({ status: 503, body: { code: "streams_exhausted" }, retry: "5" });
    // Closing a stream frees its slot, globally and for its caller.
    bob.socket.destroy();
    await sleep(100);
    expect((await status(url, "carol")).status).toBe(200);
  });

  it("drops 20 slow (non-reading) clients once their queues pass the bound; memory stays bounded", async () => {
    const maxBufferedBytes = 256 * 1024;
    const { port, bus } = await start({ maxStreams: 50, maxStreamsPerCaller: 50, maxBufferedBytes });
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => rawStream(port, `slow-${i}`)));
    for (const c of clients) expect(c.head).toMatch(/^HTTP\/1\.1 200/);
    expect(await connections(app as FastifyInstance)).toBe(20);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    let peak = { rss: 0, heap: 0 };
    const sample = () => {
      const m = process.memoryUsage();
      peak = {
        rss: Math.max(peak.rss, m.rss - before.rss),
        heap: Math.max(peak.heap, m.heapUsed + m.external - before.heapUsed - before.external),
      };
    };
    // 300 events of ≈ 32 KiB each (long attacker-chosen jtis): ≈ 9.6 MB for every stream, 190 MB
    // for the 20 of them if queues were unbounded.
    const big = "j".repeat(32 * 1024);
    for (let i = 0; i < 300; i++) {
      const e: GraphEvent = {
        type: "decision",
        at: Date.now(),
        allow: false,
        code: "bad_signature",
        jtis: [`${big}${i}`],
      };
      bus.publish(e);
      if (i % 25 === 0) {
        sample();
        await sleep(5);
      }
    }
    sample();
    await sleep(200);
    sample();
    const mb = (n: number) => (n / 1_048_576).toFixed(1);
    console.info(
      `SSE memory with 20 slow clients: peak rss +${mb(peak.rss)} MB, peak heapUsed+external +${mb(peak.heap)} MB; open connections ${await connections(app as FastifyInstance)}/20`,
    );
    // Every slow reader was dropped, and its queue freed.
    expect(await connections(app as FastifyInstance)).toBe(0);
    // Bound: 20 × 256 KiB of queue plus kernel buffers is ≈ 5 MB; unbounded it would be ≈ 190 MB.
    expect(peak.heap).toBeLessThan(64 * 1_048_576);
  });

  it("drops a reader that stays under back-pressure without draining", async () => {
    const { port, bus } = await start({ maxBufferedBytes: 64 * 1_048_576, stallMs: 200 });
    await rawStream(port, "slow");
    // Fill the socket's kernel buffers so that write() reports back-pressure, far below the byte bound.
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; i < 256; i++)
      bus.publish({ type: "revocation", at: i, target: { kind: "token", id: `${chunk}${i}` } });
    expect(await connections(app as FastifyInstance)).toBe(1);
    // 16 MiB queued, under the 64 MiB bound: only the stall timer can drop it.
    const deadline = Date.now() + 3000;
    while ((await connections(app as FastifyInstance)) > 0 && Date.now() < deadline) await sleep(50);
    expect(await connections(app as FastifyInstance)).toBe(0);
  });

  it("de-duplicates with fixed-size keys however long the event's ids are", async () => {
    const { url, bus } = await start({});
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/events`, { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const long = "k".repeat(100_000);
    const event: GraphEvent = { type: "revocation", at: 1, target: { kind: "token", id: long } };
    bus.publish(event);
    bus.publish({ ...event, at: 2 }); // the same happening again: not sent twice
    bus.publish({ type: "revocation", at: 3, target: { kind: "agent", id: "a" } });
    let text = "";
    const decoder = new TextDecoder();
    while (!text.includes('"id":"a"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    expect(text.match(/event: revocation/g)).toHaveLength(2);
  });

  it("sets requestTimeout and maxConnections on the server", async () => {
    const { port } = await start({}, { maxConnections: 3 });
    const a = app as FastifyInstance;
    expect(a.server.requestTimeout).toBe(30_000);
    expect(a.server.maxConnections).toBe(3);
    for (let i = 0; i < 3; i++) await rawStream(port, `c${i}`);
    // The fourth socket is closed by Node at once, before any response.
    const fourth = await rawStream(port, "c3");
    expect(fourth.head).toBe("");
  });

  it("names the caller by its authenticated identity when there is one, else by its address", () => {
    const bare = { ip: "10.0.0.7" } as FastifyRequest;
    expect(defaultCallerOf(bare)).toBe("ip:10.0.0.7");
    const authed = { ip: "10.0.0.7", caller: { id: "key_123" } } as unknown as FastifyRequest;
    expect(defaultCallerOf(authed)).toBe("id:key_123");
  });

  it("review (low): keys an IPv6 caller by its /64, so one host's many addresses share one cap", () => {
    const ip = (a: string) => defaultCallerOf({ ip: a } as unknown as FastifyRequest);
    expect(ip("2001:db8:1:2:aaaa::1")).toBe("ip:2001:db8:1:2::/64");
    expect(ip("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("ip:2001:db8:1:2::/64");
    expect(ip("2001:db8:1:3::1")).toBe("ip:2001:db8:1:3::/64");
    expect(ip("::1")).toBe("ip:0:0:0:0::/64");
    expect(ip("fe80::1%eth0")).toBe("ip:fe80:0:0:0::/64");
    expect(ip("::ffff:10.0.0.7")).toBe("ip:10.0.0.7");
    expect(ip("10.0.0.7")).toBe("ip:10.0.0.7");
    expect(addressKey("64:ff9b::192.0.2.1")).toBe("64:ff9b:0:0::/64");
  });

  it("reads the limits from the configuration and BATON_* variables", () => {
    const d = loadConfig({ env: {} }).server;
    expect(d).toMatchObject({
      requestTimeoutMs: 30_000,
      maxConnections: 1024,
      sse: { maxStreams: 100, maxStreamsPerCaller: 8, maxBufferedBytes: 1_048_576 },
    });
    const file = JSON.stringify({ server: { sse: { maxBufferedBytes: 65_536 }, requestTimeoutMs: 5000 } });
    const c = loadConfig({
      env: {
        BATON_CONFIG: "c.json",
        BATON_SSE_MAX_STREAMS: "10",
        BATON_SSE_MAX_STREAMS_PER_CALLER: "2",
        BATON_MAX_CONNECTIONS: "64",
      },
      readFile: () => file,
    }).server;
    expect(c).toMatchObject({
      requestTimeoutMs: 5000,
      maxConnections: 64,
      sse: { maxStreams: 10, maxStreamsPerCaller: 2, maxBufferedBytes: 65_536 },
    });
    expect(() => loadConfig({ env: { BATON_SSE_MAX_STREAMS: "many" } })).toThrow(
      /BATON_SSE_MAX_STREAMS: "many"/,
    );
  });
});
