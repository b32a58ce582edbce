/**
 * Opening the trust facade on a local database for the local {@link Backend} (`backend-local.ts`),
 * configured as the service would be (`config.ts`).
 */
import { existsSync } from "node:fs";
import { Trust, type TrustOptions } from "../trust/index.ts";
import type { ParsedArgs } from "./command.ts";
import { configFrom } from "./config.ts";
import type { CliContext } from "./context.ts";
import { UsageError } from "./errors.ts";

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
