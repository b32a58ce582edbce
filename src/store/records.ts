/**
 * Schemas at the store's two edges: what callers hand in (validated before any write) and what
 * the database hands back (every row is parsed before use, so a damaged row is an error, not data).
 */
import { z } from "zod";
import type { RevocationTarget } from "../core/ports.ts";
import type {
  AuditCheckpointRecord,
  RevocationInput,
  RevocationRecord,
  TokenInput,
  TokenRecord,
} from "./types.ts";

const id = z.string().min(1).max(4096);
const text = z.string().max(4096);

export const revocationTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("token"), id }),
  z.object({ kind: z.literal("agent"), id }),
  z.object({ kind: z.literal("intent"), id }),
]);

export const revocationInputSchema = z.object({
  target: revocationTargetSchema,
  reason: text.optional(),
  actor: text.optional(),
  requestJti: text.optional(),
  tokenExp: z.int().optional(),
});

/** `sha256:` + 43 b64url characters (an unpadded SHA-256). */
export const hashKeySchema = z.string().regex(/^sha256:[A-Za-z0-9_-]{43}$/);

export const tokenInputSchema = z.object({
  hash: hashKeySchema,
  jti: id,
  parentHash: hashKeySchema.optional(),
  issuer: id,
  holder: id,
  intent: id.optional(),
  depth: z.int().min(0),
  iat: z.int(),
  exp: z.int(),
  token: z.string().min(1),
  payload: z.record(z.string(), z.json()),
});

export const permitEntrySchema = z.object({
  replay: z.object({ key: z.string().min(1), expiresAt: z.number() }).optional(),
  usage: z.array(z.object({ index: z.int().min(0), key: z.string().min(1), limit: z.int() })),
});

function omitUndefined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

export function parseRevocationInput(input: unknown): RevocationInput {
  const p = revocationInputSchema.parse(input);
  return omitUndefined({
    target: p.target as RevocationTarget,
    reason: p.reason,
    actor: p.actor,
    requestJti: p.requestJti,
    tokenExp: p.tokenExp,
  }) as RevocationInput;
}

export function parseTokenInput(input: unknown): TokenInput {
  const p = tokenInputSchema.parse(input);
  return omitUndefined({ ...p, payload: p.payload as Record<string, unknown> }) as TokenInput;
}

/** Integers come back as numbers (SQLite) or strings (PostgreSQL BIGINT); both must be safe. */
export const dbInt = z
  .union([z.number(), z.string().regex(/^-?\d+$/), z.bigint()])
  .transform((value) => Number(value))
  .pipe(z.int());

const revocationRowSchema = z.object({
  seq: dbInt.pipe(z.int().min(1)),
  kind: z.enum(["token", "agent", "intent"]),
  target_id: id,
  reason: z.string().nullable(),
  actor: z.string().nullable(),
  request_jti: z.string().nullable(),
  token_exp: dbInt.nullable(),
  revoked_at: dbInt,
});

export function revocationFromRow(row: unknown): RevocationRecord {
  const r = revocationRowSchema.parse(row);
  return omitUndefined({
    seq: r.seq,
    target: { kind: r.kind, id: r.target_id },
    reason: r.reason ?? undefined,
    actor: r.actor ?? undefined,
    requestJti: r.request_jti ?? undefined,
    tokenExp: r.token_exp ?? undefined,
    revokedAt: r.revoked_at,
  }) as RevocationRecord;
}

const tokenRowSchema = z.object({
  hash: hashKeySchema,
  jti: id,
  parent_hash: hashKeySchema.nullable(),
  issuer: id,
  holder: id,
  intent: id.nullable(),
  depth: dbInt,
  iat: dbInt,
  exp: dbInt,
  token: z.string().min(1),
  payload: z.string(),
  recorded_at: dbInt,
});

const payloadSchema = z.record(z.string(), z.json());

export function tokenFromRow(row: unknown): TokenRecord {
  const r = tokenRowSchema.parse(row);
  const payload = payloadSchema.parse(JSON.parse(r.payload)) as Record<string, unknown>;
  return omitUndefined({
    hash: r.hash,
    jti: r.jti,
    parentHash: r.parent_hash ?? undefined,
    issuer: r.issuer,
    holder: r.holder,
    intent: r.intent ?? undefined,
    depth: r.depth,
    iat: r.iat,
    exp: r.exp,
    token: r.token,
    payload,
    recordedAt: r.recorded_at,
  }) as TokenRecord;
}

export const headRowSchema = z.object({ last_id: dbInt, last_hash: z.string().regex(/^[0-9a-f]{64}$/) });
export const usedRowSchema = z.object({ used: dbInt });
export const agentNameRowSchema = z.object({ agent: id, name: z.string() });
export const countRowSchema = z.object({ n: dbInt });
export const presentRowSchema = z.object({ present: z.boolean() });

/** Clamps a caller's page size. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return 1000;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  return Math.min(limit, 10_000);
}

/** A checkpoint handed to `addAuditCheckpoint` (the JWS is verified by `checkAudit`, not here). */
export const checkpointInputSchema = z.object({
  node: id,
  seq: z.int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.int().min(0),
  jws: z.string().min(1).max(2048),
});

const checkpointRowSchema = z.object({
  id: dbInt,
  node: id,
  seq: dbInt,
  hash: z.string(),
  at: dbInt,
  jws: z.string(),
});

export function checkpointFromRow(row: unknown): AuditCheckpointRecord {
  const r = checkpointRowSchema.parse(row);
  return { id: r.id, node: r.node, seq: r.seq, hash: r.hash, at: r.at, jws: r.jws };
}

/** A raw row of the check's hash lookup. */
export const idHashRowSchema = z.object({ id: dbInt, hash: z.string() });
