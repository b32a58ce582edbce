/**
 * Opening the trust facade on a local database for the local {@link Backend}: the same
 * configuration the service would load (`--config`, `BATON_*`), with `--db`, `--trust` and the
 * command's own flags on top.
 */
import { existsSync } from "node:fs";
import { type BatonConfig, ConfigError, loadConfig } from "../config/index.ts";
import { Trust, type TrustOptions } from "../trust.ts";
import { type ParsedArgs, str } from "./command.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

/** Options every local-database command takes. */
export const LOCAL_DB_OPTIONS = {
  db: {
    type: "string",
    value: "PATH",
    description: "the local SQLite database (default: configured, ./data/baton.db)",
  },
  config: {
    type: "string",
    value: "FILE",
    description: "service config file (store, trust anchors, admin keys)",
  },
} as const;

export interface ConfigExtras {
  server?: Record<string, unknown>;
  /** Top-level configuration fields set by the command's flags (they win over file and env). */
  top?: Record<string, unknown>;
  /** Use an in-process store that keeps nothing (`memory:`) unless --db or --config names one. */
  ephemeralUnlessDb?: boolean;
}

/** Loads the configuration from flags and environment; config errors are usage errors (exit 2). */
export function configFrom(args: ParsedArgs, ctx: CliContext, extra: ConfigExtras = {}): BatonConfig {
  const db = str(args, "db");
  const configPath = str(args, "config");
  const trust = extra.top?.trustAnchors !== undefined ? undefined : str(args, "trust");
  const ephemeral = extra.ephemeralUnlessDb === true && db === undefined && configPath === undefined;
  try {
    return loadConfig({
      env: ctx.env,
      ...(configPath !== undefined ? { configPath } : {}),
      ...(trust !== undefined ? { trustAnchorsPath: trust } : {}),
      overrides: {
        ...extra.top,
        ...(db !== undefined ? { store: { path: db, url: undefined } } : {}),
        ...(ephemeral ? { store: { url: "memory:", path: undefined } } : {}),
        ...(extra.server ? { server: extra.server } : {}),
      },
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`invalid configuration: ${e.issues.join("; ")}`);
    throw e;
  }
}

export interface OpenLocalTrustOptions {
  ephemeralUnlessDb?: boolean;
  /** Create the SQLite file when it does not exist. */
  create?: boolean;
  overrides?: Record<string, unknown>;
  trustOptions?: Partial<TrustOptions>;
}

/**
 * Opens the facade on an EXISTING local database (a read, a verification or a revocation must not
 * create an empty one by accident), or on an in-process store (`ephemeralUnlessDb`). The caller
 * closes it.
 */
export async function openLocalTrust(
  args: ParsedArgs,
  ctx: CliContext,
  options: OpenLocalTrustOptions = {},
): Promise<Trust> {
  const config = configFrom(args, ctx, {
    ...(options.overrides ? { top: options.overrides } : {}),
    ...(options.ephemeralUnlessDb ? { ephemeralUnlessDb: true } : {}),
  });
  if (config.store.url === undefined && options.create !== true) {
    const path = config.store.path ?? "./data/baton.db";
    if (!existsSync(path))
      throw new UsageError(`no Baton database at ${path} (pass --db PATH or --server URL)`);
  }
  try {
    return await Trust.open(config, options.trustOptions);
  } catch (e) {
    throw new UsageError(`cannot open the database: ${(e as Error).message}`);
  }
}

/** Refuses `--server` together with local-database flags. */
export function oneSource(args: ParsedArgs): "server" | "local" {
  const server = str(args, "server") !== undefined;
  if (server && ["db", "config", "trust"].some((k) => str(args, k) !== undefined)) {
    throw new UsageError("pass either --server URL or local options (--db, --config, --trust), not both");
  }
  return server ? "server" : "local";
}
