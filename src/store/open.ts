/**
 * Picks and opens the store: PostgreSQL for a `postgres://` URL (several nodes sharing state),
 * otherwise the embedded SQLite file (default `./data/baton.db`).
 *
 * @example
 *   const store = await openStore(storeOptionsFromEnv());        // BATON_DATABASE_URL or ./data/baton.db
 *   const test = await openStore({ url: "memory:" });             // in-process, for tests and demos
 */
import { dirname, join } from "node:path";
import { BatonError } from "../core/errors.ts";
import type { CheckpointOptions } from "./checkpoints.ts";
import { MemoryStore } from "./memory.ts";
import { loadNodeKey, NODE_KEY_FILE } from "./node-key.ts";
import { openPostgresStore, type PostgresStoreOptions } from "./postgres.ts";
import { DEFAULT_SQLITE_PATH, openSqliteStore } from "./sqlite.ts";
import type { Store } from "./types.ts";

export interface OpenStoreOptions {
  /** `postgres://…` / `postgresql://…`, or `memory:`. Takes precedence over `path`. */
  url?: string;
  /** SQLite file when no URL is given; default `./data/baton.db`. */
  path?: string;
  /** PostgreSQL schema for the tables (see `PostgresStoreOptions.schema`). */
  schema?: string;
  /** Unix ms, for record timestamps. */
  clock?: () => number;
  /** PostgreSQL only: LISTEN connection options. */
  feed?: PostgresStoreOptions["feed"];
  /** Sign checkpoints of the audit head (see specs/audit.md). Off when absent. */
  checkpoints?: CheckpointSchedule;
}

/** When and with which node key the store signs audit checkpoints. */
export interface CheckpointSchedule extends Omit<CheckpointOptions, "key"> {
  /**
   * The node key file, created mode 0600 when absent. Default: `node.key` in the data directory
   * (beside the SQLite file; `./data` for PostgreSQL). A memory store signs only with a path given.
   */
  nodeKey?: string;
}

/** The node key a schedule names, or null when it names none (a memory store without a path). */
function checkpointOptions(options: OpenStoreOptions, memory: boolean): CheckpointOptions | null {
  const schedule = options.checkpoints;
  if (schedule === undefined) return null;
  const { nodeKey, ...rest } = schedule;
  if (nodeKey === undefined && memory) return null;
  const path = nodeKey ?? join(dirname(options.path ?? DEFAULT_SQLITE_PATH), NODE_KEY_FILE);
  return { ...rest, key: loadNodeKey(path) };
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const { url, clock } = options;
  if (url !== undefined && url !== "") {
    if (/^postgres(ql)?:\/\//i.test(url)) {
      const checkpoints = checkpointOptions(options, false);
      return openPostgresStore({
        url,
        ...(checkpoints !== null ? { checkpoints } : {}),
        ...(options.schema !== undefined ? { schema: options.schema } : {}),
        ...(clock !== undefined ? { clock } : {}),
        ...(options.feed !== undefined ? { feed: options.feed } : {}),
      });
    }
    if (url === "memory:") {
      const checkpoints = checkpointOptions(options, true);
      return new MemoryStore({
        ...(clock !== undefined ? { clock } : {}),
        ...(checkpoints !== null ? { checkpoints } : {}),
      });
    }
    throw new BatonError(
      "invalid_config",
      `unsupported database URL scheme in "${url.replace(/\/\/[^@/]*@/, "//…@")}": use postgres://… (or leave it unset for SQLite)`,
    );
  }
  const checkpoints = checkpointOptions(options, false);
  return openSqliteStore({
    path: options.path ?? DEFAULT_SQLITE_PATH,
    ...(clock !== undefined ? { clock } : {}),
    ...(checkpoints !== null ? { checkpoints } : {}),
  });
}

/** Reads `BATON_DATABASE_URL` (PostgreSQL) from the given environment; SQLite otherwise. */
export function storeOptionsFromEnv(env: Record<string, string | undefined> = process.env): OpenStoreOptions {
  const url = env.BATON_DATABASE_URL;
  return url !== undefined && url !== "" ? { url } : {};
}
