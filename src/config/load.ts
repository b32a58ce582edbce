/**
 * Loads the configuration: defaults, then a JSON config file, then `BATON_*` environment
 * variables, then explicit overrides (CLI flags). Every file is read as strict JSON.
 *
 * | variable               | meaning                                                    |
 * |------------------------|------------------------------------------------------------|
 * | `BATON_CONFIG`         | path of the JSON config file                               |
 * | `BATON_TRUST_ANCHORS`  | path of an anchors file `[{"issuer", "jwk"}]`              |
 * | `BATON_AUDIENCE`       | this enforcement point's id (comma-separated for several)  |
 * | `BATON_DATABASE_URL`   | `postgres://…` (shared state for several nodes)            |
 * | `BATON_DB_PATH`        | SQLite file, default `./data/baton.db`                     |
 * | `BATON_HOST`           | listen address, default `127.0.0.1`                        |
 * | `BATON_PORT`           | listen port, default `7420`                                |
 * | `BATON_APPROVAL_THRESHOLD` | distinct approvers a step-up approval needs, default 1 |
 * | `BATON_SSE_MAX_STREAMS` | open `/v1/events` streams in all, default 100             |
 * | `BATON_SSE_MAX_STREAMS_PER_CALLER` | open `/v1/events` streams per caller, default 8 |
 * | `BATON_MAX_CONNECTIONS` | open sockets the server accepts, default 1024            |
 *
 * With nothing set at all the service still starts: an empty anchor set (every verify denies,
 * saying so), audience `http://127.0.0.1:7420`, SQLite at `./data/baton.db`. The only secret
 * generated is the node key that signs audit checkpoints (`./data/node.key`, mode 0600).
 *
 * @example
 * const config = loadConfig({ env: process.env, trustAnchorsPath: flags.trust });
 */
import { readFileSync } from "node:fs";
import { parseStrictJson } from "../core/json/strict-json.ts";
import { type BatonConfig, ConfigError, type ConfigInput, parseConfig } from "./schema.ts";

export interface LoadConfigOptions {
  /** Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Config file path; overrides `BATON_CONFIG`. */
  configPath?: string;
  /** Anchors file (`--trust`); overrides `BATON_TRUST_ANCHORS` and the file's `trustAnchors`. */
  trustAnchorsPath?: string;
  /** Applied last (CLI flags): top-level fields replace, `store` and `server` merge. */
  overrides?: ConfigInput;
  /** Default: `readFileSync(path, "utf8")`. */
  readFile?: (path: string) => string;
}

/** Builds and validates the configuration; throws {@link ConfigError} naming every bad field. */
export function loadConfig(options: LoadConfigOptions = {}): BatonConfig {
  const env = options.env ?? process.env;
  const read = options.readFile ?? ((p: string) => readFileSync(p, "utf8"));
  const issues: string[] = [];

  const configPath = options.configPath ?? nonEmpty(env.BATON_CONFIG);
  let raw: Record<string, unknown> = {};
  if (configPath !== undefined) {
    const file = readJson(read, configPath, "config file");
    if (!file.ok) throw new ConfigError([file.message]);
    if (file.value === null || typeof file.value !== "object" || Array.isArray(file.value)) {
      throw new ConfigError([`config file ${configPath}: must hold a JSON object`]);
    }
    raw = { ...(file.value as Record<string, unknown>) };
  }
  const store = { ...asObject(raw.store) };
  const server = { ...asObject(raw.server) };

  const anchorsPath = options.trustAnchorsPath ?? nonEmpty(env.BATON_TRUST_ANCHORS);
  if (anchorsPath !== undefined) {
    const file = readJson(read, anchorsPath, "trust anchors file");
    if (!file.ok) issues.push(file.message);
    else if (!Array.isArray(file.value)) {
      issues.push(`trust anchors file ${anchorsPath}: must hold a JSON array [{"issuer", "jwk"}]`);
    } else raw.trustAnchors = file.value;
  }
  const audience = nonEmpty(env.BATON_AUDIENCE);
  if (audience !== undefined) {
    const list = audience
      .split(",")
      .map((a) => a.trim())
      .filter((a) => a.length > 0);
    raw.audience = list.length === 1 ? list[0] : list;
  }
  const url = nonEmpty(env.BATON_DATABASE_URL);
  if (url !== undefined) store.url = url;
  const path = nonEmpty(env.BATON_DB_PATH);
  if (path !== undefined) store.path = path;
  const host = nonEmpty(env.BATON_HOST);
  if (host !== undefined) server.host = host;
  const port = nonEmpty(env.BATON_PORT);
  if (port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65_535) {
      issues.push(`BATON_PORT: "${port}" is not a port number (0–65535)`);
    } else server.port = Number(port);
  }
  const threshold = nonEmpty(env.BATON_APPROVAL_THRESHOLD);
  if (threshold !== undefined) {
    if (!/^[1-9][0-9]?$/.test(threshold)) {
      issues.push(`BATON_APPROVAL_THRESHOLD: "${threshold.slice(0, 40)}" is not a whole number from 1 to 16`);
    } else raw.approvalThreshold = Number(threshold);
  }
  const sse = { ...asObject(server.sse) };
  for (const [name, key] of [
    ["BATON_SSE_MAX_STREAMS", "maxStreams"],
    ["BATON_SSE_MAX_STREAMS_PER_CALLER", "maxStreamsPerCaller"],
  ] as const) {
    const v = nonEmpty(env[name]);
    if (v === undefined) continue;
    if (!/^[0-9]{1,6}$/.test(v)) issues.push(`${name}: "${v.slice(0, 40)}" is not a whole number`);
    else sse[key] = Number(v);
  }
  if (Object.keys(sse).length > 0) server.sse = sse;
  const maxConnections = nonEmpty(env.BATON_MAX_CONNECTIONS);
  if (maxConnections !== undefined) {
    if (!/^[0-9]{1,6}$/.test(maxConnections)) {
      issues.push(`BATON_MAX_CONNECTIONS: "${maxConnections.slice(0, 40)}" is not a whole number`);
    } else server.maxConnections = Number(maxConnections);
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const o = options.overrides ?? {};
  const merged: Record<string, unknown> = {
    ...raw,
    ...o,
    store: { ...store, ...asObject(o.store) },
    server: { ...server, ...asObject(o.server) },
  };
  return parseConfig(merged);
}

function readJson(
  read: (path: string) => string,
  path: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, message: `${what} ${path}: cannot be read (${code ?? (e as Error).message})` };
  }
  const parsed = parseStrictJson(text);
  return parsed.ok ? parsed : { ok: false, message: `${what} ${path}: ${parsed.message}` };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
