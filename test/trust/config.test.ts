import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.ts";
import { ConfigError, parseConfig } from "../../src/config/schema.ts";
import { ISSUER, principal } from "./fixtures.ts";

const anchor = { issuer: ISSUER, jwk: principal.publicJwk };

function files(map: Record<string, string>) {
  return (path: string) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    return text;
  };
}

function issuesOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("starts with no configuration at all: no anchors, loopback, default audience, SQLite", () => {
    const c = loadConfig({ env: {} });
    expect(c.trustAnchors).toEqual([]);
    expect(c.audience).toBe("http://127.0.0.1:7420");
    expect(c.server).toMatchObject({ host: "127.0.0.1", port: 7420, bodyLimit: 1_048_576 });
    expect(c.store).toEqual({});
    expect(c.revocation).toEqual({ maxAgeSeconds: 300, delegatorsMayRevokeAgents: false });
  });

  it("reads a config file, then BATON_* variables over it", () => {
    const c = loadConfig({
      env: {
        BATON_CONFIG: "/etc/baton.json",
        BATON_PORT: "8080",
        BATON_HOST: "0.0.0.0",
        BATON_DB_PATH: "/var/lib/baton.db",
        BATON_DATABASE_URL: "postgres://127.0.0.1/test",
        BATON_AUDIENCE: "https://a.example, https://b.example",
      },
      readFile: files({
        "/etc/baton.json": JSON.stringify({
          audience: "https://file.example",
          trustAnchors: [anchor],
          policy: { requirePopAud: true, trackReplay: ["write_*"] },
          server: { port: 9000, rateLimit: { max: 5 } },
        }),
      }),
    });
    expect(c.audience).toEqual(["https://a.example", "https://b.example"]);
    expect(c.server).toMatchObject({
      host: "0.0.0.0",
      port: 8080,
      rateLimit: { max: 5, timeWindowMs: 60_000 },
    });
    expect(c.store).toEqual({ path: "/var/lib/baton.db", url: "postgres://127.0.0.1/test" });
    expect(c.trustAnchors).toEqual([anchor]);
    expect(c.policy).toEqual({ requirePopAud: true, trackReplay: ["write_*"] });
  });

  it("takes the anchors from BATON_TRUST_ANCHORS, and --trust over it", () => {
    const read = files({ "/a.json": JSON.stringify([anchor]), "/b.json": "[]" });
    expect(loadConfig({ env: { BATON_TRUST_ANCHORS: "/a.json" }, readFile: read }).trustAnchors).toHaveLength(
      1,
    );
    expect(
      loadConfig({ env: { BATON_TRUST_ANCHORS: "/a.json" }, trustAnchorsPath: "/b.json", readFile: read })
        .trustAnchors,
    ).toHaveLength(0);
  });

  it("names the file and the reason when a file cannot be read or is not strict JSON", () => {
    expect(issuesOf(() => loadConfig({ configPath: "/missing.json", readFile: files({}) }))[0]).toMatch(
      /config file \/missing\.json: cannot be read \(ENOENT\)/,
    );
    expect(
      issuesOf(() =>
        loadConfig({ configPath: "/dup.json", readFile: files({ "/dup.json": '{"a":1,"a":2}' }) }),
      )[0],
    ).toMatch(/config file \/dup\.json: .*Duplicate key/);
    expect(
      issuesOf(() => loadConfig({ trustAnchorsPath: "/o.json", readFile: files({ "/o.json": "{}" }) }))[0],
    ).toMatch(/must hold a JSON array/);
  });

  it("refuses a bad BATON_PORT by name", () => {
    expect(issuesOf(() => loadConfig({ env: { BATON_PORT: "http" } }))).toEqual([
      'BATON_PORT: "http" is not a port number (0–65535)',
    ]);
  });
});

describe("parseConfig", () => {
  it("gives one message per bad field, naming the field", () => {
    const issues = issuesOf(() =>
      parseConfig({
        trustAnchors: [{ issuer: "", jwk: { kty: "OKP", crv: "Ed25519", x: "AAAA" } }],
        adminKeys: [principal.toPrivateJwk()],
        limits: { maxDelegationDepth: 3 },
        server: { port: 70_000 },
        colour: "blue",
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^trustAnchors\.0\.issuer: /),
        expect.stringMatching(/^trustAnchors\.0\.jwk: is not an acceptable Ed25519 public key/),
        expect.stringMatching(/^adminKeys\.0: is a PRIVATE key/),
        expect.stringMatching(/^limits\.maxDelegationDepth: must be at least 8/),
        expect.stringMatching(/^server\.port: /),
        '(config): unknown field "colour"',
      ]),
    );
  });

  it("keeps only the public members of a JWK", () => {
    const c = parseConfig({
      trustAnchors: [{ issuer: ISSUER, jwk: { ...principal.publicJwk, kid: "k1", alg: "Ed25519" } }],
    });
    expect(c.trustAnchors[0]!.jwk).toEqual(principal.publicJwk);
  });

  it("derives the default audience from host and port", () => {
    expect(parseConfig({ server: { port: 9999 } }).audience).toBe("http://127.0.0.1:9999");
  });
});
