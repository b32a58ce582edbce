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
  /** How many distinct approver keys must approve one call (m of n); default 1. */
  approvalThreshold: z.int().min(1).max(64).optional(),
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
    })
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

/** A validated configuration; `audience` is always set. */
export interface BatonConfig extends Omit<Parsed, "audience"> {
  audience: string | string[];
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
  if (c.approvalThreshold !== undefined && c.approvalThreshold > c.approverKeys.length) {
    throw new ConfigError([
      `approvalThreshold: ${c.approvalThreshold} approvals are required but only ${c.approverKeys.length} approver key(s) are configured`,
    ]);
  }
  return { ...c, audience: c.audience ?? `http://${c.server.host}:${c.server.port}` };
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "(config)";
  if (issue.code === "unrecognized_keys") {
    return `${path}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return `${path}: ${issue.message}`;
}
