/**
 * The one door from a command to Baton's state: a {@link Backend} is either the local database,
 * reached through the trust facade (`backend-local.ts`), or a running service, reached over HTTP
 * (`backend-remote.ts`). Commands that verify, record, revoke or read the audit log and the graph
 * call these methods and never branch on `--server` themselves, nor open a store.
 *
 * @example
 *   const backend = await openBackend(args, ctx);
 *   try { return render(await backend.verify(call)); } finally { await backend.close(); }
 */
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

/** Refuses `--server` together with local-database flags. */
export function oneSource(args: ParsedArgs): "server" | "local" {
  const server = str(args, "server") !== undefined;
  if (server && ["db", "config", "trust"].some((k) => str(args, k) !== undefined)) {
    throw new UsageError("pass either --server URL or local options (--db, --config, --trust), not both");
  }
  return server ? "server" : "local";
}

export type {
  AuditCheck,
  AuditQuery,
  Backend,
  GraphQuery,
  GraphSubject,
  LocalBackendOptions,
  RecordOutcome,
  RevokeOutcome,
  VerifyCall,
} from "./backend-types.ts";

import type { Backend, LocalBackendOptions } from "./backend-types.ts";

/**
 * The backend the flags name: `--server URL` (refused together with --db, --config or --trust), else
 * the local database. Modules load on demand, so a remote command never opens a database driver.
 */
export async function openBackend(
  args: ParsedArgs,
  ctx: CliContext,
  options: LocalBackendOptions = {},
): Promise<Backend> {
  if (oneSource(args) === "server") {
    const { RemoteBackend } = await import("./backend-remote.ts");
    return new RemoteBackend(str(args, "server") as string);
  }
  const { openLocalBackend } = await import("./backend-local.ts");
  return openLocalBackend(args, ctx, options);
}

/** Runs `fn` with an open backend and closes it afterwards. */
export async function withBackend<T>(
  args: ParsedArgs,
  ctx: CliContext,
  fn: (backend: Backend) => Promise<T>,
  options: LocalBackendOptions = {},
): Promise<T> {
  const backend = await openBackend(args, ctx, options);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}
