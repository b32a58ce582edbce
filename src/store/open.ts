/**
 * Picks and opens the store: PostgreSQL for a `postgres://` URL (several nodes sharing state),
 * otherwise the embedded SQLite file (default `./data/baton.db`).
 *
 * @example
 *   const store = await openStore(storeOptionsFromEnv());        // BATON_DATABASE_URL or ./data/baton.db
 *   const test = await openStore({ url: "memory:" });             // in-process, for tests and demos
 */
import { BatonError } from "../core/errors.ts";
import { MemoryStore } from "./memory.ts";
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
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const { url, clock } = options;
  if (url !== undefined && url !== "") {
    if (/^postgres(ql)?:\/\//i.test(url)) {
      return openPostgresStore({
        url,
        ...(options.schema !== undefined ? { schema: options.schema } : {}),
        ...(clock !== undefined ? { clock } : {}),
        ...(options.feed !== undefined ? { feed: options.feed } : {}),
      });
    }
    if (url === "memory:") return new MemoryStore(clock !== undefined ? { clock } : {});
    throw new BatonError(
      "invalid_config",
      `unsupported database URL scheme in "${url.replace(/\/\/[^@/]*@/, "//…@")}": use postgres://… (or leave it unset for SQLite)`,
    );
  }
  return openSqliteStore({
    path: options.path ?? DEFAULT_SQLITE_PATH,
    ...(clock !== undefined ? { clock } : {}),
  });
}

/** Reads `BATON_DATABASE_URL` (PostgreSQL) from the given environment; SQLite otherwise. */
export function storeOptionsFromEnv(env: Record<string, string | undefined> = process.env): OpenStoreOptions {
  const url = env.BATON_DATABASE_URL;
  return url !== undefined && url !== "" ? { url } : {};
}
