/** The store layer: adapters behind the interfaces `src/core/ports.ts` declares. */

export {
  AUDIT_EVENT_TYPES,
  type AuditEvent,
  type AuditEventType,
  auditEventSchema,
  decisionDataSchema,
  GENESIS_HASH,
  hashAuditEvent,
} from "../core/audit/index.ts";
export { createMemoryStoreState, MemoryStore, type MemoryStoreOptions } from "./memory.ts";
export { NonceBook, type NonceBookOptions } from "./nonce-book.ts";
export { type OpenStoreOptions, openStore, storeOptionsFromEnv } from "./open.ts";
export { permitLedger } from "./permit-ledger.ts";
export { openPostgresStore, PostgresStore, type PostgresStoreOptions } from "./postgres.ts";
export {
  RevocationState,
  type RevocationStateOptions,
  type RevocationStateStatus,
} from "./revocation-state.ts";
export { DEFAULT_SQLITE_PATH, openSqliteStore, SqliteStore, type SqliteStoreOptions } from "./sqlite.ts";
export type * from "./types.ts";
