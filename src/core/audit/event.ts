/**
 * The audit event model: what one event of the log is, what a caller may append, and which
 * tokens an event concerns. Pure: storage is the store's (`src/store/`), sealing and checking
 * the chain is `./chain.ts`.
 *
 * @example
 *   const input = parseAuditInput({ type: "decision", data: { allow: false, code: "revoked", jtis } });
 */
import { z } from "zod";

export const AUDIT_EVENT_TYPES = [
  "decision",
  "token_recorded",
  "revocation",
  "revocation_refused",
  "approval",
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const jsonObject = z.record(z.string(), z.json());

/** A stored event, as the schema of exports and of the HTTP API. */
export const auditEventSchema = z.object({
  id: z.int().min(1),
  at: z.int().min(0),
  type: z.enum(AUDIT_EVENT_TYPES),
  intent: z.string().min(1).optional(),
  agent: z.string().min(1).optional(),
  data: jsonObject,
  prev_hash: hex64,
  hash: hex64,
});

/** A stored audit event. Optional members are absent, never undefined. */
export interface AuditEvent {
  id: number;
  /** Unix ms. */
  at: number;
  type: AuditEventType;
  intent?: string;
  agent?: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** What an append takes. */
export interface AuditInput {
  type: AuditEventType;
  intent?: string;
  agent?: string;
  /** A JSON object; for decisions, never the raw arguments (see `decisionDataSchema`). */
  data: Record<string, unknown>;
  /** Unix ms; defaults to the store's clock. */
  at?: number;
}

/** Keys that would carry raw call arguments: refused in decision data (only their hash belongs there). */
const RAW_ARGUMENT_KEYS = ["args", "arguments", "hta", "input", "params"];

/**
 * The data of a `decision` event. Extra JSON members are allowed, raw arguments are not.
 * @example { allow: false, code: "scope_widened", step: "4n", token_index: 2, jtis: ["…"], tool: "read_file", args_sha256: "…" }
 */
export const decisionDataSchema = z
  .object({
    allow: z.boolean(),
    code: z.string().min(1),
    step: z.string().optional(),
    token_index: z.int().min(0).optional(),
    jtis: z.array(z.string()),
    tool: z.string().optional(),
    args_sha256: z.string().optional(),
  })
  .catchall(z.json())
  .refine((data) => RAW_ARGUMENT_KEYS.every((key) => !(key in data)), {
    message: `decision data must not carry raw arguments (${RAW_ARGUMENT_KEYS.join(", ")}); store args_sha256`,
  });

export const auditInputSchema = z
  .object({
    type: z.enum(AUDIT_EVENT_TYPES),
    intent: z.string().min(1).optional(),
    agent: z.string().min(1).optional(),
    data: jsonObject,
    at: z.int().min(0).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.type !== "decision") return;
    const parsed = decisionDataSchema.safeParse(input.data);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ["data", ...issue.path] });
    }
  });

/** A parsed input: optional members absent rather than undefined. */
export interface ParsedAuditInput {
  type: AuditEventType;
  intent?: string;
  agent?: string;
  data: Record<string, unknown>;
  at?: number;
}

/** Validates an append; throws a ZodError on bad input (a programmer error). */
export function parseAuditInput(input: unknown): ParsedAuditInput {
  const parsed = auditInputSchema.parse(input);
  return {
    type: parsed.type,
    data: parsed.data,
    ...(parsed.intent !== undefined ? { intent: parsed.intent } : {}),
    ...(parsed.agent !== undefined ? { agent: parsed.agent } : {}),
    ...(parsed.at !== undefined ? { at: parsed.at } : {}),
  };
}

/** Longest jti or token hash indexed as an event's reference. */
const MAX_REF = 4096;

/**
 * The token jtis and `sha256:` hashes an event concerns, for the per-token index: the chain
 * jtis of a decision, a recorded token's jti and hash, a revocation's token target.
 */
export function auditRefs(data: Record<string, unknown>): string[] {
  const refs = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === "string" && value.length > 0 && value.length <= MAX_REF) refs.add(value);
  };
  if (Array.isArray(data.jtis)) for (const jti of data.jtis) add(jti);
  if (Array.isArray(data.hashes))
    for (const h of data.hashes) if (typeof h === "string" && h.startsWith("sha256:")) add(h);
  add(data.jti);
  if (typeof data.hash === "string" && data.hash.startsWith("sha256:")) add(data.hash);
  const target = data.target as { kind?: unknown; id?: unknown } | null | undefined;
  if (target !== null && typeof target === "object" && target.kind === "token") add(target.id);
  return [...refs];
}
