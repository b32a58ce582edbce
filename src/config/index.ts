/** Service configuration: the zod schema, its defaults, and the loader (file + `BATON_*` env). */
export { type LoadConfigOptions, loadConfig } from "./load.ts";
export {
  type BatonConfig,
  ConfigError,
  type ConfigInput,
  checkServiceAudience,
  configSchema,
  DEFAULT_BODY_LIMIT,
  DEFAULT_DB_PATH,
  DEFAULT_HOST,
  DEFAULT_PORT,
  isLoopbackHost,
  parseConfig,
  publicJwkSchema,
  trustAnchorSchema,
} from "./schema.ts";
