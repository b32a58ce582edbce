/**
 * Direct better-sqlite3 access for tests that tamper with a store's file. Like the store itself
 * (see `retained` in src/store/sqlite.ts), it keeps every Database and Statement it creates
 * reachable until the test process exits: better-sqlite3 12 built against Node >= 24.19 headers
 * aborts the process when a garbage collection with no JavaScript context entered frees one.
 */
import Database from "better-sqlite3";

const retained: object[] = [];

/** Keeps `value` (a better-sqlite3 object) reachable until exit. */
export function retain<T extends object>(value: T): T {
  retained.push(value);
  return value;
}

/** `new Database(path)` whose `prepare` retains every statement it returns. */
export function rawDatabase(path: string): Database.Database {
  const db = retain(new Database(path));
  const prepare = db.prepare.bind(db);
  db.prepare = ((source: string) => retain(prepare(source))) as Database.Database["prepare"];
  return db;
}
