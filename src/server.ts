/**
 * `@baton-trust/server`: what an operator runs. The trust facade (`Trust`: verify with the store,
 * record, revoke, audit, graph), the HTTP service (`buildApp` builds without listening,
 * `startServer` listens), the stores (embedded SQLite by default, PostgreSQL for several nodes,
 * memory for tests), Cedar request-time policy, configuration and the `baton` command. It also
 * re-exports everything `@baton-trust/agent` and `@baton-trust/tools` export.
 *
 * @example
 * import { loadConfig, startServer } from "@baton-trust/server";
 * const server = await startServer(loadConfig({ trustAnchorsPath: "anchors.json" }));
 *
 * @packageDocumentation
 */

export * from "./agent.ts";
export { main } from "./cli/main.ts";
export {
  type BatonConfig,
  ConfigError,
  type ConfigInput,
  type LoadConfigOptions,
  loadConfig,
  parseConfig,
} from "./config/index.ts";
export {
  type CedarPolicy,
  type CedarPolicyOptions,
  type CedarVerdict,
  loadCedarPolicy,
  type PendingApproval,
  PendingApprovals,
  type PolicyCheckReport,
  type PolicyProblem,
  policyCheck,
  type ToolCatalog,
} from "./policy/index.ts";
export { type AppOptions, buildApp } from "./service/app.ts";
export { type RunningServer, type StartServerOptions, startServer } from "./service/server.ts";
export {
  type AuditEvent,
  type AuditEventType,
  MemoryStore,
  type OpenStoreOptions,
  openPostgresStore,
  openSqliteStore,
  openStore,
  RevocationState,
  type RevocationStateOptions,
  type Store,
} from "./store/index.ts";
export * from "./tools.ts";
export * from "./tools-fastify.ts";
export * from "./tools-mcp.ts";
export {
  type RecordChainResult,
  type RevokeResult,
  StoreUnavailableError,
  Trust,
  type TrustOptions,
  type VerifyInput,
} from "./trust/index.ts";
