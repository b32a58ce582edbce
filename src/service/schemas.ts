/**
 * Every HTTP body and query of the service, defined once with zod. Validation, response
 * serialization (a response schema is also a leak guard: members it does not name are dropped)
 * and the OpenAPI 3.1 document all come from here.
 *
 * Schemas with an `id` are emitted as `components.schemas` of the OpenAPI document.
 */
import { z } from "zod";
import { AUDIT_BREAK_REASONS } from "../core/audit/chain.ts";
import { AUDIT_EVENT_TYPES } from "../core/audit/event.ts";
import { decisionSchema as coreDecisionSchema } from "../core/decision/json.ts";
import { isDisplayName } from "../graph/render-escape.ts";

/** The service's own schema registry (ids become OpenAPI components), kept off zod's global one. */
export const schemaRegistry = z.registry<z.core.GlobalMeta>();

function named<T extends z.ZodType>(schema: T, id: string, description: string): T {
  schemaRegistry.add(schema, { id, description });
  return schema;
}

const compact = z.string().min(1).describe("A JWS in compact serialization");
const agentId = z.string().min(1).max(4096).describe("Agent id: RFC 9278 JWK-thumbprint URI");

// ---- problems

export const problemSchema = named(
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    code: z.string().describe("Stable machine-readable code (see specs/http.md)"),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    step: z.string().nullable().optional(),
    token: z.int().nullable().optional(),
  }),
  "Problem",
  "RFC 9457 problem details, with a stable code",
);

/** The OpenAPI entry of a JSON response (the schema also serializes it). */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** The OpenAPI entry of a problem response of the given status. */
export function problemResponse(description: string) {
  return { description, content: { "application/problem+json": { schema: problemSchema } } };
}

// ---- verify

export const verifyBodySchema = named(
  z.strictObject({
    aat_chain: z.array(compact).max(64).describe("The AAT chain, root first"),
    aat_pop: compact.describe("The PoP JWT for this call"),
    tool: z.string().min(1).max(1024),
    args: z
      .record(z.string(), z.unknown())
      .describe("The call's arguments, a JSON object; numbers are checked as written"),
    approval: z
      .union([compact, z.array(compact).min(1).max(16)])
      .optional()
      .describe(
        "A step-up approval when the tool needs one: one compact approval, or an array of them (at most 16) for an m-of-n threshold",
      ),
  }),
  "VerifyRequest",
  "A presentation and the call it authorises",
);

/** The one JSON form of a decision (`src/core/decision/json.ts`). */
export const decisionSchema = named(
  coreDecisionSchema,
  "Decision",
  "The verdict; a denial is a 200 with allow: false",
);

// ---- tokens

export const recordBodySchema = named(
  z.strictObject({
    aat_chain: z.array(compact).min(1).max(64),
    holder_name: z
      .string()
      .refine(isDisplayName, "must be 1–64 printable characters without leading or trailing space")
      .optional()
      .describe(
        "Display name of the leaf's holder for the graph and /ui (cosmetic, no authority); stored only when that agent has no name yet",
      ),
  }),
  "RecordRequest",
  "A chain to verify statically and record",
);

const tokenSummarySchema = z.object({
  jti: z.string(),
  hash: z.string().describe("sha256:<b64url> of the signing input"),
  issuer: z.string(),
  holder: agentId,
  intent: z.string().nullable(),
  depth: z.int(),
  created: z.boolean().describe("false when the registry already held it"),
});

export const recordResponseSchema = named(
  z.object({
    recorded: z.int().describe("Number of tokens newly recorded (0 when all were known)"),
    tokens: z.array(tokenSummarySchema),
    holder_name: z.string().nullable().describe("The leaf holder's display name as now stored"),
  }),
  "RecordResult",
  "The chain's tokens as recorded",
);

// ---- revocations

export const revokeBodySchema = named(
  z.strictObject({ request: compact.describe('A signed revocation request (typ "baton-revoke+jwt")') }),
  "RevokeRequest",
  "A signed revocation request",
);

export const revocationRecordSchema = named(
  z.object({
    seq: z.int(),
    target: z.object({ kind: z.enum(["token", "agent", "intent"]), id: z.string() }),
    reason: z.string().nullable(),
    actor: z.string().nullable(),
    request_jti: z.string().nullable(),
    token_exp: z.int().nullable(),
    revoked_at: z.int().describe("Unix milliseconds"),
  }),
  "Revocation",
  "A stored revocation (permanent; seq is commit order)",
);

export const revocationFeedSchema = named(
  z.object({ revocations: z.array(revocationRecordSchema), last_seq: z.int() }),
  "RevocationFeed",
  "Revocations after a seq, ascending; pass last_seq as `after` to continue",
);

const seqParam = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,14})$/, "must be a non-negative integer")
  .transform(Number);

export const revocationsQuerySchema = z.strictObject({
  after: seqParam.optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "must be an integer from 1 to 1000")
    .transform(Number)
    .pipe(z.int().max(1000))
    .optional(),
});

// ---- audit

const timeParam = z
  .string()
  .refine((s) => /^[0-9]{1,15}$/.test(s) || !Number.isNaN(Date.parse(s)), {
    message: "must be unix milliseconds or an RFC 3339 date-time",
  })
  .transform((s) => (/^[0-9]+$/.test(s) ? Number(s) : Date.parse(s)));

export const auditQuerySchema = z.strictObject({
  intent: z.string().min(1).max(4096).optional(),
  agent: agentId.optional(),
  type: z.enum(AUDIT_EVENT_TYPES).optional(),
  from: timeParam.describe("Inclusive lower bound: unix ms or RFC 3339").optional(),
  to: timeParam.describe("Exclusive upper bound: unix ms or RFC 3339").optional(),
  after: seqParam.describe("Events with id > after (the previous page's `next`)").optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "must be an integer from 1 to 1000")
    .transform(Number)
    .pipe(z.int().max(1000))
    .optional(),
});

export const auditEventSchema = named(
  z.object({
    id: z.int(),
    at: z.int().describe("Unix milliseconds"),
    type: z.enum(AUDIT_EVENT_TYPES),
    intent: z.string().optional(),
    agent: z.string().optional(),
    data: z.record(z.string(), z.unknown()),
    prev_hash: z.string(),
    hash: z.string(),
  }),
  "AuditEvent",
  "One event of the hash-chained audit log",
);

export const auditPageSchema = named(
  z.object({ events: z.array(auditEventSchema), next: z.int().nullable() }),
  "AuditPage",
  "A page of audit events; `next` is the `after` of the next page, null at the end",
);

export const auditCheckpointSchema = named(
  z.object({
    id: z.int().describe("Row id: insertion order, the paging cursor"),
    node: z.string().describe("The signing node's id (thumbprint URI of its node key)"),
    seq: z.int().describe("The last event id the log held"),
    hash: z.string().describe("That event's hash"),
    at: z.int().describe("Unix milliseconds"),
    jws: z.string().describe('The signed checkpoint (typ "baton-checkpoint+jwt")'),
  }),
  "AuditCheckpoint",
  "A signed checkpoint of the audit head (see specs/audit.md)",
);

export const auditCheckpointPageSchema = named(
  z.object({ checkpoints: z.array(auditCheckpointSchema), next: z.int().nullable() }),
  "AuditCheckpointPage",
  "A page of checkpoints, oldest first; `next` is the `after` of the next page, null at the end",
);

export const auditCheckpointQuerySchema = z.strictObject({
  after: seqParam.describe("Checkpoints with row id > after (the previous page's `next`)").optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, "must be an integer from 1 to 1000")
    .transform(Number)
    .pipe(z.int().max(1000))
    .optional(),
});

/** At most this many checkpoints per `POST /v1/audit/check`. */
export const MAX_CHECK_CHECKPOINTS = 1000;

export const auditCheckBodySchema = named(
  z.strictObject({
    checkpoints: z
      .array(z.string().min(1).max(2048))
      .max(MAX_CHECK_CHECKPOINTS)
      .describe("Checkpoint JWSs kept outside this service (an earlier export)"),
  }),
  "AuditCheckRequest",
  "Checkpoints to hold the log against, besides the stored ones",
);

export const auditCheckSchema = named(
  z.union([
    z.object({
      ok: z.literal(true),
      count: z.int(),
      head_hash: z.string(),
      checkpoints: z
        .object({
          count: z.int().describe("Signed head checkpoints verified against the log"),
          latest: z
            .object({ node: z.string(), seq: z.int(), at: z.int().describe("Unix ms") })
            .optional()
            .describe("The checkpoint with the highest seq"),
          stalled: z
            .object({ node: z.string(), seq: z.int(), head: z.int(), message: z.string() })
            .optional()
            .describe(
              "This node's latest checkpoint (seq, 0 when none) lags the head by more than its checkpointEveryEvents and is older than twice its interval: it stopped signing",
            ),
        })
        .describe("See specs/audit.md"),
    }),
    z.object({
      ok: z.literal(false),
      id: z
        .int()
        .describe("The first broken event (the first missing one for tail_missing; 0 when none is named)"),
      reason: z.enum(AUDIT_BREAK_REASONS),
      message: z.string(),
    }),
  ]),
  "AuditCheck",
  "The result of walking the audit hash chain",
);

// ---- agents

export const agentParamsSchema = z.strictObject({ id: agentId });

const agentTokenSchema = z.object({
  jti: z.string(),
  hash: z.string(),
  issuer: z.string(),
  holder: z.string(),
  intent: z.string().nullable(),
  depth: z.int(),
  iat: z.int(),
  exp: z.int(),
  revoked: z.boolean().describe("The token, its issuer, its holder or its intent is revoked"),
});

export const agentSchema = named(
  z.object({
    id: agentId,
    name: z.string().nullable(),
    revoked: revocationRecordSchema.nullable(),
    issued: z.array(agentTokenSchema),
    held: z.array(agentTokenSchema),
  }),
  "Agent",
  "What the service knows about an agent",
);

// ---- health

export const healthSchema = z.object({ ok: z.literal(true) });

export const readySchema = named(
  z.object({
    ok: z.boolean(),
    store: z.object({ ok: z.boolean() }),
    revocation: z.object({ stale: z.boolean(), age_ms: z.number().nullable(), last_seq: z.int() }),
  }),
  "Readiness",
  "Store reachable and revocation state fresh",
);
