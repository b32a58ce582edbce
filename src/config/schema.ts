/**
 * The service configuration, defined once with zod. `parseConfig` turns raw input (a JSON config
 * file merged with `BATON_*` variables, see `load.ts`) into a validated {@link BatonConfig}, or
 * throws a {@link ConfigError} that names every bad field.
 *
 * @example
 * const config = parseConfig({ audience: "https://tools.example.com", trustAnchors: [{ issuer, jwk }] });
 */
import { z } from "zod";
import { DEFAULT_LIMITS } from "../core/chain/options.ts";
import { importPublicJwk, type PublicJwk } from "../core/keys/public-key.ts";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 7420;
export const DEFAULT_DB_PATH = "./data/baton.db";
export const DEFAULT_BODY_LIMIT = 1_048_576;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONNECTIONS = 1024;

/** A configuration error: one message per bad field, each naming the field. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly code = "invalid_config";
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join("\n  - ")}`);
  }
}

/** A public Ed25519 JWK; extra members (kid, alg, use, name) are allowed and dropped. */
export const publicJwkSchema = z
  .unknown()
  .check((ctx) => {
    const v = ctx.value;
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      ctx.issues.push({ code: "custom", input: v, message: "is not a JWK object" });
      return;
    }
    if (Object.hasOwn(v, "d")) {
      ctx.issues.push({
        code: "custom",
        input: v,
        message: 'is a PRIVATE key (it has a "d" member); configure the public JWK only',
      });
      return;
    }
    const k = importPublicJwk(v);
    if (!k.ok) {
      ctx.issues.push({
        code: "custom",
        input: v,
        message: `is not an acceptable Ed25519 public key: ${k.reason}`,
      });
    }
  })
  .transform((v): PublicJwk => ({ kty: "OKP", crv: "Ed25519", x: (v as { x: string }).x }));

const nonEmpty = z.string().min(1, "must be a non-empty string");
const count = z.int().min(0);

export const trustAnchorSchema = z.strictObject({ issuer: nonEmpty, jwk: publicJwkSchema });

export const limitsSchema = z.strictObject({
  maxTokenSize: count.optional(),
  maxChainSize: count.optional(),
  maxDelegationDepth: z.int().min(8, "must be at least 8 (AAT -02 §7.4)").max(64).optional(),
  maxConstraintDepth: count.optional(),
  maxIatSkew: count.optional(),
  maxTokenLifetime: count.optional(),
  popWindow: z
    .int()
    .min(1)
    .max(60, "must be at most 60 s (AAT -02 §7.3: beyond ±60 s is NOT RECOMMENDED)")
    .optional(),
});

export const policySchema = z.strictObject({
  requirePopAud: z.boolean().optional(),
  requireChainAud: z.boolean().optional(),
  requireIntent: z.boolean().optional(),
  /** "all" (default), or the tools (exact ids or `prefix*`) whose PoP jtis are tracked for replay. */
  trackReplay: z.union([z.literal("all"), z.array(nonEmpty)]).optional(),
});

export const rateLimitSchema = z.strictObject({
  /** Requests per window and client address on the mutating routes (not /v1/verify). */
  max: z.int().min(1).default(60),
  timeWindowMs: z.int().min(1).default(60_000),
});

export const configSchema = z.strictObject({
  /** This enforcement point's identifier(s); default `http://<host>:<port>`. */
  audience: z.union([nonEmpty, z.array(nonEmpty).min(1)]).optional(),
  trustAnchors: z.array(trustAnchorSchema).default([]),
  /** Keys that may revoke anything (see core/revocation). */
  adminKeys: z.array(publicJwkSchema).default([]),
  /** Keys whose signatures count as step-up approvals. */
  approverKeys: z.array(publicJwkSchema).default([]),
  /** Distinct approvers a step-up approval needs (m of the n `approverKeys`); default 1. */
  approvalThreshold: z.int().min(1).max(16).default(1),
  limits: limitsSchema.optional(),
  policy: policySchema.optional(),
  /** Request-time Cedar policy (B7): a .cedar file or a directory of them, and the tool catalog. */
  cedar: z.strictObject({ policies: nonEmpty, catalog: nonEmpty.optional() }).optional(),
  store: z
    .strictObject({
      /** SQLite file; default ./data/baton.db (relative to the working directory). */
      path: nonEmpty.optional(),
      /** `postgres://…`; takes precedence over path. */
      url: nonEmpty.optional(),
    })
    .prefault({}),
  /** Signed checkpoints of the audit head (specs/audit.md). */
  audit: z
    .strictObject({
      /** Sign checkpoints; default true. */
      checkpoints: z.boolean().default(true),
      /** Node key file (mode 0600, created if absent); default node.key in the data directory. */
      nodeKey: nonEmpty.optional(),
      /** Time between checkpoints while events arrive; 0 disables the timer. */
      checkpointIntervalMs: z.int().min(0).max(86_400_000).default(10_000),
      /** Appends after which a checkpoint is due; 0 disables counting. */
      checkpointEveryEvents: z.int().min(0).max(1_000_000).default(1000),
      /**
       * Node ids (checkpoint key thumbprint URIs) of the other nodes sharing this store, whose
       * checkpoints `audit check` accepts besides this node's own; default none.
       */
      trustedNodes: z.array(nonEmpty.max(256)).max(64).default([]),
    })
    .prefault({}),
  /** Revocation state older than this makes every verify deny (`revocation_state_stale`). */
  maxStalenessMs: z.int().min(100).max(3_600_000).default(5000),
  revocation: z
    .strictObject({
      /** Seconds a signed revocation request stays acceptable. */
      maxAgeSeconds: z.int().min(1).max(86_400).default(300),
      /** Let upstream holders revoke an agent everywhere (off: see core/revocation/request.ts). */
      delegatorsMayRevokeAgents: z.boolean().default(false),
    })
    .prefault({}),
  server: z
    .strictObject({
      host: nonEmpty.default(DEFAULT_HOST),
      port: z.int().min(0).max(65_535).default(DEFAULT_PORT),
      bodyLimit: z
        .int()
        .min(1024)
        .max(64 * 1_048_576)
        .default(DEFAULT_BODY_LIMIT),
      rateLimit: z.union([z.literal(false), rateLimitSchema]).prefault({}),
      logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      trustProxy: z.boolean().default(false),
      /** Milliseconds to receive a whole request (headers and body); 0 disables. Default 30 000. */
      requestTimeoutMs: z.int().min(0).max(3_600_000).default(DEFAULT_REQUEST_TIMEOUT_MS),
      /** Open sockets the server accepts; more are dropped by Node. Default 1024. */
      maxConnections: z.int().min(1).max(1_000_000).default(DEFAULT_MAX_CONNECTIONS),
      /** Live graph streams (`GET /v1/events`). */
      sse: z
        .strictObject({
          /** Open streams in all; beyond it a new stream is refused 503. Default 100. */
          maxStreams: z.int().min(0).max(100_000).default(100),
          /**
           * Open streams per caller (authenticated identity when the request has one, else the
           * client address); beyond it 429. Default 8.
           */
          maxStreamsPerCaller: z.int().min(0).max(100_000).default(8),
          /** Bytes a stream may have queued for a slow reader before it is dropped. Default 1 MiB. */
          maxBufferedBytes: z
            .int()
            .min(1024)
            .max(64 * 1_048_576)
            .default(1_048_576),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

/** A validated configuration; `audience` is always set. */
export interface BatonConfig extends Omit<Parsed, "audience"> {
  audience: string | string[];
  /** True when no audience was configured and `http://<host>:<port>` was filled in. */
  audienceDefaulted?: boolean;
}

/** True for a host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h) || h === "::ffff:127.0.0.1";
}

const SET_AUDIENCE =
  "set `audience` in the config file, pass --aud or set BATON_AUDIENCE to this service's own public identifier";

/**
 * The service's start-up rule for its audience. The default `http://<host>:<port>` is the same for
 * every default deployment, so a presentation or revocation request made for one would be accepted
 * by all of them: with trust anchors or admin keys configured on a host others can reach, a
 * defaulted audience is a {@link ConfigError}; on loopback it is returned as a warning to log.
 */
export function checkServiceAudience(config: BatonConfig): string | null {
  if (config.audienceDefaulted !== true) return null;
  const authority = config.trustAnchors.length > 0 || config.adminKeys.length > 0;
  if (!isLoopbackHost(config.server.host)) {
    if (authority) {
      throw new ConfigError([
        `audience: the service listens on ${config.server.host}, which is not loopback, with trust anchors or admin keys but no explicit audience (the default ${JSON.stringify(config.audience)} is shared by every default deployment); ${SET_AUDIENCE}`,
      ]);
    }
    return `no explicit audience: using the default ${JSON.stringify(config.audience)}, shared by every default deployment; ${SET_AUDIENCE}`;
  }
  return `no explicit audience: using the default ${JSON.stringify(config.audience)} (loopback only); before serving others, ${SET_AUDIENCE}`;
}

/** Validates raw configuration; throws {@link ConfigError} naming every bad field. */
export function parseConfig(input: unknown): BatonConfig {
  const r = configSchema.safeParse(input ?? {});
  if (!r.success) throw new ConfigError(r.error.issues.map(formatIssue));
  const c = r.data;
  const tokenSize = c.limits?.maxTokenSize ?? DEFAULT_LIMITS.maxTokenSize;
  const chainSize = c.limits?.maxChainSize ?? DEFAULT_LIMITS.maxChainSize;
  if (tokenSize > chainSize) {
    throw new ConfigError(["limits.maxTokenSize: must not exceed limits.maxChainSize"]);
  }
  if (c.approvalThreshold > Math.max(1, c.approverKeys.length)) {
    throw new ConfigError([
      `approvalThreshold: ${c.approvalThreshold} approvers are required but only ${c.approverKeys.length} approver key(s) are configured`,
    ]);
  }
  if (c.audience !== undefined) return { ...c, audience: c.audience };
  return { ...c, audience: `http://${c.server.host}:${c.server.port}`, audienceDefaulted: true };
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(config)";
  if (issue.code === "unrecognized_keys") {
    return `${path}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return `${path}: ${issue.message}`;
}
