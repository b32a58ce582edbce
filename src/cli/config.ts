/**
 * The configuration a local command works with: the same the service would load (`--config`,
 * `BATON_*`), with `--db`, `--trust` and the command's own flags on top.
 */
import { type BatonConfig, ConfigError, loadConfig } from "../config/index.ts";
import { type ParsedArgs, str } from "./command.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

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
