import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError, checkServiceAudience, isLoopbackHost, parseConfig } from "../../src/config/schema.ts";
import { NO_ANCHORS_HINT, type RunningServer, startServer } from "../../src/service/server.ts";
import { ARGS, delegation, present, testConfig } from "../trust/fixtures.ts";

describe("startServer on 127.0.0.1, port 0", () => {
  let dir: string;
  let server: RunningServer | null = null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "baton-server-"));
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () =>
    testConfig({ store: { path: join(dir, "baton.db") }, server: { port: 0, logLevel: "silent" } });

  it("serves real HTTP: health, verify, problems", async () => {
    server = await startServer(config(), { signals: false, logger: false });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });

    const now = Math.floor(Date.now() / 1000);
    const chain = delegation(3, { now });
    const res = await fetch(`${server.url}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...present(chain, { now }), tool: "search", args: ARGS }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ allow: true, code: "permitted" });

    const dup = await fetch(`${server.url}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"tool":"a","tool":"b"}',
    });
    expect(dup.status).toBe(400);
    expect(dup.headers.get("content-type")).toContain("application/problem+json");
    expect(await dup.json()).toMatchObject({ code: "malformed_json" });

    const docs = await fetch(`${server.url}/docs`);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(await docs.text()).toContain("swagger-ui");
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("finishes in-flight requests on close, then stops accepting", async () => {
    server = await startServer(config(), { signals: false, logger: false });
    const url = server.url;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const original = server.trust.checkAudit.bind(server.trust);
    server.trust.checkAudit = async () => {
      entered();
      await gate;
      return original();
    };
    const inFlight = fetch(`${url}/v1/audit/check`);
    await inHandler;
    const closing = server.close();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true });
    await closing;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    server = null;
  });

  it("starts with no configuration at all: hint logged, every verify denied with a clear message", async () => {
    const lines: string[] = [];
    const c = loadConfig({
      env: {},
      overrides: { store: { path: join(dir, "baton.db") }, server: { port: 0 } },
    });
    expect(c.trustAnchors).toEqual([]);
    server = await startServer(c, {
      signals: false,
      logger: { level: "info", stream: { write: (l) => void lines.push(l) } },
    });
    const messages = lines.map((l) => (JSON.parse(l) as { msg?: string }).msg);
    expect(messages.filter((m) => m === NO_ANCHORS_HINT)).toHaveLength(1);
    const now = Math.floor(Date.now() / 1000);
    const res = await fetch(`${server.url}/v1/verify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...present(delegation(2, { now }), { now }), tool: "search", args: ARGS }),
    });
    const body = (await res.json()) as { allow: boolean; message: string };
    expect(body.allow).toBe(false);
    expect(body.message).toContain("no trust anchors configured");
  });

  describe("review finding 6: an explicit audience on a host others can reach", () => {
    const anchorsOnly = (host: string, extra: Record<string, unknown> = {}) =>
      parseConfig({
        trustAnchors: testConfig().trustAnchors,
        store: { path: join(dir, "baton.db") },
        server: { host, port: 0, logLevel: "silent" },
        ...extra,
      });

    it("refuses to start on 0.0.0.0 with trust anchors and a defaulted audience, naming audience/--aud/BATON_AUDIENCE", async () => {
      const c = anchorsOnly("0.0.0.0");
      expect(c.audienceDefaulted).toBe(true);
      const started = startServer(c, { signals: false, logger: false });
      await expect(started).rejects.toBeInstanceOf(ConfigError);
      await expect(started).rejects.toThrow(/audience.*--aud.*BATON_AUDIENCE/s);
      // Admin keys alone count too; nothing listens.
      const admins = parseConfig({
        adminKeys: testConfig().adminKeys,
        store: { path: join(dir, "baton.db") },
        server: { host: "::", port: 0 },
      });
      expect(() => checkServiceAudience(admins)).toThrow(ConfigError);
    });

    it("starts on 0.0.0.0 once an audience is given (config, --aud or BATON_AUDIENCE)", async () => {
      expect(
        checkServiceAudience(anchorsOnly("0.0.0.0", { audience: "https://tools.acme.example" })),
      ).toBeNull();
      const fromEnv = loadConfig({
        env: { BATON_AUDIENCE: "https://tools.acme.example", BATON_HOST: "0.0.0.0" },
        overrides: { trustAnchors: testConfig().trustAnchors, store: { path: join(dir, "baton.db") } },
      });
      expect(fromEnv.audienceDefaulted).toBeUndefined();
      expect(checkServiceAudience(fromEnv)).toBeNull();
    });

    it("on loopback with a defaulted audience, starts and logs a warning", async () => {
      const lines: string[] = [];
      const c = anchorsOnly("127.0.0.1");
      server = await startServer(c, {
        signals: false,
        logger: { level: "info", stream: { write: (l) => void lines.push(l) } },
      });
      const warnings = lines
        .map((l) => JSON.parse(l) as { level: number; msg?: string })
        .filter((l) => l.level === 40 && l.msg?.startsWith("no explicit audience"));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toContain("BATON_AUDIENCE");
      expect(["localhost", "127.0.0.2", "::1", "[::1]"].every(isLoopbackHost)).toBe(true);
      expect(["0.0.0.0", "::", "10.0.0.1", "tools.example"].some(isLoopbackHost)).toBe(false);
    });
  });
});
