/**
 * Opening the trust facade on a local database for `revoke --db` and `audit … --db`: the same
 * configuration the service would load (`--config`, `BATON_*`), with `--db` and `--trust` on top.
 */
import { existsSync } from "node:fs";
import { type BatonConfig, ConfigError, loadConfig } from "../config/index.ts";
import { Trust } from "../trust/index.ts";
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

/** Loads the configuration from flags and environment; config errors are usage errors (exit 2). */
export function configFrom(
  args: ParsedArgs,
  ctx: CliContext,
  extra: { server?: Record<string, unknown>; top?: Record<string, unknown> } = {},
): BatonConfig {
  const db = str(args, "db");
  const configPath = str(args, "config");
  const trust = str(args, "trust");
  try {
    return loadConfig({
      env: ctx.env,
      ...(configPath !== undefined ? { configPath } : {}),
      ...(trust !== undefined ? { trustAnchorsPath: trust } : {}),
      overrides: {
        ...extra.top,
        ...(db !== undefined ? { store: { path: db } } : {}),
        ...(extra.server ? { server: extra.server } : {}),
      },
    });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`invalid configuration: ${e.issues.join("; ")}`);
    throw e;
  }
}

/**
 * Opens the facade on an EXISTING local database (a read or a revocation must not create an empty
 * one by accident). The caller closes it.
 */
export async function openLocalTrust(args: ParsedArgs, ctx: CliContext): Promise<Trust> {
  const config = configFrom(args, ctx);
  if (config.store.url === undefined) {
    const path = config.store.path ?? "./data/baton.db";
    if (!existsSync(path))
      throw new UsageError(`no Baton database at ${path} (pass --db PATH or --server URL)`);
  }
  try {
    return await Trust.open(config);
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
